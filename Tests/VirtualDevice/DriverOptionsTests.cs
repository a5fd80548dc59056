using CudaTensor.VirtualDevice;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>The option string of CUDATENSOR_VIRTUAL_DEVICE.</summary>
[TestFixture]
public class DriverOptionsTests
{
    [TestCase("1")]
    [TestCase("true")]
    [TestCase(" on ")]
    public void OneMeansTheDefaults(string text)
    {
        VirtualDeviceOptions o = VirtualDeviceOptions.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(o.DeviceCount, Is.EqualTo(1));
            Assert.That(o.MemoryBytes, Is.EqualTo(4UL << 30));
            Assert.That(o.Strict, Is.False);
        });
    }

    [Test]
    public void KeysAreParsed()
    {
        VirtualDeviceOptions o = VirtualDeviceOptions.Parse("devices=2, memory=1536MiB,sync=strict");
        Assert.Multiple(() =>
        {
            Assert.That(o.DeviceCount, Is.EqualTo(2));
            Assert.That(o.MemoryBytes, Is.EqualTo(1536UL << 20));
            Assert.That(o.Strict, Is.True);
            Assert.That(o.Describe(), Does.Contain("2 devices, 1536 MiB each, sync=strict"));
        });
        Assert.That(VirtualDeviceOptions.Parse("memory=2G").MemoryBytes, Is.EqualTo(2UL << 30));
        Assert.That(VirtualDeviceOptions.Parse("memory=4096").MemoryBytes, Is.EqualTo(4096UL));
        Assert.That(VirtualDeviceOptions.Parse("sync=async").Strict, Is.False);
    }

    [TestCase("colour=blue", "unknown key 'colour'")]
    [TestCase("devices=0", "devices=0")]
    [TestCase("devices=9", "devices=9")]
    [TestCase("memory=lots", "memory=lots")]
    [TestCase("memory=0", "memory=0")]
    [TestCase("sync=sometimes", "sync=sometimes")]
    public void BadOptionsSayWhatIsWrong(string text, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => VirtualDeviceOptions.Parse(text));
        Assert.That(e!.Message, Does.Contain(named).And.Contain(VirtualDeviceOptions.Variable));
    }

    [TestCase(null, false)]
    [TestCase("", false)]
    [TestCase("0", false)]
    [TestCase("1", true)]
    [TestCase("sync=strict", true)]
    public void RequestedUnlessEmptyOrZero(string? value, bool requested)
        => Assert.That(VirtualDeviceOptions.IsRequested(value), Is.EqualTo(requested));
}
