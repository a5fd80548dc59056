using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

[TestFixture]
public class AvailabilityTests
{
    [Test]
    public void IsAvailableNeverThrowsAndIsCached()
    {
        bool first = Cuda.IsAvailable;
        Assert.That(Cuda.IsAvailable, Is.EqualTo(first));
        Assert.That(Cuda.DeviceCount, first ? Is.GreaterThan(0) : Is.Zero);
        Assert.That(Cuda.UnavailableReason, first ? Is.Null : Is.Not.Empty);
    }

    [Test]
    public void DriverWithoutGpuReportsNoDevice()
    {
        NativeRequirement.Library(NativeLibraryKind.Driver);
        if (Cuda.IsAvailable)
        {
            Assert.Ignore("A GPU is present; this test covers the driver-without-GPU case.");
        }
        Assert.Multiple(() =>
        {
            Assert.That(Cuda.IsAvailable, Is.False);
            Assert.That(Cuda.DeviceCount, Is.Zero);
            Assert.That(Cuda.UnavailableReason, Does.Contain("CUDA_ERROR_NO_DEVICE"));
            Assert.That(Cuda.UnavailableReason, Does.Contain("no CUDA-capable GPU is visible; the CPU backend is used"));
            Assert.That(Cuda.Diagnose(), Does.Contain("CUDA_ERROR_NO_DEVICE"));
            Assert.That(Driver.TryInit(), Is.EqualTo(CuResult.CUDA_ERROR_NO_DEVICE));
        });
        Assert.That(() => Cuda.GetDeviceProperties(0), Throws.InvalidOperationException.With.Message.Contains("CUDA_ERROR_NO_DEVICE"));
    }

    [Test]
    public void DriverErrorsAreNamedByTheDriver()
    {
        NativeRequirement.Library(NativeLibraryKind.Driver);
        var e = new CudaException(CuResult.CUDA_ERROR_NO_DEVICE, "cuInit(0)");
        Assert.That(e.Message, Does.StartWith("CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected, in cuInit(0); no CUDA-capable GPU is visible"));
        Assert.That(Driver.TryGetVersion(), Is.GreaterThanOrEqualTo(11000), "the driver reports its CUDA version without a GPU");
    }

    [Test]
    public void CheckNamesTheFailingCall()
    {
        var e = Assert.Throws<CudaException>(() => Driver.Check(CuResult.CUDA_ERROR_INVALID_VALUE))!;
        Assert.That(e.Call, Is.EqualTo("CuResult.CUDA_ERROR_INVALID_VALUE"));
        var b = Assert.Throws<CublasException>(() => Cublas.Check(CublasStatus.CUBLAS_STATUS_NOT_INITIALIZED))!;
        Assert.That(b.Message, Does.StartWith("CUBLAS_STATUS_NOT_INITIALIZED (1) in CublasStatus.CUBLAS_STATUS_NOT_INITIALIZED"));
    }

    [Test]
    public void MissingDriverIsReportedByNameWithoutThrowing()
    {
        CudaProbe probe = CudaProbe.Run(kind => kind == NativeLibraryKind.Driver
            ? LibraryResolver.Probe(kind, ["libcuda-missing-for-test.so.1"], ["/nonexistent/cudatensor"], [])
            : LibraryResolver.Probe(kind));
        Assert.Multiple(() =>
        {
            Assert.That(probe.IsAvailable, Is.False);
            Assert.That(probe.Reason, Does.Contain("CUDA driver library was not found").And.Contain("libcuda-missing-for-test.so.1"));
            Assert.That(probe.Report(includeBlas: false), Does.Contain("CUDA driver: not found (tried libcuda-missing-for-test.so.1)"));
        });
    }

    [Test]
    public void MissingNvrtcIsReportedByName()
    {
        CudaProbe probe = CudaProbe.Run(kind => kind == NativeLibraryKind.Nvrtc
            ? LibraryResolver.Probe(kind, ["libnvrtc-missing-for-test.so.99"], [], [])
            : LibraryResolver.Probe(kind));
        Assert.That(probe.IsAvailable, Is.False);
        Assert.That(probe.Report(includeBlas: false), Does.Contain("NVRTC: not found (tried libnvrtc-missing-for-test.so.99)"));
    }

    [Test]
    public void ExtraFoldersAreSearchedFirst()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cudatensor-resolver-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string fake = Path.Combine(dir, "libnvrtc.so.11.2");
            File.WriteAllText(fake, "not a library");
            NativeLibraryProbe probe = LibraryResolver.Probe(NativeLibraryKind.Nvrtc, ["libnvrtc.so.11.2"], [dir], []);
            // The file in the extra folder is tried first; it is not loadable, so the loader's copy (if any) wins.
            Assert.That(probe.Tried[0], Is.EqualTo(fake));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void DiagnoseListsLibrariesAndNvrtc()
    {
        string report = Cuda.Diagnose();
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("CUDA driver:").And.Contain("NVRTC:").And.Contain("cuBLAS:").And.Contain("Status:"));
        if (LibraryResolver.Probe(NativeLibraryKind.Nvrtc).Found)
        {
            Assert.That(report, Does.Match(@"NVRTC: \d+\.\d+; architectures .*sm_80"));
        }
    }
}
