namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// cuBLAS (cublas_api.h, the _v2 API) on the virtual device: handles bound to the context current at creation,
/// and the GEMM family with cuBLAS's argument validation and column-major semantics, executed in stream order
/// by <see cref="ReferenceGemm"/>. The exported C functions (<see cref="CublasExports"/>) are thin wrappers of
/// these methods, which tests call directly with a fake context.
/// </summary>
internal static unsafe class CublasEmulator
{
    private const int PointerModeHost = 0;
    private const int PointerModeDevice = 1;

    /// <summary>The state behind one cublasHandle_t.</summary>
    internal sealed class HandleState(IVirtualContext context)
    {
        public IVirtualContext Context { get; } = context;
        public IntPtr Stream { get; set; }
        public int MathMode { get; set; }
        public int PointerMode { get; set; }
    }

    /// <summary>cublasCreate_v2: a handle for <paramref name="context"/> (the calling thread's current one).</summary>
    public static BlasStatus Create(IVirtualContext? context, IntPtr* handle)
    {
        if (handle == null) return BlasStatus.InvalidValue;
        // The real library needs a usable CUDA context at creation; without one it reports NOT_INITIALIZED.
        if (context is null)
        {
            return BlasFailure.Reject(BlasStatus.NotInitialized, "cublasCreate_v2: no CUDA context is current on this thread (cuCtxSetCurrent or a retained primary context first)");
        }
        *handle = HandleTable.Add(new HandleState(context));
        return BlasStatus.Success;
    }

    public static BlasStatus Destroy(IntPtr handle) => HandleTable.Remove<HandleState>(handle) ? BlasStatus.Success : BlasStatus.NotInitialized;

    public static BlasStatus GetVersion(IntPtr handle, int* version)
    {
        if (HandleTable.Get<HandleState>(handle) is null) return BlasStatus.NotInitialized;
        if (version == null) return BlasStatus.InvalidValue;
        *version = BlasVersion.Encoded;
        return BlasStatus.Success;
    }

    public static BlasStatus GetProperty(int type, int* value) => BlasVersion.Property(type, value);

    public static BlasStatus SetStream(IntPtr handle, IntPtr stream)
    {
        if (HandleTable.Get<HandleState>(handle) is not { } state) return BlasStatus.NotInitialized;
        state.Stream = stream;
        return BlasStatus.Success;
    }

    public static BlasStatus GetStream(IntPtr handle, IntPtr* stream) => Read(handle, stream, state => state.Stream);

    public static BlasStatus SetMathMode(IntPtr handle, int mode)
    {
        if (HandleTable.Get<HandleState>(handle) is not { } state) return BlasStatus.NotInitialized;
        if (!ComputeSpec.IsValidMathMode(mode)) return BlasStatus.InvalidValue;
        state.MathMode = mode;
        return BlasStatus.Success;
    }

    public static BlasStatus GetMathMode(IntPtr handle, int* mode) => Read(handle, mode, state => state.MathMode);

    public static BlasStatus SetPointerMode(IntPtr handle, int mode)
    {
        if (HandleTable.Get<HandleState>(handle) is not { } state) return BlasStatus.NotInitialized;
        if (mode is not (PointerModeHost or PointerModeDevice)) return BlasStatus.InvalidValue;
        state.PointerMode = mode;
        return BlasStatus.Success;
    }

    public static BlasStatus GetPointerMode(IntPtr handle, int* mode) => Read(handle, mode, state => state.PointerMode);

    // A Get* of the handle's settings: NOT_INITIALIZED for an unknown handle, INVALID_VALUE for a NULL out pointer.
    private static BlasStatus Read<T>(IntPtr handle, T* value, Func<HandleState, T> read) where T : unmanaged
    {
        if (HandleTable.Get<HandleState>(handle) is not { } state) return BlasStatus.NotInitialized;
        if (value == null) return BlasStatus.InvalidValue;
        *value = read(state);
        return BlasStatus.Success;
    }

    /// <summary>
    /// The one implementation behind cublasSgemm/Dgemm(_v2), cublasGemmEx and the strided-batched forms.
    /// <paramref name="computeType"/> is null for the typed forms (S/D), whose computation follows the
    /// handle's math mode.
    /// </summary>
    public static BlasStatus Gemm(string call, IntPtr handle, int transa, int transb, int m, int n, int k,
        void* alpha, ulong a, int typeA, int lda, long strideA, ulong b, int typeB, int ldb, long strideB,
        void* beta, ulong c, int typeC, int ldc, long strideC, int batchCount, int? computeType, int algo)
    {
        if (HandleTable.Get<HandleState>(handle) is not { } state) return UnknownHandle(call, handle);

        // INVALID_VALUE cases in the order cublasGemmEx documents them.
        if (m < 0 || n < 0 || k < 0 || batchCount < 0)
        {
            return Invalid(call, $"m = {m}, n = {n}, k = {k}, batchCount = {batchCount}: none may be negative");
        }
        if (!IsOperation(transa) || !IsOperation(transb))
        {
            return Invalid(call, $"transa = {transa}, transb = {transb}: each must be CUBLAS_OP_N (0), T (1) or C (2)");
        }
        var opA = (BlasOperation)transa;
        var opB = (BlasOperation)transb;
        int rowsA = opA == BlasOperation.None ? m : k, rowsB = opB == BlasOperation.None ? k : n;
        if (lda < Math.Max(1, rowsA)) return Invalid(call, $"lda = {lda} < max(1, {rowsA}), the rows of A as stored (transa = {transa})");
        if (ldb < Math.Max(1, rowsB)) return Invalid(call, $"ldb = {ldb} < max(1, {rowsB}), the rows of B as stored (transb = {transb})");
        if (ldc < Math.Max(1, m)) return Invalid(call, $"ldc = {ldc} < max(1, m = {m})");
        if (alpha == null || beta == null) return Invalid(call, "alpha and beta must not be NULL");
        if (!IsGemmAlgorithm(algo)) return Invalid(call, $"algo = {algo} is not a cublasGemmAlgo_t");

        ComputeSpec? spec;
        if (computeType is int ct)
        {
            if (!ComputeSpec.IsComputeType(ct)) return Invalid(call, $"computeType = {ct} is not a cublasComputeType_t");
            spec = ComputeSpec.ForGemmEx((BlasComputeType)ct, typeA, typeB, typeC, state.MathMode);
        }
        else
        {
            // The typed routines: S is 32F compute under the handle's math mode, D is 64F.
            var legacy = typeA == (int)BlasDataType.Float64 ? BlasComputeType.Float64 : BlasComputeType.Float32;
            spec = ComputeSpec.ForGemmEx(legacy, typeA, typeB, typeC, state.MathMode);
        }
        if (spec is not { } compute)
        {
            return BlasFailure.Reject(BlasStatus.NotSupported, $"{call}: Atype {typeA}, Btype {typeB}, Ctype {typeC} with compute type "
                + $"{computeType?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(from the math mode)"} is not a combination the virtual device emulates "
                + "(real types of cublasGemmEx's table; no complex, no 32I)");
        }

        if (m == 0 || n == 0 || batchCount == 0) return BlasStatus.Success;

        bool device = state.PointerMode == PointerModeDevice;
        Scalar alphaValue = device ? Scalar.FromDevice((ulong)alpha, compute.ScaleType) : Scalar.FromHost(alpha, compute.ScaleType);
        Scalar betaValue = device ? Scalar.FromDevice((ulong)beta, compute.ScaleType) : Scalar.FromHost(beta, compute.ScaleType);
        // BLAS's quick return: nothing to add to C and C is kept as is.
        if (!device && (alphaValue.HostValue == 0 || k == 0) && betaValue.HostValue == 1) return BlasStatus.Success;

        var cMatrix = MatrixOperand.ColumnMajor("C", c, (BlasDataType)typeC, m, n, ldc, strideC);
        var problem = new GemmProblem
        {
            M = m,
            N = n,
            K = k,
            BatchCount = batchCount,
            A = MatrixOperand.ColumnMajor("A", a, (BlasDataType)typeA, opA == BlasOperation.None ? m : k, opA == BlasOperation.None ? k : m, lda, strideA).Apply(opA),
            B = MatrixOperand.ColumnMajor("B", b, (BlasDataType)typeB, opB == BlasOperation.None ? k : n, opB == BlasOperation.None ? n : k, ldb, strideB).Apply(opB),
            C = cMatrix,
            D = cMatrix,
            Alpha = alphaValue,
            Beta = betaValue,
            DoublePrecision = compute.DoublePrecision,
            Rounding = compute.Rounding,
        };
        IGlobalMemory memory = state.Context.Memory;
        CudaErrorCode queued = state.Context.Enqueue(state.Stream, call, () => ReferenceGemm.Execute(memory, problem));
        // A kernel that cannot be launched (a bad stream) is what cuBLAS reports as EXECUTION_FAILED.
        return queued == CudaErrorCode.Success
            ? BlasStatus.Success
            : BlasFailure.Reject(BlasStatus.ExecutionFailed, $"{call}: the driver refused to queue the work on stream 0x{state.Stream:X} ({queued})");
    }

    private static BlasStatus UnknownHandle(string call, IntPtr handle)
        => BlasFailure.Reject(BlasStatus.NotInitialized, $"{call}: 0x{handle:X} is not a live cublasHandle_t (never created, or destroyed)");

    private static BlasStatus Invalid(string call, string why) => BlasFailure.Reject(BlasStatus.InvalidValue, $"{call}: {why}");

    internal static bool IsOperation(int op) => (BlasOperation)op is BlasOperation.None or BlasOperation.Transpose or BlasOperation.ConjugateTranspose;

    // cublasGemmAlgo_t: DEFAULT (-1), ALGO0..23, DEFAULT_TENSOR_OP (99), ALGO0..15_TENSOR_OP (100..115).
    // The reference computes the same product whichever is named.
    private static bool IsGemmAlgorithm(int algo) => algo is >= -1 and <= 23 or >= 99 and <= 115;
}
