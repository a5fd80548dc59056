using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// The C entry points of the libcublas shim: each has the ABI of its cublas_api.h prototype (device pointers as
/// 64-bit integers, enums as int, <c>long long</c> as long) and forwards to <see cref="CublasEmulator"/>; no
/// exception crosses back into native code.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types",
    Justification = "An exception must not unwind through the C ABI; each becomes a cuBLAS status.")]
internal static unsafe class CublasExports
{
    /// <summary>(exported name, function pointer) for every implemented export.</summary>
    public static IReadOnlyList<(string Name, IntPtr Function)> All() =>
    [
        ("cublasCreate_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int>)&Create),
        ("cublasDestroy_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&Destroy),
        ("cublasGetVersion_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int*, int>)&GetVersion),
        ("cublasGetProperty", (IntPtr)(delegate* unmanaged[Cdecl]<int, int*, int>)&GetProperty),
        ("cublasSetStream_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)&SetStream),
        ("cublasGetStream_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)&GetStream),
        ("cublasSetMathMode", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int>)&SetMathMode),
        ("cublasGetMathMode", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int*, int>)&GetMathMode),
        ("cublasSetPointerMode_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int>)&SetPointerMode),
        ("cublasGetPointerMode_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int*, int>)&GetPointerMode),
        ("cublasSgemm_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int>)&Sgemm),
        ("cublasDgemm_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, double*, ulong, int, ulong, int, double*, ulong, int, int>)&Dgemm),
        ("cublasGemmEx", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, void*, ulong, int, int, ulong, int, int, void*, ulong, int, int, int, int, int>)&GemmEx),
        ("cublasSgemmStridedBatched", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, float*, ulong, int, long, ulong, int, long, float*, ulong, int, long, int, int>)&SgemmStridedBatched),
        ("cublasDgemmStridedBatched", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, double*, ulong, int, long, ulong, int, long, double*, ulong, int, long, int, int>)&DgemmStridedBatched),
        ("cublasGemmStridedBatchedEx", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, void*, ulong, int, int, long, ulong, int, int, long, void*, ulong, int, int, long, int, int, int, int>)&GemmStridedBatchedEx),
    ];

    private const int F32 = (int)BlasDataType.Float32;
    private const int F64 = (int)BlasDataType.Float64;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Create(IntPtr* handle)
        => BlasFailure.Guard("cublasCreate_v2", () => CublasEmulator.Create(VirtualContexts.Current, handle));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Destroy(IntPtr handle)
        => BlasFailure.Guard("cublasDestroy_v2", () => CublasEmulator.Destroy(handle));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetVersion(IntPtr handle, int* version)
        => BlasFailure.Guard("cublasGetVersion_v2", () => CublasEmulator.GetVersion(handle, version));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetProperty(int type, int* value)
        => BlasFailure.Guard("cublasGetProperty", () => CublasEmulator.GetProperty(type, value));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SetStream(IntPtr handle, IntPtr stream)
        => BlasFailure.Guard("cublasSetStream_v2", () => CublasEmulator.SetStream(handle, stream));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetStream(IntPtr handle, IntPtr* stream)
        => BlasFailure.Guard("cublasGetStream_v2", () => CublasEmulator.GetStream(handle, stream));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SetMathMode(IntPtr handle, int mode)
        => BlasFailure.Guard("cublasSetMathMode", () => CublasEmulator.SetMathMode(handle, mode));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetMathMode(IntPtr handle, int* mode)
        => BlasFailure.Guard("cublasGetMathMode", () => CublasEmulator.GetMathMode(handle, mode));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SetPointerMode(IntPtr handle, int mode)
        => BlasFailure.Guard("cublasSetPointerMode_v2", () => CublasEmulator.SetPointerMode(handle, mode));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetPointerMode(IntPtr handle, int* mode)
        => BlasFailure.Guard("cublasGetPointerMode_v2", () => CublasEmulator.GetPointerMode(handle, mode));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Sgemm(IntPtr handle, int transa, int transb, int m, int n, int k, float* alpha, ulong a, int lda,
        ulong b, int ldb, float* beta, ulong c, int ldc)
        => BlasFailure.Guard("cublasSgemm_v2", () =>
            CublasEmulator.Gemm("cublasSgemm_v2", handle, transa, transb, m, n, k, alpha, a, F32, lda, 0,
                b, F32, ldb, 0, beta, c, F32, ldc, 0, 1, computeType: null, algo: -1));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Dgemm(IntPtr handle, int transa, int transb, int m, int n, int k, double* alpha, ulong a, int lda,
        ulong b, int ldb, double* beta, ulong c, int ldc)
        => BlasFailure.Guard("cublasDgemm_v2", () =>
            CublasEmulator.Gemm("cublasDgemm_v2", handle, transa, transb, m, n, k, alpha, a, F64, lda, 0,
                b, F64, ldb, 0, beta, c, F64, ldc, 0, 1, computeType: null, algo: -1));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GemmEx(IntPtr handle, int transa, int transb, int m, int n, int k, void* alpha,
        ulong a, int typeA, int lda, ulong b, int typeB, int ldb, void* beta, ulong c, int typeC, int ldc, int computeType, int algo)
        => BlasFailure.Guard("cublasGemmEx", () =>
            CublasEmulator.Gemm("cublasGemmEx", handle, transa, transb, m, n, k, alpha, a, typeA, lda, 0,
                b, typeB, ldb, 0, beta, c, typeC, ldc, 0, 1, computeType, algo));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SgemmStridedBatched(IntPtr handle, int transa, int transb, int m, int n, int k, float* alpha,
        ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float* beta, ulong c, int ldc, long strideC, int batchCount)
        => BlasFailure.Guard("cublasSgemmStridedBatched", () =>
            CublasEmulator.Gemm("cublasSgemmStridedBatched", handle, transa, transb, m, n, k, alpha, a, F32, lda, strideA,
                b, F32, ldb, strideB, beta, c, F32, ldc, strideC, batchCount, computeType: null, algo: -1));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int DgemmStridedBatched(IntPtr handle, int transa, int transb, int m, int n, int k, double* alpha,
        ulong a, int lda, long strideA, ulong b, int ldb, long strideB, double* beta, ulong c, int ldc, long strideC, int batchCount)
        => BlasFailure.Guard("cublasDgemmStridedBatched", () =>
            CublasEmulator.Gemm("cublasDgemmStridedBatched", handle, transa, transb, m, n, k, alpha, a, F64, lda, strideA,
                b, F64, ldb, strideB, beta, c, F64, ldc, strideC, batchCount, computeType: null, algo: -1));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GemmStridedBatchedEx(IntPtr handle, int transa, int transb, int m, int n, int k, void* alpha,
        ulong a, int typeA, int lda, long strideA, ulong b, int typeB, int ldb, long strideB, void* beta,
        ulong c, int typeC, int ldc, long strideC, int batchCount, int computeType, int algo)
        => BlasFailure.Guard("cublasGemmStridedBatchedEx", () =>
            CublasEmulator.Gemm("cublasGemmStridedBatchedEx", handle, transa, transb, m, n, k, alpha, a, typeA, lda, strideA,
                b, typeB, ldb, strideB, beta, c, typeC, ldc, strideC, batchCount, computeType, algo));
}
