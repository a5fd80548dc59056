namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// alpha or beta: a host value read when the call was made (pointer mode host), or a device address read when
/// the work runs in its stream (pointer mode device), as cuBLAS reads them.
/// </summary>
internal readonly unsafe struct Scalar
{
    private readonly double hostValue;
    private readonly ulong deviceAddress;
    private readonly BlasDataType type;

    private Scalar(double hostValue, ulong deviceAddress, BlasDataType type, bool onDevice)
    {
        this.hostValue = hostValue;
        this.deviceAddress = deviceAddress;
        this.type = type;
        OnDevice = onDevice;
    }

    /// <summary>True when the value is read from device memory at execution time.</summary>
    public bool OnDevice { get; }

    /// <summary>The host value (only meaningful when not <see cref="OnDevice"/>).</summary>
    public double HostValue => hostValue;

    /// <summary>A value read now from the host pointer <paramref name="pointer"/> of <paramref name="type"/>.</summary>
    public static Scalar FromHost(void* pointer, BlasDataType type) => new(ElementAccess.Read((byte*)pointer, type, 0), 0, type, false);

    /// <summary>A known value (tests, and constants such as beta = 0 where no C is given).</summary>
    public static Scalar Constant(double value) => new(value, 0, BlasDataType.Float64, false);

    /// <summary>A value that lives at <paramref name="address"/> in device memory.</summary>
    public static Scalar FromDevice(ulong address, BlasDataType type) => new(0, address, type, true);

    /// <summary>The value, read from device memory when it lives there.</summary>
    /// <exception cref="DeviceFaultException">The device address is not inside a live allocation.</exception>
    public double Resolve(IGlobalMemory memory, string name)
    {
        if (!OnDevice) return hostValue;
        byte* p = MatrixOperand.ColumnMajor(name, deviceAddress, type, 1, 1, 1, 0).Map(memory, 0, write: false);
        return ElementAccess.Read(p, type, 0);
    }
}

/// <summary>
/// One (batched) product D = epilogue(alpha op(A) op(B) + beta C + bias), everything the reference GEMM needs,
/// with op(A) already applied: A is M x K, B is K x N, C and D are M x N.
/// </summary>
internal sealed class GemmProblem
{
    public required long M { get; init; }
    public required long N { get; init; }
    public required long K { get; init; }
    public required long BatchCount { get; init; }
    public required MatrixOperand A { get; init; }
    public required MatrixOperand B { get; init; }
    public required MatrixOperand C { get; init; }
    public required MatrixOperand D { get; init; }
    public required Scalar Alpha { get; init; }
    public required Scalar Beta { get; init; }

    /// <summary>Accumulate in double (64F compute) instead of float.</summary>
    public required bool DoublePrecision { get; init; }

    /// <summary>What happens to float inputs before they are multiplied (TF32 and friends).</summary>
    public InputRounding Rounding { get; init; }

    public Epilogue Epilogue { get; init; } = Epilogue.Default;

    /// <summary>The bias vector (M x 1, its batch stride in BatchStride) when the epilogue adds one.</summary>
    public MatrixOperand? Bias { get; init; }
}
