namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// cuBLASLt (cublasLt.h) on the virtual device: handles, matmul descriptors, matrix layouts and preferences as
/// attribute tables; a heuristic that offers one algorithm needing no workspace; and cublasLtMatmul, which
/// validates the descriptors as cuBLASLt does and runs D = epilogue(alpha op(A) op(B) + beta C) in stream order
/// on <see cref="ReferenceGemm"/>. <see cref="CublasLtExports"/> wraps these methods for the C ABI.
/// </summary>
internal static unsafe class CublasLtEmulator
{
    // The one algorithm the heuristic offers: a tag in its first word, so a caller's algo is recognisable in dumps.
    private const ulong AlgorithmTag = 0x5654_4C54_5245_4647; // "VTLTREFG"

    public static BlasStatus Create(IVirtualContext? context, IntPtr* handle)
    {
        if (handle == null) return BlasStatus.InvalidValue;
        if (context is null)
        {
            return BlasFailure.Reject(BlasStatus.NotInitialized, "cublasLtCreate: no CUDA context is current on this thread");
        }
        *handle = HandleTable.Add(new LtHandle(context));
        return BlasStatus.Success;
    }

    public static BlasStatus Destroy(IntPtr handle) => HandleTable.Remove<LtHandle>(handle) ? BlasStatus.Success : BlasStatus.NotInitialized;

    public static BlasStatus MatmulDescCreate(IntPtr* desc, int computeType, int scaleType)
        => ComputeSpec.IsComputeType(computeType) ? Store<LtMatmulDesc>(desc, () => new LtMatmulDesc(computeType, scaleType)) : BlasStatus.InvalidValue;

    public static BlasStatus MatmulDescDestroy(IntPtr desc) => Destroyed(HandleTable.Remove<LtMatmulDesc>(desc) || desc == IntPtr.Zero);

    public static BlasStatus MatmulDescSetAttribute(IntPtr desc, int attribute, void* buffer, nuint size)
        => SetAttribute<LtMatmulDesc>(desc, attribute, buffer, size);

    public static BlasStatus MatmulDescGetAttribute(IntPtr desc, int attribute, void* buffer, nuint size, nuint* written)
        => GetAttribute<LtMatmulDesc>(desc, attribute, buffer, size, written);

    public static BlasStatus MatrixLayoutCreate(IntPtr* layout, int type, ulong rows, ulong cols, long ld)
        => Store<LtMatrixLayout>(layout, () => new LtMatrixLayout(type, rows, cols, ld));

    public static BlasStatus MatrixLayoutDestroy(IntPtr layout) => Destroyed(HandleTable.Remove<LtMatrixLayout>(layout) || layout == IntPtr.Zero);

    public static BlasStatus MatrixLayoutSetAttribute(IntPtr layout, int attribute, void* buffer, nuint size)
        => SetAttribute<LtMatrixLayout>(layout, attribute, buffer, size);

    public static BlasStatus MatrixLayoutGetAttribute(IntPtr layout, int attribute, void* buffer, nuint size, nuint* written)
        => GetAttribute<LtMatrixLayout>(layout, attribute, buffer, size, written);

    public static BlasStatus PreferenceCreate(IntPtr* preference) => Store<LtPreference>(preference, () => new LtPreference());

    public static BlasStatus PreferenceDestroy(IntPtr preference) => Destroyed(HandleTable.Remove<LtPreference>(preference) || preference == IntPtr.Zero);

    public static BlasStatus PreferenceSetAttribute(IntPtr preference, int attribute, void* buffer, nuint size)
        => SetAttribute<LtPreference>(preference, attribute, buffer, size);

    public static BlasStatus PreferenceGetAttribute(IntPtr preference, int attribute, void* buffer, nuint size, nuint* written)
        => GetAttribute<LtPreference>(preference, attribute, buffer, size, written);

    /// <summary>
    /// cublasLtMatmulAlgoGetHeuristic: one algorithm (workspace 0, one wave) when the operation is valid and
    /// supported; otherwise the status cublasLtMatmul would return and no result.
    /// </summary>
    public static BlasStatus AlgoGetHeuristic(IntPtr handle, IntPtr desc, IntPtr a, IntPtr b, IntPtr c, IntPtr d,
        IntPtr preference, int requested, LtHeuristicResult* results, int* returned)
    {
        if (HandleTable.Get<LtHandle>(handle) is null) return UnknownHandle("cublasLtMatmulAlgoGetHeuristic", handle);
        if (requested <= 0 || results == null || returned == null || HandleTable.Get<LtPreference>(preference) is null)
        {
            return BlasFailure.Reject(BlasStatus.InvalidValue, $"cublasLtMatmulAlgoGetHeuristic: requestedAlgoCount {requested} must be positive, "
                + "the result and count pointers non-NULL and the preference live");
        }
        *returned = 0;
        BlasStatus status = LtPlan.Build(HandleTable.Get<LtMatmulDesc>(desc), HandleTable.Get<LtMatrixLayout>(a), HandleTable.Get<LtMatrixLayout>(b), HandleTable.Get<LtMatrixLayout>(c), HandleTable.Get<LtMatrixLayout>(d), out _);
        if (status != BlasStatus.Success) return status;
        *results = default;
        results->Algo[0] = AlgorithmTag;
        results->WorkspaceSize = 0;
        results->State = (int)BlasStatus.Success;
        results->WavesCount = 1f;
        *returned = 1;
        return BlasStatus.Success;
    }

    /// <summary>cublasLtMatmul: D = epilogue(alpha op(A) op(B) + beta C), enqueued on <paramref name="stream"/>.</summary>
    public static BlasStatus Matmul(IntPtr handle, IntPtr desc, void* alpha, ulong a, IntPtr aDesc, ulong b, IntPtr bDesc,
        void* beta, ulong c, IntPtr cDesc, ulong d, IntPtr dDesc, LtAlgorithm* algo, ulong workspace, nuint workspaceBytes, IntPtr stream)
    {
        if (HandleTable.Get<LtHandle>(handle) is not { } state) return UnknownHandle("cublasLtMatmul", handle);
        if (alpha == null || beta == null) return BlasFailure.Reject(BlasStatus.InvalidValue, "cublasLtMatmul: alpha and beta must not be NULL");
        LtMatmulDesc? operation = HandleTable.Get<LtMatmulDesc>(desc);
        LtMatrixLayout? cLayout = HandleTable.Get<LtMatrixLayout>(cDesc), dLayout = HandleTable.Get<LtMatrixLayout>(dDesc);
        BlasStatus status = LtPlan.Build(operation, HandleTable.Get<LtMatrixLayout>(aDesc), HandleTable.Get<LtMatrixLayout>(bDesc), cLayout, dLayout, out LtPlan plan);
        if (status != BlasStatus.Success) return status;
        // In place (C and D the same memory) needs the same layout, or D's writes would overtake C's reads.
        if (c == d && (cLayout![LtMatrixLayout.Ld] != dLayout![LtMatrixLayout.Ld] || cLayout[LtMatrixLayout.Order] != dLayout[LtMatrixLayout.Order]
            || cLayout[LtMatrixLayout.StridedBatchOffset] != dLayout[LtMatrixLayout.StridedBatchOffset]))
        {
            return BlasFailure.Reject(BlasStatus.InvalidValue, "cublasLtMatmul: C and D are the same memory but their layouts differ (LD, ORDER or batch stride)");
        }
        _ = algo; _ = workspace; _ = workspaceBytes; // the reference needs no workspace and has one algorithm

        if (plan.M == 0 || plan.N == 0) return BlasStatus.Success;
        bool device = operation!.Int(LtMatmulDesc.PointerMode) == 1;
        BlasDataType scale = plan.Compute.ScaleType;
        GemmProblem problem = plan.Problem(a, b, c, d, operation,
            device ? Scalar.FromDevice((ulong)alpha, scale) : Scalar.FromHost(alpha, scale),
            device ? Scalar.FromDevice((ulong)beta, scale) : Scalar.FromHost(beta, scale));
        IGlobalMemory memory = state.Context.Memory;
        CudaErrorCode queued = state.Context.Enqueue(stream, "cublasLtMatmul", () => ReferenceGemm.Execute(memory, problem));
        return queued == CudaErrorCode.Success
            ? BlasStatus.Success
            : BlasFailure.Reject(BlasStatus.ExecutionFailed, $"cublasLtMatmul: the driver refused to queue the work on stream 0x{stream:X} ({queued})");
    }

    // The Create of a descriptor, layout or preference: a NULL handle pointer is an invalid value.
    private static BlasStatus Store<T>(IntPtr* handle, Func<T> create) where T : class
    {
        if (handle == null) return BlasStatus.InvalidValue;
        *handle = HandleTable.Add(create());
        return BlasStatus.Success;
    }

    // Set/GetAttribute on a live descriptor, layout or preference; an unknown handle is an invalid value.
    private static BlasStatus SetAttribute<T>(IntPtr handle, int attribute, void* buffer, nuint size)
        where T : class, IAttributed
        => HandleTable.Get<T>(handle) is { } o ? o.Attributes.Set(attribute, buffer, size) : BlasStatus.InvalidValue;

    private static BlasStatus GetAttribute<T>(IntPtr handle, int attribute, void* buffer, nuint size, nuint* written)
        where T : class, IAttributed
        => HandleTable.Get<T>(handle) is { } o ? o.Attributes.Get(attribute, buffer, size, written) : BlasStatus.InvalidValue;

    private static BlasStatus UnknownHandle(string call, IntPtr handle)
        => BlasFailure.Reject(BlasStatus.NotInitialized, $"{call}: 0x{handle:X} is not a live cublasLtHandle_t (never created, or destroyed)");

    // Destroying NULL is allowed (cuBLASLt returns SUCCESS); an unknown descriptor is an invalid value.
    private static BlasStatus Destroyed(bool ok) => ok ? BlasStatus.Success : BlasStatus.InvalidValue;
}

/// <summary>cublasLtMatmulAlgo_t: 8 opaque 64-bit words.</summary>
internal unsafe struct LtAlgorithm
{
    public fixed ulong Data[8];
}

/// <summary>cublasLtMatmulHeuristicResult_t (cublasLt.h): the algorithm, its workspace, a status, waves, reserved ints.</summary>
internal unsafe struct LtHeuristicResult
{
    public fixed ulong Algo[8];
    public nuint WorkspaceSize;
    public int State;
    public float WavesCount;
    public fixed int Reserved[4];
}
