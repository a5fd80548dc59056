using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Blas;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Every argument of the emulator's GEMM entry (what cublasGemmStridedBatchedEx takes), with valid defaults for a
/// 4x3x5 float product, so a test changes only what it is about.
/// </summary>
internal sealed record GemmCall
{
    public IntPtr Handle { get; init; }
    public int TransA { get; init; }
    public int TransB { get; init; }
    public int M { get; init; } = 4;
    public int N { get; init; } = 3;
    public int K { get; init; } = 5;
    public double Alpha { get; init; } = 1;
    public double Beta { get; init; }
    public bool NullAlpha { get; init; }
    public bool NullBeta { get; init; }
    public ulong A { get; init; }
    public int TypeA { get; init; } = (int)BlasDataType.Float32;
    public int Lda { get; init; } = 4;
    public long StrideA { get; init; }
    public ulong B { get; init; }
    public int TypeB { get; init; } = (int)BlasDataType.Float32;
    public int Ldb { get; init; } = 5;
    public long StrideB { get; init; }
    public ulong C { get; init; }
    public int TypeC { get; init; } = (int)BlasDataType.Float32;
    public int Ldc { get; init; } = 4;
    public long StrideC { get; init; }
    public int BatchCount { get; init; } = 1;

    /// <summary>A cublasComputeType_t, or null for the typed routines (Sgemm, Dgemm) that follow the math mode.</summary>
    public int? ComputeType { get; init; } = (int)BlasComputeType.Float32;
    public int Algo { get; init; } = -1;

    /// <summary>Calls the emulator; alpha and beta are passed as host values of the scale type.</summary>
    public unsafe BlasStatus Invoke()
    {
        bool f64 = TypeC == (int)BlasDataType.Float64;
        bool f16Scale = ComputeType is (int)BlasComputeType.Float16 or (int)BlasComputeType.Float16Pedantic;
        double alphaD = Alpha, betaD = Beta;
        float alphaF = (float)Alpha, betaF = (float)Beta;
        Half alphaH = (Half)Alpha, betaH = (Half)Beta;
        void* alpha = NullAlpha ? null : f64 ? &alphaD : f16Scale ? &alphaH : &alphaF;
        void* beta = NullBeta ? null : f64 ? &betaD : f16Scale ? &betaH : &betaF;
        return CublasEmulator.Gemm("test", Handle, TransA, TransB, M, N, K, alpha, A, TypeA, Lda, StrideA,
            B, TypeB, Ldb, StrideB, beta, C, TypeC, Ldc, StrideC, BatchCount, ComputeType, Algo);
    }
}
