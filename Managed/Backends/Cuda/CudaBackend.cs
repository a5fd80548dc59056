using CudaTensor.Native;
using CudaTensor.Ops;
using CudaTensor.CudaRuntime;
using CudaTensor.Core;
using CudaTensor.RandomNumbers;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// The backend primitives on one CUDA device. Every primitive makes the device's primary context current, queues its
/// work asynchronously on the device's current stream (<see cref="CudaTensor.Cuda.UseStream"/>), and checks the status
/// of every driver call and launch; only host reads (<see cref="ReadToHost"/>, <see cref="NonZero"/>) wait for the stream; index checks of
/// gather/scatter and cross-entropy are read at that point (<see cref="CudaRuntime.DeviceErrorLog"/>). Kernels come from <c>Kernels/</c> through <see cref="CudaKernels"/>.
/// Semantics follow the CPU backend, which is the oracle of the comparison tests.
/// </summary>
internal sealed unsafe partial class CudaBackend : IBackend, IFusedLayerNorm, IFusedCrossEntropy, IConvolution, IFusedOptimizerSteps, IDeferredIndexChecks
{
    /// <summary>Environment variable: "1" synchronizes after every kernel, so an asynchronous fault names its kernel.</summary>
    public const string SyncVariable = "CUDATENSOR_CUDA_SYNC";

    private const uint BlockSize = 256;
    private static readonly bool SyncEveryLaunch = Environment.GetEnvironmentVariable(SyncVariable) == "1";
    private static readonly Lock CreateLock = new();
    private static CudaBackend?[] _backends = [];

    private readonly CudaDeviceContext _device;
    private readonly uint _maxGrid;

    private CudaBackend(CudaDeviceContext device)
    {
        _device = device;
        _maxGrid = (uint)Math.Max(1, device.Info.MultiprocessorCount * 32); // grid-stride loops: enough blocks to fill every SM
    }

    /// <summary>The backend of device <paramref name="ordinal"/>.</summary>
    /// <exception cref="NotSupportedException">CUDA is unusable or the device does not exist (the message says why).</exception>
    public static CudaBackend For(int ordinal)
    {
        var all = Volatile.Read(ref _backends);
        if ((uint)ordinal < (uint)all.Length && all[ordinal] is { } b) return b;
        var device = CudaDeviceContext.For(ordinal);
        lock (CreateLock)
        {
            all = _backends;
            if (all.Length <= ordinal) Array.Resize(ref all, ordinal + 1);
            all[ordinal] ??= new CudaBackend(device);
            Volatile.Write(ref _backends, all);
            return all[ordinal]!;
        }
    }

    public Device Device => _device.Device;

    internal CudaDeviceContext DeviceContext => _device;

    /// <summary>Makes the context current and returns the stream to queue on.</summary>
    private nint Begin()
    {
        _device.MakeCurrent();
        return _device.CurrentStream.Handle;
    }

    /// <summary>Device address of element 0 of <paramref name="t"/>, noting its use on <paramref name="stream"/>.</summary>
    private static ulong Ptr(Strided t, nint stream)
    {
        var s = (CudaStorage)t.Storage;
        s.UseOn(stream);
        return s.Address + (ulong)(t.Offset * t.DType.ElementSize());
    }

    public Storage Allocate(long byteLength, bool zeroed)
    {
        nint stream = Begin();
        var memory = _device.Pool.Allocate((ulong)byteLength, stream);
        try
        {
            if (zeroed && byteLength > 0) Driver.SetBytesAsync(memory.Address, 0, (ulong)byteLength, stream);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
        return new CudaStorage(_device, memory, byteLength);
    }

    /// <summary>A contiguous scratch tensor of <paramref name="shape"/>; release its storage after queuing the last use.</summary>
    private Strided Temp(long[] shape, DType dtype)
    {
        long bytes = Shapes.NumElements(shape) * dtype.ElementSize();
        return new Strided(Allocate(bytes, false), 0, shape, Shapes.ContiguousStrides(shape), dtype);
    }

    /// <summary>Launches a 1-D grid-stride kernel over <paramref name="n"/> elements.</summary>
    private void Launch(nint function, long n, nint stream, ReadOnlySpan<nint> args)
    {
        uint grid = (uint)Math.Clamp((n + BlockSize - 1) / BlockSize, 1, _maxGrid);
        LaunchGrid(function, (grid, 1, 1), BlockSize, stream, args);
    }

    private static void LaunchGrid(nint function, (uint X, uint Y, uint Z) grid, uint block, nint stream, ReadOnlySpan<nint> args)
    {
        Driver.Launch(function, grid, (block, 1, 1), 0, stream, args);
        if (SyncEveryLaunch) Driver.SynchronizeStream(stream);
    }

    private nint Kernel(string program, DType? dtype, string name) => CudaKernels.Function(_device, program, dtype, name);

    private static string Variant(in KernelLayout layout) => layout.IsContiguous ? (layout.Fits32 ? "c32" : "c64") : (layout.Fits32 ? "s32" : "s64");

    private static string StridedVariant(in KernelLayout layout) => layout.Fits32 ? "s32" : "s64";

    public void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock)
    {
        long n = dst.NumElements;
        if (n == 0) return;
        if (!dst.IsContiguous) throw new ArgumentException("Random fills a contiguous tensor.", nameof(dst));
        nint stream = Begin();
        ulong p = Ptr(dst, stream);
        ulong count = (ulong)n;
        string name;
        switch (kind, dst.DType)
        {
            case (RandomDistribution.Uniform, DType.Float32 or DType.Float64):
                if (!double.IsFinite(a) || !double.IsFinite(b) || !(a <= b))
                    throw new ArgumentException($"Uniform bounds must be finite with low <= high; got [{a}, {b}).");
                name = dst.DType == DType.Float32 ? "ct_uniform_f32" : "ct_uniform_f64";
                break;
            case (RandomDistribution.Normal, DType.Float32 or DType.Float64):
                if (!double.IsFinite(a) || !double.IsFinite(b) || !(b >= 0))
                    throw new ArgumentException($"Normal needs a finite mean and a finite std >= 0; got mean {a}, std {b}.");
                name = dst.DType == DType.Float32 ? "ct_normal_f32" : "ct_normal_f64";
                break;
            case (RandomDistribution.Integers, DType.Int32 or DType.Int64):
            {
                long lo = (long)a, hi = (long)b;
                if (!(hi > lo)) throw new ArgumentException($"Integer bounds need low < high; got [{lo}, {hi}).");
                ulong range = unchecked((ulong)(hi - lo));
                nint f = Kernel("random.cu", null, dst.DType == DType.Int32 ? "ct_integers_i32" : "ct_integers_i64");
                Launch(f, n, stream, [(nint)(&p), (nint)(&count), (nint)(&seed), (nint)(&startBlock), (nint)(&lo), (nint)(&range)]);
                return;
            }
            case (RandomDistribution.Bernoulli, DType.Float32 or DType.Float64):
            {
                uint threshold = RandomFill.BernoulliThreshold(a);
                nint f = Kernel("random.cu", null, dst.DType == DType.Float32 ? "ct_bernoulli_f32" : "ct_bernoulli_f64");
                Launch(f, n, stream, [(nint)(&p), (nint)(&count), (nint)(&seed), (nint)(&startBlock), (nint)(&threshold)]);
                return;
            }
            default:
                throw new NotSupportedException($"Random {kind} numbers of dtype {dst.DType.Name()} are not supported.");
        }
        nint fn = Kernel("random.cu", null, name);
        if (dst.DType == DType.Float32)
        {
            float fa = (float)a, fb = (float)b;
            Launch(fn, n, stream, [(nint)(&p), (nint)(&count), (nint)(&seed), (nint)(&startBlock), (nint)(&fa), (nint)(&fb)]);
        }
        else
        {
            Launch(fn, n, stream, [(nint)(&p), (nint)(&count), (nint)(&seed), (nint)(&startBlock), (nint)(&a), (nint)(&b)]);
        }
    }

    /// <summary>Reads the Bool tensor back and scans it on the host: the result is a host array anyway.</summary>
    public long[] NonZero(Strided src)
    {
        long n = src.NumElements;
        var bytes = new byte[n];
        ReadToHost(src, bytes);
        var result = new List<long>();
        for (long i = 0; i < n; i++)
        {
            if (bytes[i] != 0) result.Add(i);
        }
        return [.. result];
    }

    public void ReadToHost(Strided src, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        nint stream = Begin();
        _device.RefuseWhileCapturing("Reading tensor values on the host (ToArray, Item, NonZero, ToString, a copy to the CPU)",
            "a CUDA graph replays device work only, and the values do not exist until it is replayed. Read them after Replay().", stream);
        ulong p = Ptr(src, stream);
        ulong bytes = (ulong)destination.Length;
        if (destination.Length <= PinnedStagingPool.MaxStagedBytes)
        {
            var staging = _device.Staging.Rent(destination.Length);
            try
            {
                Driver.CopyToHostAsync(staging.Pointer, p, bytes, stream);
                Synchronized(stream);
                new ReadOnlySpan<byte>((void*)staging.Pointer, destination.Length).CopyTo(destination);
            }
            finally
            {
                _device.Staging.Return(staging);
            }
            return;
        }
        fixed (byte* d = destination)
        {
            // Pageable destination: the driver returns once the copy, ordered on the stream, is done.
            Driver.CopyToHostAsync((nint)d, p, bytes, stream);
            Synchronized(stream);
        }
    }

    // Waits for the stream (the host read's one synchronization), then reports the deferred index checks that finished.
    private void Synchronized(nint stream)
    {
        Driver.SynchronizeStream(stream);
        _device.CountHostSynchronization();
        _device.ErrorLog.CheckCompleted(stream, wholeDevice: false);
    }

    public void WriteFromHost(Strided dst, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty) return;
        nint stream = Begin();
        _device.RefuseWhileCapturing("Copying host data to the device (FromArray, CopyFrom, To(cuda))",
            "a replay would copy the host buffer's later contents, or freed memory. Create and fill the tensor before the capture, and update it in place (CopyFrom) between replays.", stream);
        ulong p = Ptr(dst, stream);
        if (source.Length <= PinnedStagingPool.MaxStagedBytes)
        {
            // Staged: the caller's array is free at once and the copy runs asynchronously.
            var staging = _device.Staging.Rent(source.Length);
            source.CopyTo(new Span<byte>((void*)staging.Pointer, source.Length));
            Driver.CopyToDeviceAsync(p, staging.Pointer, (ulong)source.Length, stream);
            _device.Staging.ReturnAfter(staging, stream);
            return;
        }
        fixed (byte* s = source)
        {
            // Pageable source: the driver has taken the bytes when the call returns.
            Driver.CopyToDeviceAsync(p, (nint)s, (ulong)source.Length, stream);
        }
    }

    private static NotSupportedException Unsupported(string op, DType dtype) => new($"{op} is not implemented for dtype {dtype.Name()} on CUDA.");
}
