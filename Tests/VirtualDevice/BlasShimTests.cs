using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The libcublas shim as native code calls it: the C exports (NVIDIA's prototypes) reach the emulator's
/// [UnmanagedCallersOnly] entry points with every argument intact, and an unregistered export says so.
/// </summary>
[TestFixture]
[NonParallelizable]
public unsafe class BlasShimTests
{
    private BlasShim shim = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp() => shim = BlasShim.Build("libcublas.c");

    [OneTimeTearDown]
    public void OneTimeTearDown() => shim?.Dispose();

    [Test, Order(1)]
    public void AnUnregisteredExportReturnsNotSupportedAndNamesItself()
    {
        int value = -1;
        var getProperty = (delegate* unmanaged[Cdecl]<int, int*, int>)shim.Export("cublasGetProperty");
        Assert.That(getProperty(0, &value), Is.EqualTo((int)BlasStatus.NotSupported));
        Assert.That(shim.LastUnsupported(), Is.EqualTo("cublasGetProperty"));
        Assert.That(shim.Register("cublasNoSuchFunction", new IntPtr(1)), Is.EqualTo(-1));
    }

    [Test, Order(2)]
    public void EveryEmulatedEntryPointHasAnExportAndWorksThroughIt()
    {
        foreach (var (name, function) in BlasEntryPoints.Cublas())
        {
            Assert.That(shim.Register(name, function), Is.Zero, $"the shim has no export {name}");
        }

        int major = 0;
        Assert.That(((delegate* unmanaged[Cdecl]<int, int*, int>)shim.Export("cublasGetProperty"))(0, &major), Is.Zero);
        Assert.That(major, Is.EqualTo(13));

        using var context = new FakeBlasContext();
        IntPtr handle;
        Assert.That(CublasEmulator.Create(context, &handle), Is.EqualTo(BlasStatus.Success));
        try
        {
            var setStream = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)shim.Export("cublasSetStream_v2");
            Assert.That(setStream(handle, new IntPtr(0x77)), Is.Zero);

            // C (2x2) = 2 * A^T B + 0.5 C with A = [1 3; 2 4] stored column-major, B = identity.
            ulong a = context.Device.Upload<float>([1, 2, 3, 4]);
            ulong b = context.Device.Upload<float>([1, 0, 0, 1]);
            ulong c = context.Device.Upload<float>([10, 20, 30, 40]);
            float alpha = 2, beta = 0.5f;
            var sgemm = (delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int>)
                shim.Export("cublasSgemm_v2");
            Assert.That(sgemm(handle, 1, 0, 2, 2, 2, &alpha, a, 2, b, 2, &beta, c, 2), Is.Zero);
            Assert.That(context.Device.Download<float>(c, 4), Is.EqualTo(new float[] { 7, 16, 19, 28 }));

            // Two batches of 1x1 doubles through the strided-batched Ex form (strides and batch count as long long / int).
            ulong da = context.Device.Upload<double>([3, 5]);
            ulong db = context.Device.Upload<double>([7, 11]);
            ulong dc = context.Device.Allocate(2 * sizeof(double));
            double one = 1, zero = 0;
            var batched = (delegate* unmanaged[Cdecl]<IntPtr, int, int, int, int, int, void*, ulong, int, int, long, ulong, int, int, long, void*, ulong, int, int, long, int, int, int, int>)
                shim.Export("cublasGemmStridedBatchedEx");
            Assert.That(batched(handle, 0, 0, 1, 1, 1, &one, da, 1, 1, 1, db, 1, 1, 1, &zero, dc, 1, 1, 1, 2, (int)BlasComputeType.Float64, -1), Is.Zero);
            Assert.That(context.Device.Download<double>(dc, 2), Is.EqualTo(new double[] { 21, 55 }));
            Assert.That(context.Work.Select(w => w.Stream), Is.All.EqualTo(new IntPtr(0x77)));

            // A validation error comes back through the export as the status, not an exception.
            Assert.That(sgemm(handle, 0, 0, 2, 2, 2, &alpha, a, 1, b, 2, &beta, c, 2), Is.EqualTo((int)BlasStatus.InvalidValue));
        }
        finally
        {
            var destroy = (delegate* unmanaged[Cdecl]<IntPtr, int>)shim.Export("cublasDestroy_v2");
            Assert.That(destroy(handle), Is.Zero);
        }
    }
}
