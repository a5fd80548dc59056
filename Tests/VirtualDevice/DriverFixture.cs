using CudaTensor.Native;
using CudaTensor.VirtualDevice.Driver;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Base of the tests that drive the virtual device through the real binding (<see cref="Driver"/>): they run in a
/// test pass started with CUDATENSOR_VIRTUAL_DEVICE set (the libraries are resolved once per process, so the
/// variable cannot be set from inside a test), and are ignored otherwise.
/// </summary>
[NonParallelizable]
public abstract class DriverFixture
{
    private PrimaryContextHandle? _context;

    /// <summary>The emulated device 0.</summary>
    private protected static VirtualGpu Gpu => DriverState.Devices[0];

    [OneTimeSetUp]
    public void RequireVirtualDevice()
    {
        if (!LibraryResolver.IsVirtualDeviceRequested)
        {
            Assert.Ignore($"Runs on the virtual device: set {LibraryResolver.VirtualDeviceVariable}=1 for the test run.");
        }
        Assert.That(Cuda.IsAvailable, Is.True, () => "The virtual device is requested but CUDA is unusable: " + Cuda.UnavailableReason);
        _context = Driver.RetainPrimaryContext(Driver.GetDevice(0));
    }

    [OneTimeTearDown]
    public void ReleaseContext() => _context?.Dispose();

    [SetUp]
    public void MakeCurrent() => _context!.MakeCurrent(); // NUnit may run each test on another thread

    /// <summary>Runs <paramref name="body"/> with device 0 in strict mode (work runs only when waited for), then drains.</summary>
    /// <param name="body">The test body.</param>
    protected static void Strictly(Action body)
    {
        bool was = Gpu.Strict;
        Gpu.Strict = true;
        try
        {
            body();
        }
        finally
        {
            Gpu.Strict = was;
            Driver.SynchronizeContext();
        }
    }

    /// <summary>The status of a binding call that is expected to fail.</summary>
    /// <param name="call">The call.</param>
    /// <returns>The exception (its Result and Message).</returns>
    protected static CudaException Fails(Action call) => Assert.Throws<CudaException>(call)!;
}
