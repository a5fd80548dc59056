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
    {
        try { return (int)CublasLtEmulator.Create(VirtualContexts.Current, handle); }
        catch (Exception e) { return BlasFailure.Report("cublasLtCreate", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Destroy(IntPtr handle)
    {
        try { return (int)CublasLtEmulator.Destroy(handle); }
        catch (Exception e) { return BlasFailure.Report("cublasLtDestroy", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint GetVersion() => BlasVersion.Encoded;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetProperty(int type, int* value)
    {
        try { return (int)BlasVersion.Property(type, value); }
        catch (Exception e) { return BlasFailure.Report("cublasLtGetProperty", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescCreate(IntPtr* desc, int computeType, int scaleType)
    {
        try { return (int)CublasLtEmulator.MatmulDescCreate(desc, computeType, scaleType); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulDescCreate", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescDestroy(IntPtr desc)
    {
        try { return (int)CublasLtEmulator.MatmulDescDestroy(desc); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulDescDestroy", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescSetAttribute(IntPtr desc, int attribute, void* buffer, nuint size)
    {
        try { return (int)CublasLtEmulator.MatmulDescSetAttribute(desc, attribute, buffer, size); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulDescSetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatmulDescGetAttribute(IntPtr desc, int attribute, void* buffer, nuint size, nuint* written)
    {
        try { return (int)CublasLtEmulator.MatmulDescGetAttribute(desc, attribute, buffer, size, written); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulDescGetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutCreate(IntPtr* layout, int type, ulong rows, ulong cols, long ld)
    {
        try { return (int)CublasLtEmulator.MatrixLayoutCreate(layout, type, rows, cols, ld); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatrixLayoutCreate", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutDestroy(IntPtr layout)
    {
        try { return (int)CublasLtEmulator.MatrixLayoutDestroy(layout); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatrixLayoutDestroy", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutSetAttribute(IntPtr layout, int attribute, void* buffer, nuint size)
    {
        try { return (int)CublasLtEmulator.MatrixLayoutSetAttribute(layout, attribute, buffer, size); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatrixLayoutSetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MatrixLayoutGetAttribute(IntPtr layout, int attribute, void* buffer, nuint size, nuint* written)
    {
        try { return (int)CublasLtEmulator.MatrixLayoutGetAttribute(layout, attribute, buffer, size, written); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatrixLayoutGetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceCreate(IntPtr* preference)
    {
        try { return (int)CublasLtEmulator.PreferenceCreate(preference); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulPreferenceCreate", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceDestroy(IntPtr preference)
    {
        try { return (int)CublasLtEmulator.PreferenceDestroy(preference); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulPreferenceDestroy", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceSetAttribute(IntPtr preference, int attribute, void* buffer, nuint size)
    {
        try { return (int)CublasLtEmulator.PreferenceSetAttribute(preference, attribute, buffer, size); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulPreferenceSetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PreferenceGetAttribute(IntPtr preference, int attribute, void* buffer, nuint size, nuint* written)
    {
        try { return (int)CublasLtEmulator.PreferenceGetAttribute(preference, attribute, buffer, size, written); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulPreferenceGetAttribute", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int AlgoGetHeuristic(IntPtr handle, IntPtr desc, IntPtr a, IntPtr b, IntPtr c, IntPtr d, IntPtr preference,
        int requested, LtHeuristicResult* results, int* returned)
    {
        try { return (int)CublasLtEmulator.AlgoGetHeuristic(handle, desc, a, b, c, d, preference, requested, results, returned); }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmulAlgoGetHeuristic", e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Matmul(IntPtr handle, IntPtr desc, void* alpha, ulong a, IntPtr aDesc, ulong b, IntPtr bDesc, void* beta,
        ulong c, IntPtr cDesc, ulong d, IntPtr dDesc, LtAlgorithm* algo, ulong workspace, nuint workspaceBytes, IntPtr stream)
    {
        try
        {
            return (int)CublasLtEmulator.Matmul(handle, desc, alpha, a, aDesc, b, bDesc, beta, c, cDesc, d, dDesc,
                algo, workspace, workspaceBytes, stream);
        }
        catch (Exception e) { return BlasFailure.Report("cublasLtMatmul", e); }
    }
}
