using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// The C entry points of the libcublasLt shim: each has the ABI of its cublasLt.h prototype (descriptors and
/// handles as pointers, device pointers as 64-bit integers, size_t as nuint) and forwards to
/// <see cref="CublasLtEmulator"/>; no exception crosses back into native code.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types",
    Justification = "An exception must not unwind through the C ABI; each becomes a cuBLAS status.")]
internal static unsafe class CublasLtExports
{
    /// <summary>(exported name, function pointer) for every implemented export.</summary>
    public static IReadOnlyList<(string Name, IntPtr Function)> All() =>
    [
        ("cublasLtCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int>)&Create),
        ("cublasLtDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&Destroy),
        ("cublasLtGetVersion", (IntPtr)(delegate* unmanaged[Cdecl]<nuint>)&GetVersion),
        ("cublasLtGetProperty", (IntPtr)(delegate* unmanaged[Cdecl]<int, int*, int>)&GetProperty),
        ("cublasLtMatmulDescCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int, int, int>)&MatmulDescCreate),
        ("cublasLtMatmulDescDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&MatmulDescDestroy),
        ("cublasLtMatmulDescSetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, int>)&MatmulDescSetAttribute),
        ("cublasLtMatmulDescGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, nuint*, int>)&MatmulDescGetAttribute),
        ("cublasLtMatrixLayoutCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int, ulong, ulong, long, int>)&MatrixLayoutCreate),
        ("cublasLtMatrixLayoutDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&MatrixLayoutDestroy),
        ("cublasLtMatrixLayoutSetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, int>)&MatrixLayoutSetAttribute),
        ("cublasLtMatrixLayoutGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, nuint*, int>)&MatrixLayoutGetAttribute),
        ("cublasLtMatmulPreferenceCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int>)&PreferenceCreate),
        ("cublasLtMatmulPreferenceDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&PreferenceDestroy),
        ("cublasLtMatmulPreferenceSetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, int>)&PreferenceSetAttribute),
        ("cublasLtMatmulPreferenceGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, nuint*, int>)&PreferenceGetAttribute),
        ("cublasLtMatmulAlgoGetHeuristic", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, LtHeuristicResult*, int*, int>)&AlgoGetHeuristic),
        ("cublasLtMatmul", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, LtAlgorithm*, ulong, nuint, IntPtr, int>)&Matmul),
    ];

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Create(IntPtr* handle)
        => BlasFailure.Guard("cublasLtCreate", () => CublasLtEmulator.Create(VirtualContexts.Current, handle));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Destroy(IntPtr handle)
        => BlasFailure.Guard("cublasLtDestroy", () => CublasLtEmulator.Destroy(handle));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint GetVersion() => BlasVersion.Encoded;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetProperty(int type, int* value)
        => BlasFailure.Guard("cublasLtGetProperty", () => BlasVersion.Property(type, value));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescCreate(IntPtr* desc, int computeType, int scaleType)
        => BlasFailure.Guard("cublasLtMatmulDescCreate", () => CublasLtEmulator.MatmulDescCreate(desc, computeType, scaleType));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescDestroy(IntPtr desc)
        => BlasFailure.Guard("cublasLtMatmulDescDestroy", () => CublasLtEmulator.MatmulDescDestroy(desc));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescSetAttribute(IntPtr desc, int attribute, void* buffer, nuint size)
        => BlasFailure.Guard("cublasLtMatmulDescSetAttribute", () => CublasLtEmulator.MatmulDescSetAttribute(desc, attribute, buffer, size));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescGetAttribute(IntPtr desc, int attribute, void* buffer, nuint size, nuint* written)
        => BlasFailure.Guard("cublasLtMatmulDescGetAttribute", () => CublasLtEmulator.MatmulDescGetAttribute(desc, attribute, buffer, size, written));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutCreate(IntPtr* layout, int type, ulong rows, ulong cols, long ld)
        => BlasFailure.Guard("cublasLtMatrixLayoutCreate", () => CublasLtEmulator.MatrixLayoutCreate(layout, type, rows, cols, ld));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutDestroy(IntPtr layout)
        => BlasFailure.Guard("cublasLtMatrixLayoutDestroy", () => CublasLtEmulator.MatrixLayoutDestroy(layout));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutSetAttribute(IntPtr layout, int attribute, void* buffer, nuint size)
        => BlasFailure.Guard("cublasLtMatrixLayoutSetAttribute", () => CublasLtEmulator.MatrixLayoutSetAttribute(layout, attribute, buffer, size));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutGetAttribute(IntPtr layout, int attribute, void* buffer, nuint size, nuint* written)
        => BlasFailure.Guard("cublasLtMatrixLayoutGetAttribute", () => CublasLtEmulator.MatrixLayoutGetAttribute(layout, attribute, buffer, size, written));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceCreate(IntPtr* preference)
        => BlasFailure.Guard("cublasLtMatmulPreferenceCreate", () => CublasLtEmulator.PreferenceCreate(preference));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceDestroy(IntPtr preference)
        => BlasFailure.Guard("cublasLtMatmulPreferenceDestroy", () => CublasLtEmulator.PreferenceDestroy(preference));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceSetAttribute(IntPtr preference, int attribute, void* buffer, nuint size)
        => BlasFailure.Guard("cublasLtMatmulPreferenceSetAttribute", () => CublasLtEmulator.PreferenceSetAttribute(preference, attribute, buffer, size));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceGetAttribute(IntPtr preference, int attribute, void* buffer, nuint size, nuint* written)
        => BlasFailure.Guard("cublasLtMatmulPreferenceGetAttribute", () => CublasLtEmulator.PreferenceGetAttribute(preference, attribute, buffer, size, written));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int AlgoGetHeuristic(IntPtr handle, IntPtr desc, IntPtr a, IntPtr b, IntPtr c, IntPtr d, IntPtr preference,
        int requested, LtHeuristicResult* results, int* returned)
        => BlasFailure.Guard("cublasLtMatmulAlgoGetHeuristic", () => CublasLtEmulator.AlgoGetHeuristic(handle, desc, a, b, c, d, preference, requested, results, returned));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Matmul(IntPtr handle, IntPtr desc, void* alpha, ulong a, IntPtr aDesc, ulong b, IntPtr bDesc, void* beta,
        ulong c, IntPtr cDesc, ulong d, IntPtr dDesc, LtAlgorithm* algo, ulong workspace, nuint workspaceBytes, IntPtr stream)
        => BlasFailure.Guard("cublasLtMatmul", () => CublasLtEmulator.Matmul(handle, desc, alpha, a, aDesc, b, bDesc, beta, c, cDesc, d, dDesc,
            algo, workspace, workspaceBytes, stream));
}
