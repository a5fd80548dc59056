using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>An opaque cuBLASLt algorithm (<c>cublasLtMatmulAlgo_t</c>: 8 uint64 words).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CublasLtMatmulAlgo
{
    /// <summary>The algorithm's words, only meaningful to cuBLASLt.</summary>
    public fixed ulong Data[8];
}

/// <summary>One answer of cublasLtMatmulAlgoGetHeuristic (<c>cublasLtMatmulHeuristicResult_t</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CublasLtHeuristicResult
{
    /// <summary>The algorithm to pass to cublasLtMatmul.</summary>
    public CublasLtMatmulAlgo Algo;

    /// <summary>Workspace it needs, in bytes.</summary>
    public nuint WorkspaceSize;

    /// <summary>CUBLAS_STATUS_SUCCESS when the other fields are valid.</summary>
    public CublasStatus State;

    /// <summary>Waves of blocks across the GPU (1.0: fills the device once).</summary>
    public float WavesCount;

    /// <summary>Reserved by cuBLASLt.</summary>
    public fixed int Reserved[4];
}

/// <summary>
/// cuBLASLt (cublasLt.h): matrix products with fused epilogues (bias, ReLU, GELU), for the fusion work.
/// Every method checks the status and throws <see cref="CublasException"/>.
/// </summary>
public static unsafe partial class CublasLt
{
    private const string Lib = LibraryResolver.CublasLtImport;

    static CublasLt() => LibraryResolver.EnsureRegistered();

    /// <summary>Creates a handle (cublasLtCreate).</summary>
    /// <returns>The owned handle.</returns>
    public static CublasLtHandle Create()
    {
        IntPtr h;
        Cublas.Check(cublasLtCreate(&h));
        return new CublasLtHandle(h);
    }

    internal static CublasStatus DestroyNoThrow(IntPtr handle) => cublasLtDestroy(handle);

    /// <summary>Creates a matmul descriptor (cublasLtMatmulDescCreate).</summary>
    /// <param name="computeType">Accumulation type.</param>
    /// <param name="scaleType">Type of alpha and beta.</param>
    /// <returns>The owned descriptor.</returns>
    public static CublasLtMatmulDescHandle CreateMatmulDesc(CublasComputeType computeType, CudaDataType scaleType)
    {
        IntPtr d;
        Cublas.Check(cublasLtMatmulDescCreate(&d, computeType, scaleType));
        return new CublasLtMatmulDescHandle(d);
    }

    internal static CublasStatus DestroyMatmulDescNoThrow(IntPtr desc) => cublasLtMatmulDescDestroy(desc);

    /// <summary>Sets a descriptor attribute to a 32-bit value (transposes, epilogue).</summary>
    /// <param name="desc">The descriptor.</param>
    /// <param name="attribute">The attribute.</param>
    /// <param name="value">The value.</param>
    public static void SetAttribute(CublasLtMatmulDescHandle desc, CublasLtMatmulDescAttribute attribute, int value)
    {
        ArgumentNullException.ThrowIfNull(desc);
        Cublas.Check(cublasLtMatmulDescSetAttribute(desc.DangerousGetHandle(), attribute, &value, sizeof(int)));
        GC.KeepAlive(desc);
    }

    /// <summary>Sets the bias pointer (CUBLASLT_MATMUL_DESC_BIAS_POINTER) for the bias epilogues.</summary>
    /// <param name="desc">The descriptor.</param>
    /// <param name="bias">Device pointer to one bias value per row of D.</param>
    public static void SetBias(CublasLtMatmulDescHandle desc, ulong bias)
    {
        ArgumentNullException.ThrowIfNull(desc);
        Cublas.Check(cublasLtMatmulDescSetAttribute(desc.DangerousGetHandle(), CublasLtMatmulDescAttribute.BiasPointer, &bias, sizeof(ulong)));
        GC.KeepAlive(desc);
    }

    /// <summary>Sets the epilogue (CUBLASLT_MATMUL_DESC_EPILOGUE).</summary>
    /// <param name="desc">The descriptor.</param>
    /// <param name="epilogue">The epilogue.</param>
    public static void SetEpilogue(CublasLtMatmulDescHandle desc, CublasLtEpilogue epilogue)
        => SetAttribute(desc, CublasLtMatmulDescAttribute.Epilogue, (int)epilogue);

    /// <summary>Creates a column-major matrix layout (cublasLtMatrixLayoutCreate).</summary>
    /// <param name="type">Element type.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns.</param>
    /// <param name="ld">Leading dimension.</param>
    /// <returns>The owned layout.</returns>
    public static CublasLtMatrixLayoutHandle CreateMatrixLayout(CudaDataType type, ulong rows, ulong cols, long ld)
    {
        IntPtr l;
        Cublas.Check(cublasLtMatrixLayoutCreate(&l, type, rows, cols, ld));
        return new CublasLtMatrixLayoutHandle(l);
    }

    internal static CublasStatus DestroyMatrixLayoutNoThrow(IntPtr layout) => cublasLtMatrixLayoutDestroy(layout);

    /// <summary>Creates a preference with a workspace limit (cublasLtMatmulPreferenceCreate + SetAttribute).</summary>
    /// <param name="maxWorkspaceBytes">Largest workspace the caller provides.</param>
    /// <returns>The owned preference.</returns>
    public static CublasLtPreferenceHandle CreatePreference(ulong maxWorkspaceBytes)
    {
        IntPtr p;
        Cublas.Check(cublasLtMatmulPreferenceCreate(&p));
        var handle = new CublasLtPreferenceHandle(p);
        Cublas.Check(cublasLtMatmulPreferenceSetAttribute(p, CublasLtPreferenceAttribute.MaxWorkspaceBytes, &maxWorkspaceBytes, sizeof(ulong)));
        return handle;
    }

    internal static CublasStatus DestroyPreferenceNoThrow(IntPtr preference) => cublasLtMatmulPreferenceDestroy(preference);

    /// <summary>Asks for the best algorithm for D = epilogue(alpha op(A) op(B) + beta C) (cublasLtMatmulAlgoGetHeuristic).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="desc">The operation.</param>
    /// <param name="a">Layout of A.</param>
    /// <param name="b">Layout of B.</param>
    /// <param name="c">Layout of C.</param>
    /// <param name="d">Layout of D.</param>
    /// <param name="preference">Search limits.</param>
    /// <returns>The best result.</returns>
    /// <exception cref="CublasException">No algorithm fits (CUBLAS_STATUS_NOT_SUPPORTED).</exception>
    public static CublasLtHeuristicResult GetHeuristic(CublasLtHandle handle, CublasLtMatmulDescHandle desc,
        CublasLtMatrixLayoutHandle a, CublasLtMatrixLayoutHandle b, CublasLtMatrixLayoutHandle c, CublasLtMatrixLayoutHandle d,
        CublasLtPreferenceHandle preference)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(desc);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(preference);
        CublasLtHeuristicResult result;
        int returned = 0;
        Cublas.Check(cublasLtMatmulAlgoGetHeuristic(handle.DangerousGetHandle(), desc.DangerousGetHandle(), a.DangerousGetHandle(),
            b.DangerousGetHandle(), c.DangerousGetHandle(), d.DangerousGetHandle(), preference.DangerousGetHandle(), 1, &result, &returned));
        GC.KeepAlive(handle);
        GC.KeepAlive(desc);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
        GC.KeepAlive(d);
        GC.KeepAlive(preference);
        if (returned == 0)
        {
            throw new CublasException(CublasStatus.CUBLAS_STATUS_NOT_SUPPORTED, "cublasLtMatmulAlgoGetHeuristic (no algorithm returned)");
        }
        return result;
    }

    /// <summary>D = epilogue(alpha op(A) op(B) + beta C) (cublasLtMatmul). Scalars are host pointers of the scale type.</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="desc">The operation.</param>
    /// <param name="alpha">Host pointer to alpha.</param>
    /// <param name="a">Device pointer to A.</param>
    /// <param name="layoutA">Layout of A.</param>
    /// <param name="b">Device pointer to B.</param>
    /// <param name="layoutB">Layout of B.</param>
    /// <param name="beta">Host pointer to beta.</param>
    /// <param name="c">Device pointer to C.</param>
    /// <param name="layoutC">Layout of C.</param>
    /// <param name="d">Device pointer to D (may equal C).</param>
    /// <param name="layoutD">Layout of D.</param>
    /// <param name="algo">An algorithm from <see cref="GetHeuristic"/>.</param>
    /// <param name="workspace">Device workspace pointer (0 if none).</param>
    /// <param name="workspaceBytes">Workspace size.</param>
    /// <param name="stream">The CUstream.</param>
    public static void Matmul(CublasLtHandle handle, CublasLtMatmulDescHandle desc, IntPtr alpha,
        ulong a, CublasLtMatrixLayoutHandle layoutA, ulong b, CublasLtMatrixLayoutHandle layoutB, IntPtr beta,
        ulong c, CublasLtMatrixLayoutHandle layoutC, ulong d, CublasLtMatrixLayoutHandle layoutD,
        in CublasLtMatmulAlgo algo, ulong workspace, ulong workspaceBytes, IntPtr stream)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(desc);
        ArgumentNullException.ThrowIfNull(layoutA);
        ArgumentNullException.ThrowIfNull(layoutB);
        ArgumentNullException.ThrowIfNull(layoutC);
        ArgumentNullException.ThrowIfNull(layoutD);
        fixed (CublasLtMatmulAlgo* algoPtr = &algo)
        {
            Cublas.Check(cublasLtMatmul(handle.DangerousGetHandle(), desc.DangerousGetHandle(), (void*)alpha,
                a, layoutA.DangerousGetHandle(), b, layoutB.DangerousGetHandle(), (void*)beta,
                c, layoutC.DangerousGetHandle(), d, layoutD.DangerousGetHandle(), algoPtr, workspace, (nuint)workspaceBytes, stream));
        }
        GC.KeepAlive(handle);
        GC.KeepAlive(desc);
        GC.KeepAlive(layoutA);
        GC.KeepAlive(layoutB);
        GC.KeepAlive(layoutC);
        GC.KeepAlive(layoutD);
    }

    // ------------------------------------------------------------------ imports (cublasLt.h)

    [LibraryImport(Lib)] private static partial CublasStatus cublasLtCreate(IntPtr* lightHandle);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtDestroy(IntPtr lightHandle);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulDescCreate(IntPtr* matmulDesc, CublasComputeType computeType, CudaDataType scaleType);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulDescDestroy(IntPtr matmulDesc);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulDescSetAttribute(IntPtr matmulDesc, CublasLtMatmulDescAttribute attr, void* buf, nuint sizeInBytes);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatrixLayoutCreate(IntPtr* matLayout, CudaDataType type, ulong rows, ulong cols, long ld);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatrixLayoutDestroy(IntPtr matLayout);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulPreferenceCreate(IntPtr* pref);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulPreferenceDestroy(IntPtr pref);
    [LibraryImport(Lib)] private static partial CublasStatus cublasLtMatmulPreferenceSetAttribute(IntPtr pref, CublasLtPreferenceAttribute attr, void* buf, nuint sizeInBytes);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasLtMatmulAlgoGetHeuristic(IntPtr lightHandle, IntPtr operationDesc, IntPtr aDesc, IntPtr bDesc,
        IntPtr cDesc, IntPtr dDesc, IntPtr preference, int requestedAlgoCount, CublasLtHeuristicResult* heuristicResultsArray, int* returnAlgoCount);
    [LibraryImport(Lib)]
    private static partial CublasStatus cublasLtMatmul(IntPtr lightHandle, IntPtr computeDesc, void* alpha, ulong a, IntPtr aDesc,
        ulong b, IntPtr bDesc, void* beta, ulong c, IntPtr cDesc, ulong d, IntPtr dDesc, CublasLtMatmulAlgo* algo,
        ulong workspace, nuint workspaceSizeInBytes, IntPtr stream);
}
