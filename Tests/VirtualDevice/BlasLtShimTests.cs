using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The libcublasLt shim as native code calls it: descriptors, layouts, the heuristic's result struct and the
/// 16-argument cublasLtMatmul reach the emulator intact through NVIDIA's prototypes.
/// </summary>
[TestFixture]
[NonParallelizable]
public unsafe class BlasLtShimTests
{
    private BlasShim shim = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp() => shim = BlasShim.Build("libcublasLt.c");

    [OneTimeTearDown]
    public void OneTimeTearDown() => shim?.Dispose();

    [Test, Order(1)]
    public void AnUnregisteredExportReturnsNotSupportedAndNamesItself()
    {
        IntPtr pref;
        Assert.That(((delegate* unmanaged[Cdecl]<IntPtr*, int>)shim.Export("cublasLtMatmulPreferenceCreate"))(&pref), Is.EqualTo((int)BlasStatus.NotSupported));
        Assert.That(shim.LastUnsupported(), Is.EqualTo("cublasLtMatmulPreferenceCreate"));
        Assert.That(((delegate* unmanaged[Cdecl]<nuint>)shim.Export("cublasLtGetVersion"))(), Is.EqualTo((nuint)0));
    }

    [Test, Order(2)]
    public void AGeluBiasMatmulThroughTheExports()
    {
        foreach (var (name, function) in BlasEntryPoints.CublasLt())
        {
            Assert.That(shim.Register(name, function), Is.Zero, $"the shim has no export {name}");
        }
        Assert.That(((delegate* unmanaged[Cdecl]<nuint>)shim.Export("cublasLtGetVersion"))(), Is.EqualTo((nuint)130000));

        using var context = new FakeBlasContext();
        IntPtr handle;
        Assert.That(CublasLtEmulator.Create(context, &handle), Is.EqualTo(BlasStatus.Success));
        var descCreate = (delegate* unmanaged[Cdecl]<IntPtr*, int, int, int>)shim.Export("cublasLtMatmulDescCreate");
        var descSet = (delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, int>)shim.Export("cublasLtMatmulDescSetAttribute");
        var layoutCreate = (delegate* unmanaged[Cdecl]<IntPtr*, int, ulong, ulong, long, int>)shim.Export("cublasLtMatrixLayoutCreate");
        var prefCreate = (delegate* unmanaged[Cdecl]<IntPtr*, int>)shim.Export("cublasLtMatmulPreferenceCreate");
        var prefSet = (delegate* unmanaged[Cdecl]<IntPtr, int, void*, nuint, int>)shim.Export("cublasLtMatmulPreferenceSetAttribute");
        var heuristic = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, LtHeuristicResult*, int*, int>)
            shim.Export("cublasLtMatmulAlgoGetHeuristic");
        var matmul = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, LtAlgorithm*, ulong, nuint, IntPtr, int>)
            shim.Export("cublasLtMatmul");

        // D (2x1) = gelu(A^T x + bias), all column-major.
        IntPtr desc, la, lx, ld, pref;
        Assert.That(descCreate(&desc, (int)BlasComputeType.Float32, (int)BlasDataType.Float32), Is.Zero);
        int transpose = 1, epilogue = (int)Epilogue.GeluBias;
        ulong bias = context.Device.Upload<float>([0.5f, -0.5f]);
        Assert.That(descSet(desc, LtMatmulDesc.TransA, &transpose, 4), Is.Zero);
        Assert.That(descSet(desc, LtMatmulDesc.Epilogue, &epilogue, 4), Is.Zero);
        Assert.That(descSet(desc, LtMatmulDesc.BiasPointer, &bias, 8), Is.Zero);
        Assert.That(layoutCreate(&la, 0, 2, 2, 2), Is.Zero);
        Assert.That(layoutCreate(&lx, 0, 2, 1, 2), Is.Zero);
        Assert.That(layoutCreate(&ld, 0, 2, 1, 2), Is.Zero);
        ulong workspaceLimit = 1 << 22;
        Assert.That(prefCreate(&pref), Is.Zero);
        Assert.That(prefSet(pref, LtPreference.MaxWorkspaceBytes, &workspaceLimit, 8), Is.Zero);

        LtHeuristicResult result;
        int returned = 0;
        Assert.That(heuristic(handle, desc, la, lx, ld, ld, pref, 1, &result, &returned), Is.Zero);
        Assert.That((returned, result.WorkspaceSize), Is.EqualTo((1, (nuint)0)));

        ulong a = context.Device.Upload<float>([1, 2, 3, 4]);     // A = [1 3; 2 4], A^T = [1 2; 3 4]
        ulong x = context.Device.Upload<float>([1, -1]);
        ulong d = context.Device.Allocate(8);
        float alpha = 1, beta = 0;
        Assert.That(matmul(handle, desc, &alpha, a, la, x, lx, &beta, 0, ld, d, ld, (LtAlgorithm*)&result, 0, 0, new IntPtr(0x42)), Is.Zero);
        float[] got = context.Device.Download<float>(d, 2);
        // A^T x = [-1, -1]; + bias = [-0.5, -1.5]; gelu_tanh.
        Assert.That(got[0], Is.EqualTo(-0.1542860).Within(1e-6));
        Assert.That(got[1], Is.EqualTo(-0.1004284).Within(1e-6));
        Assert.That(context.Work, Is.EqualTo(new[] { (new IntPtr(0x42), "cublasLtMatmul") }));
        Assert.That(CublasLtEmulator.Destroy(handle), Is.EqualTo(BlasStatus.Success));
    }
}
