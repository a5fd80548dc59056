namespace CudaTensor.VirtualDevice.Blas;

/// <summary>The state behind a cublasLtHandle_t: the context current when it was created.</summary>
internal sealed class LtHandle(IVirtualContext context)
{
    public IVirtualContext Context { get; } = context;
}

/// <summary>A cuBLASLt object configured through Set/GetAttribute: a matmul descriptor, layout or preference.</summary>
internal interface IAttributed
{
    AttributeSet Attributes { get; }
}

/// <summary>cublasLtMatmulDesc_t: the operation (compute and scale type, transposes, epilogue and its vectors).</summary>
internal sealed class LtMatmulDesc : IAttributed
{
    // cublasLtMatmulDescAttributes_t (cublasLt.h).
    public const int ComputeType = 0, ScaleType = 1, PointerMode = 2, TransA = 3, TransB = 4, TransC = 5, FillMode = 6,
        Epilogue = 7, BiasPointer = 8, BiasBatchStride = 10, EpilogueAuxPointer = 11, EpilogueAuxLd = 12,
        EpilogueAuxBatchStride = 13, AlphaVectorBatchStride = 14, SmCountTarget = 15, AScalePointer = 17,
        BScalePointer = 18, CScalePointer = 19, DScalePointer = 20, AmaxDPointer = 21, EpilogueAuxDataType = 22,
        EpilogueAuxScalePointer = 23, EpilogueAuxAmaxPointer = 24, FastAccum = 25, BiasDataType = 26;

    // CUBLAS_FILL_MODE_FULL, CUBLASLT_EPILOGUE_DEFAULT; -1 data types mean "the type of D".
    private static readonly Dictionary<int, AttributeSpec> Specs = new()
    {
        [ComputeType] = new(4), [ScaleType] = new(4), [PointerMode] = new(4), [TransA] = new(4), [TransB] = new(4),
        [TransC] = new(4), [FillMode] = new(4, 2), [Epilogue] = new(4, 1), [BiasPointer] = new(8),
        [BiasBatchStride] = new(8), [EpilogueAuxPointer] = new(8), [EpilogueAuxLd] = new(8),
        [EpilogueAuxBatchStride] = new(8), [AlphaVectorBatchStride] = new(8), [SmCountTarget] = new(4),
        [AScalePointer] = new(8), [BScalePointer] = new(8), [CScalePointer] = new(8), [DScalePointer] = new(8),
        [AmaxDPointer] = new(8), [EpilogueAuxDataType] = new(4, -1), [EpilogueAuxScalePointer] = new(8),
        [EpilogueAuxAmaxPointer] = new(8), [FastAccum] = new(1), [BiasDataType] = new(4, -1),
    };

    public LtMatmulDesc(int computeType, int scaleType)
    {
        Attributes[ComputeType] = computeType;
        Attributes[ScaleType] = scaleType;
    }

    public AttributeSet Attributes { get; } = new(Specs);

    public int Int(int id) => (int)Attributes[id];
}

/// <summary>cublasLtMatrixLayout_t: type, shape, leading dimension, order and batch of one matrix.</summary>
internal sealed class LtMatrixLayout : IAttributed
{
    // cublasLtMatrixLayoutAttribute_t (cublasLt.h).
    public const int Type = 0, Order = 1, Rows = 2, Cols = 3, Ld = 4, BatchCount = 5, StridedBatchOffset = 6, PlaneOffset = 7;

    // cublasLtOrder_t.
    public const int OrderCol = 0, OrderRow = 1;

    private static readonly Dictionary<int, AttributeSpec> Specs = new()
    {
        [Type] = new(4), [Order] = new(4, OrderCol), [Rows] = new(8), [Cols] = new(8), [Ld] = new(8),
        [BatchCount] = new(4, 1), [StridedBatchOffset] = new(8), [PlaneOffset] = new(8),
    };

    public LtMatrixLayout(int type, ulong rows, ulong cols, long ld)
    {
        Attributes[Type] = type;
        Attributes[Rows] = (long)rows;
        Attributes[Cols] = (long)cols;
        Attributes[Ld] = ld;
    }

    public AttributeSet Attributes { get; } = new(Specs);

    public long this[int id] => Attributes[id];
}

/// <summary>cublasLtMatmulPreference_t: limits on the heuristic's search (only the workspace limit matters here).</summary>
internal sealed class LtPreference : IAttributed
{
    // cublasLtMatmulPreferenceAttributes_t (cublasLt.h, CUDA 12 and later).
    public const int SearchMode = 0, MaxWorkspaceBytes = 1, ReductionSchemeMask = 3, MinAlignmentABytes = 5,
        MinAlignmentBBytes = 6, MinAlignmentCBytes = 7, MinAlignmentDBytes = 8, MaxWavesCount = 9, ImplMask = 12;

    private static readonly Dictionary<int, AttributeSpec> Specs = new()
    {
        [SearchMode] = new(4), [MaxWorkspaceBytes] = new(8), [ReductionSchemeMask] = new(4, 7),
        [MinAlignmentABytes] = new(4, 256), [MinAlignmentBBytes] = new(4, 256), [MinAlignmentCBytes] = new(4, 256),
        [MinAlignmentDBytes] = new(4, 256), [MaxWavesCount] = new(4), [ImplMask] = new(8, -1),
    };

    public AttributeSet Attributes { get; } = new(Specs);
}
