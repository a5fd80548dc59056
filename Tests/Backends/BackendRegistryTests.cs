using CudaTensor.Backends;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Backends;

/// <summary>
/// The backend registry: a device type registered once (<c>corecpu</c>, <c>corecuda</c>, by <see cref="CoreOnlyBackend"/>)
/// parses, prints and compares like the built-in ones, tensors on it run ops through its backend, and they move to
/// and from the CPU and CUDA through <c>Tensor.To</c> with no device-specific code.
/// </summary>
public sealed class BackendRegistryTests
{
    [Test]
    public void ARegisteredDeviceTypeParsesAndPrintsLikeTheBuiltInOnes()
    {
        var twin = CoreOnlyBackend.Twin(Device.Cpu);
        Assert.That(twin.ToString(), Is.EqualTo("corecpu:0"));
        Assert.That(Device.Parse("corecpu:0"), Is.EqualTo(twin));
        Assert.That(Device.Parse("CoreCpu"), Is.EqualTo(twin));
        Assert.That(twin.Type.Name, Is.EqualTo("corecpu"));
        Assert.That(twin.IsCpu || twin.IsCuda, Is.False);
        Assert.That(twin, Is.Not.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("corecuda:2"), Is.EqualTo(CoreOnlyBackend.Twin(Device.Cuda(2))));
        Assert.That(Device.TryParse("nosuchdevice:0", out _), Is.False);
        Assert.That(Device.TryParse("corecpu:x", out _), Is.False);
    }

    [Test]
    public void TheBuiltInDevicesKeepTheirSpellingAndTypes()
    {
        Assert.That(Device.Cpu.ToString(), Is.EqualTo("cpu"));
        Assert.That(Device.Cuda(3).ToString(), Is.EqualTo("cuda:3"));
        Assert.That(Device.Parse("cuda"), Is.EqualTo(Device.Cuda(0)));
        Assert.That(Device.Parse(" CUDA:1 "), Is.EqualTo(Device.Cuda(1)));
        Assert.That(Device.Cpu.Type, Is.EqualTo(DeviceType.Cpu));
        Assert.That(Device.Cuda().Type, Is.EqualTo(DeviceType.Cuda));
        Assert.That(default(DeviceType), Is.EqualTo(DeviceType.Cpu));
        Assert.That(DeviceType.Cuda.ToString(), Is.EqualTo("Cuda"));
        Assert.That(Device.TryParse("cpu:0", out _), Is.False);
        Assert.That(Device.TryParse("cuda:-1", out _), Is.False);
    }

    [Test]
    public void RegisteringANameTwiceOrAnInvalidNameThrows()
    {
        _ = CoreOnlyBackend.Twin(Device.Cpu);
        Assert.That(() => BackendRegistry.Register("corecpu", _ => Backend.For(Device.Cpu)),
            Throws.ArgumentException.With.Message.Contains("already has a backend"));
        Assert.That(() => BackendRegistry.Register("cuda", _ => Backend.For(Device.Cpu)), Throws.ArgumentException);
        Assert.That(() => BackendRegistry.Register("Bad:Name", _ => Backend.For(Device.Cpu)), Throws.ArgumentException);
    }

    [TestCaseSource(typeof(TestDevices), nameof(TestDevices.Available))]
    public void OpsRunOnARegisteredDeviceAndTensorsMoveToAndFromIt(Device device)
    {
        var twin = CoreOnlyBackend.Twin(device);
        using var a = Tensor.FromArray(new float[] { 1, -2, 3, 4, 5, -6 }, [2, 3]).To(twin);
        using var b = Tensor.FromArray(new float[] { 0.5f, 1, 2 }, [3]).To(twin);
        Assert.That(a.Device, Is.EqualTo(twin));
        using var sum = a + b;                         // broadcast binary
        using var relu = sum.Relu();                   // unary
        using var rows = relu.Sum(1);                  // reduction
        using var product = a.MatMul(b.Reshape(3, 1)); // matrix product
        Assert.That(rows.Device, Is.EqualTo(twin));
        TensorAssert.Close(rows, [6.5, 10.5], [2]);
        TensorAssert.Close(product, [4.5, -5], [2, 1]);      // 1·0.5 - 2 + 6; 2 + 5 - 12
        using var onDevice = relu.To(device);           // twin → real device (through the host for CUDA)
        using var back = onDevice.To(twin);
        TensorAssert.Close(back, [1.5, 0, 5, 4.5, 6, 0], [2, 3]);
        Assert.That(relu.ToString(), Does.Contain($"device='{twin}'"));
    }
}
