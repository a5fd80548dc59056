using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>
/// cuBLAS (cublas_api.h, the <c>_v2</c> API). Matrices are column-major, as in BLAS; a row-major product
/// C = A B is computed as Cᵀ = Bᵀ Aᵀ by swapping the operands. Every method checks the status and throws
/// <see cref="CublasException"/>. Scalars (alpha, beta) are host pointers (the default pointer mode).
/// </summary>
public static unsafe partial class Cublas
{
    /// <summary>CUBLAS_GEMM_DEFAULT: let cuBLAS choose the algorithm.</summary>
    public const int GemmDefault = -1;

    private const string Lib = LibraryResolver.CublasImport;

    static Cublas() => LibraryResolver.EnsureRegistered();

    /// <summary>Throws <see cref="CublasException"/> unless <paramref name="status"/> is CUBLAS_STATUS_SUCCESS.</summary>
    /// <param name="status">The status.</param>
    /// <param name="call">The call (filled in by the compiler).</param>
    /// <exception cref="CublasException">The status is an error.</exception>
    public static void Check(CublasStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CublasStatus.CUBLAS_STATUS_SUCCESS)
        {
            throw new CublasException(status, call);
        }
    }

    /// <summary>The library version as major*10000 + minor*100 + patch (cublasGetProperty), or 0 when missing. Never throws.</summary>
    /// <returns>E.g. 111103 for 11.11.3.</returns>
    public static int TryGetVersion()
    {
        if (!LibraryResolver.Probe(NativeLibraryKind.Cublas).Found)
        {
            return 0;
        }
        int major = 0, minor = 0, patch = 0;
        // libraryPropertyType: MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2.
        if (cublasGetProperty(0, &major) != CublasStatus.CUBLAS_STATUS_SUCCESS
            || cublasGetProperty(1, &minor) != CublasStatus.CUBLAS_STATUS_SUCCESS
            || cublasGetProperty(2, &patch) != CublasStatus.CUBLAS_STATUS_SUCCESS)
        {
            return 0;
        }
        return (major * 10000) + (minor * 100) + patch;
    }

    /// <summary>Creates a handle for the current context (cublasCreate_v2).</summary>
    /// <returns>The owned handle.</returns>
    /// <exception cref="CublasException">CUBLAS_STATUS_NOT_INITIALIZED without a usable GPU.</exception>
    public static CublasHandle Create()
    {
        IntPtr h;
        Check(cublasCreate_v2(&h));
        return new CublasHandle(h);
    }

    internal static CublasStatus DestroyNoThrow(IntPtr handle) => cublasDestroy_v2(handle);

    /// <summary>Makes the handle's work go to <paramref name="stream"/> (cublasSetStream_v2).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="stream">The CUstream.</param>
    public static void SetStream(CublasHandle handle, IntPtr stream)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasSetStream_v2(handle.DangerousGetHandle(), stream));
        GC.KeepAlive(handle);
    }

    /// <summary>Sets the math mode (cublasSetMathMode); TF32 tensor cores are opt-in.</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="mode">The mode.</param>
    public static void SetMathMode(CublasHandle handle, CublasMath mode)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasSetMathMode(handle.DangerousGetHandle(), mode));
        GC.KeepAlive(handle);
    }

    /// <summary>C = alpha op(A) op(B) + beta C in float32, column-major (cublasSgemm_v2).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="transA">op(A).</param>
    /// <param name="transB">op(B).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Device pointer to A.</param>
    /// <param name="lda">Leading dimension of A.</param>
    /// <param name="b">Device pointer to B.</param>
    /// <param name="ldb">Leading dimension of B.</param>
    /// <param name="beta">Scale of the old C.</param>
    /// <param name="c">Device pointer to C.</param>
    /// <param name="ldc">Leading dimension of C.</param>
    public static void Sgemm(CublasHandle handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasSgemm_v2(handle.DangerousGetHandle(), transA, transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
        GC.KeepAlive(handle);
    }

    /// <summary>C = alpha op(A) op(B) + beta C in float64, column-major (cublasDgemm_v2).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="transA">op(A).</param>
    /// <param name="transB">op(B).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Device pointer to A.</param>
    /// <param name="lda">Leading dimension of A.</param>
    /// <param name="b">Device pointer to B.</param>
    /// <param name="ldb">Leading dimension of B.</param>
    /// <param name="beta">Scale of the old C.</param>
    /// <param name="c">Device pointer to C.</param>
    /// <param name="ldc">Leading dimension of C.</param>
    public static void Dgemm(CublasHandle handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        double alpha, ulong a, int lda, ulong b, int ldb, double beta, ulong c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasDgemm_v2(handle.DangerousGetHandle(), transA, transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
        GC.KeepAlive(handle);
    }

    /// <summary>
    /// Mixed-type GEMM (cublasGemmEx). <paramref name="alpha"/> and <paramref name="beta"/> point at host
    /// scalars of the compute type's scale type (float for the 32F compute types, double for 64F).
    /// </summary>
    /// <param name="handle">The handle.</param>
    /// <param name="transA">op(A).</param>
    /// <param name="transB">op(B).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Host pointer to alpha.</param>
    /// <param name="a">Device pointer to A.</param>
    /// <param name="typeA">A's element type.</param>
    /// <param name="lda">Leading dimension of A.</param>
    /// <param name="b">Device pointer to B.</param>
    /// <param name="typeB">B's element type.</param>
    /// <param name="ldb">Leading dimension of B.</param>
    /// <param name="beta">Host pointer to beta.</param>
    /// <param name="c">Device pointer to C.</param>
    /// <param name="typeC">C's element type.</param>
    /// <param name="ldc">Leading dimension of C.</param>
    /// <param name="computeType">Accumulation type.</param>
    /// <param name="algorithm">A cublasGemmAlgo_t, usually <see cref="GemmDefault"/>.</param>
    public static void GemmEx(CublasHandle handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        IntPtr alpha, ulong a, CudaDataType typeA, int lda, ulong b, CudaDataType typeB, int ldb,
        IntPtr beta, ulong c, CudaDataType typeC, int ldc, CublasComputeType computeType, int algorithm = GemmDefault)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasGemmEx(handle.DangerousGetHandle(), transA, transB, m, n, k, (void*)alpha, a, typeA, lda, b, typeB, ldb,
            (void*)beta, c, typeC, ldc, computeType, algorithm));
        GC.KeepAlive(handle);
    }

    /// <summary>Batched mixed-type GEMM with a fixed stride between matrices (cublasGemmStridedBatchedEx).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="transA">op(A).</param>
    /// <param name="transB">op(B).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Host pointer to alpha.</param>
    /// <param name="a">Device pointer to the first A.</param>
    /// <param name="typeA">A's element type.</param>
    /// <param name="lda">Leading dimension of A.</param>
    /// <param name="strideA">Elements between consecutive A matrices.</param>
    /// <param name="b">Device pointer to the first B.</param>
    /// <param name="typeB">B's element type.</param>
    /// <param name="ldb">Leading dimension of B.</param>
    /// <param name="strideB">Elements between consecutive B matrices (0 broadcasts one B).</param>
    /// <param name="beta">Host pointer to beta.</param>
    /// <param name="c">Device pointer to the first C.</param>
    /// <param name="typeC">C's element type.</param>
    /// <param name="ldc">Leading dimension of C.</param>
    /// <param name="strideC">Elements between consecutive C matrices.</param>
    /// <param name="batchCount">Number of products.</param>
    /// <param name="computeType">Accumulation type.</param>
    /// <param name="algorithm">A cublasGemmAlgo_t, usually <see cref="GemmDefault"/>.</param>
    public static void GemmStridedBatchedEx(CublasHandle handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        IntPtr alpha, ulong a, CudaDataType typeA, int lda, long strideA, ulong b, CudaDataType typeB, int ldb, long strideB,
        IntPtr beta, ulong c, CudaDataType typeC, int ldc, long strideC, int batchCount, CublasComputeType computeType,
        int algorithm = GemmDefault)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Check(cublasGemmStridedBatchedEx(handle.DangerousGetHandle(), transA, transB, m, n, k, (void*)alpha,
            a, typeA, lda, strideA, b, typeB, ldb, strideB, (void*)beta, c, typeC, ldc, strideC, batchCount, computeType, algorithm));
        GC.KeepAlive(handle);
    }

    // ------------------------------------------------------------------ imports (cublas_api.h)

    [LibraryImport(Lib)] private static partial CublasStatus cublasGetProperty(int type, int* value);
    [LibraryImport(Lib)] private static partial CublasStatus cublasCreate_v2(IntPtr* handle);
    [LibraryImport(Lib)] private static partial CublasStatus cublasDestroy_v2(IntPtr handle);
    [LibraryImport(Lib)] private static partial CublasStatus cublasSetStream_v2(IntPtr handle, IntPtr streamId);
    [LibraryImport(Lib)] private static partial CublasStatus cublasSetMathMode(IntPtr handle, CublasMath mode);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasSgemm_v2(IntPtr handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasDgemm_v2(IntPtr handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
        double* alpha, ulong a, int lda, ulong b, int ldb, double* beta, ulong c, int ldc);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasGemmEx(IntPtr handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
        void* alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb,
        void* beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType, int algo);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasGemmStridedBatchedEx(IntPtr handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
        void* alpha, ulong a, CudaDataType aType, int lda, long strideA, ulong b, CudaDataType bType, int ldb, long strideB,
        void* beta, ulong c, CudaDataType cType, int ldc, long strideC, int batchCount, CublasComputeType computeType, int algo);
}
