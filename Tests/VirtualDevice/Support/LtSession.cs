using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Creates cuBLASLt handles, descriptors and layouts on the emulator for one test and destroys them after it; each
/// helper asserts its own call succeeded, so a test states only what it checks.
/// </summary>
internal sealed unsafe class LtSession(FakeBlasContext context) : IDisposable
{
    private readonly List<IntPtr> descs = [], layouts = [], preferences = [];

    public IntPtr Handle { get; } = Create(context);

    private static IntPtr Create(FakeBlasContext context)
    {
        IntPtr h;
        Assert.That(CublasLtEmulator.Create(context, &h), Is.EqualTo(BlasStatus.Success));
        return h;
    }

    /// <summary>A matmul descriptor; attributes are set only when given.</summary>
    public IntPtr Desc(BlasComputeType compute = BlasComputeType.Float32, BlasDataType scale = BlasDataType.Float32,
        int? transA = null, int? transB = null, Epilogue? epilogue = null, ulong? bias = null, BlasDataType? biasType = null,
        long? biasBatchStride = null)
    {
        IntPtr d;
        Assert.That(CublasLtEmulator.MatmulDescCreate(&d, (int)compute, (int)scale), Is.EqualTo(BlasStatus.Success));
        descs.Add(d);
        if (transA is int ta) SetInt(d, LtMatmulDesc.TransA, ta);
        if (transB is int tb) SetInt(d, LtMatmulDesc.TransB, tb);
        if (epilogue is Epilogue e) SetInt(d, LtMatmulDesc.Epilogue, (int)e);
        if (bias is ulong pointer) Assert.That(CublasLtEmulator.MatmulDescSetAttribute(d, LtMatmulDesc.BiasPointer, &pointer, 8), Is.EqualTo(BlasStatus.Success));
        if (biasType is BlasDataType bt) SetInt(d, LtMatmulDesc.BiasDataType, (int)bt);
        if (biasBatchStride is long stride) Assert.That(CublasLtEmulator.MatmulDescSetAttribute(d, LtMatmulDesc.BiasBatchStride, &stride, 8), Is.EqualTo(BlasStatus.Success));
        return d;
    }

    public static void SetInt(IntPtr desc, int attribute, int value)
        => Assert.That(CublasLtEmulator.MatmulDescSetAttribute(desc, attribute, &value, 4), Is.EqualTo(BlasStatus.Success));

    /// <summary>A layout; order, batch count and batch stride are set only when given.</summary>
    public IntPtr Layout(BlasDataType type, long rows, long cols, long ld, int? order = null, int? batch = null, long? stride = null)
    {
        IntPtr l;
        Assert.That(CublasLtEmulator.MatrixLayoutCreate(&l, (int)type, (ulong)rows, (ulong)cols, ld), Is.EqualTo(BlasStatus.Success));
        layouts.Add(l);
        if (order is int o) Assert.That(CublasLtEmulator.MatrixLayoutSetAttribute(l, LtMatrixLayout.Order, &o, 4), Is.EqualTo(BlasStatus.Success));
        if (batch is int b) Assert.That(CublasLtEmulator.MatrixLayoutSetAttribute(l, LtMatrixLayout.BatchCount, &b, 4), Is.EqualTo(BlasStatus.Success));
        if (stride is long s) Assert.That(CublasLtEmulator.MatrixLayoutSetAttribute(l, LtMatrixLayout.StridedBatchOffset, &s, 8), Is.EqualTo(BlasStatus.Success));
        return l;
    }

    public IntPtr Preference(ulong maxWorkspace = 0)
    {
        IntPtr p;
        Assert.That(CublasLtEmulator.PreferenceCreate(&p), Is.EqualTo(BlasStatus.Success));
        preferences.Add(p);
        Assert.That(CublasLtEmulator.PreferenceSetAttribute(p, LtPreference.MaxWorkspaceBytes, &maxWorkspace, 8), Is.EqualTo(BlasStatus.Success));
        return p;
    }

    /// <summary>cublasLtMatmul with float (or, for 64F scale, double) host scalars and no workspace.</summary>
    public BlasStatus Matmul(IntPtr desc, double alpha, ulong a, IntPtr aLayout, ulong b, IntPtr bLayout, double beta,
        ulong c, IntPtr cLayout, ulong d, IntPtr dLayout, bool doubleScalars = false, IntPtr stream = default)
    {
        float alphaF = (float)alpha, betaF = (float)beta;
        double alphaD = alpha, betaD = beta;
        void* pa = doubleScalars ? &alphaD : &alphaF;
        void* pb = doubleScalars ? &betaD : &betaF;
        return CublasLtEmulator.Matmul(Handle, desc, pa, a, aLayout, b, bLayout, pb, c, cLayout, d, dLayout, null, 0, 0, stream);
    }

    public void Dispose()
    {
        foreach (IntPtr d in descs) CublasLtEmulator.MatmulDescDestroy(d);
        foreach (IntPtr l in layouts) CublasLtEmulator.MatrixLayoutDestroy(l);
        foreach (IntPtr p in preferences) CublasLtEmulator.PreferenceDestroy(p);
        CublasLtEmulator.Destroy(Handle);
    }
}
