using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixture]
public class DeviceTests
{
    [Test]
    public void ParsesPyTorchSpellings()
    {
        Assert.That(Device.Parse("cpu"), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("CPU"), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("cuda"), Is.EqualTo(Device.Cuda(0)));
        Assert.That(Device.Parse("cuda:1"), Is.EqualTo(Device.Cuda(1)));
        var d = Device.Parse("cuda:3");
        Assert.That(d.Type, Is.EqualTo(DeviceType.Cuda));
        Assert.That(d.Index, Is.EqualTo(3));
        Assert.That(d.IsCuda, Is.True);
        Assert.That(d.IsCpu, Is.False);
        Device implicitDevice = "cuda:2";
        Assert.That(implicitDevice, Is.EqualTo(Device.Cuda(2)));
    }

    [TestCase("gpu")]
    [TestCase("cuda:")]
    [TestCase("cuda:-1")]
    [TestCase("cuda:x")]
    [TestCase("cpu:0x")]
    [TestCase("")]
    public void ParseRejectsBadText(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Device.Parse(text));
        Assert.That(ex!.Message, Does.Contain($"'{text}'").And.Contain("cuda:N"));
        Assert.That(Device.TryParse(text, out _), Is.False);
    }

    [Test]
    public void ParseNullThrows()
    {
        Assert.Throws<ArgumentNullException>(() => Device.Parse(null!));
        Assert.That(Device.TryParse(null, out _), Is.False);
    }

    [Test]
    public void EqualityAndToString()
    {
        Assert.That(Device.Cuda(1), Is.EqualTo(Device.Parse("cuda:1")));
        Assert.That(Device.Cuda(1) == Device.Cuda(1), Is.True);
        Assert.That(Device.Cuda(0) != Device.Cuda(1), Is.True);
        Assert.That(Device.Cpu == Device.Cuda(0), Is.False);
        Assert.That(Device.Cuda(1).GetHashCode(), Is.EqualTo(Device.Parse("cuda:1").GetHashCode()));
        Assert.That(Device.Cpu.ToString(), Is.EqualTo("cpu"));
        Assert.That(Device.Cuda().ToString(), Is.EqualTo("cuda:0"));
        Assert.That(Device.Cuda(7).ToString(), Is.EqualTo("cuda:7"));
        Assert.That(default(Device), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse(Device.Cuda(5).ToString()), Is.EqualTo(Device.Cuda(5)));
    }

    [Test]
    public void NegativeCudaIndexThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Device.Cuda(-1));
    }

    [Test]
    public void TensorOnCpuReportsDevice()
    {
        using var t = Tensor.Zeros([2]);
        Assert.That(t.Device, Is.EqualTo(Device.Cpu));
        Assert.That(t.Storage.Device, Is.EqualTo(Device.Cpu));
    }

    [Test]
    public void CreatingOnCudaWithoutBackendThrowsClearly()
    {
        if (TestDevices.Available.Any(d => d.IsCuda)) Assert.Ignore("A CUDA backend is present.");
        var ex = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([2, 3], device: Device.Cuda()));
        Assert.That(ex!.Message, Does.Contain("cuda:0").And.Contain("Device.Cpu"));
        Assert.Throws<NotSupportedException>(() => Tensor.FromArray(new float[] { 1 }, device: Device.Cuda(1)));
        Assert.Throws<NotSupportedException>(() => Tensor.Ones([1], device: "cuda"));
        using var cpu = Tensor.Ones([2]);
        Assert.Throws<NotSupportedException>(() => cpu.To(Device.Cuda()));
    }
}
