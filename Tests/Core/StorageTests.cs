using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixture]
public class StorageTests
{
    [Test]
    public void ReferenceCountFollowsViews()
    {
        var a = Tensor.Zeros([4]);
        var storage = a.Storage;
        var v1 = a[1..];
        var v2 = v1.View(3, 1);
        a.Dispose();
        v1.Dispose();
        Assert.That(storage.IsReleased, Is.False);
        v2.Dispose();
        Assert.That(storage.IsReleased, Is.True);
        v2.Dispose();
        Assert.That(storage.IsReleased, Is.True, "a second Dispose does not release twice");
    }

    [Test]
    public void AddRefOnReleasedStorageThrowsAndStaysReleased()
    {
        var a = Tensor.Zeros([2]);
        var storage = a.Storage;
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(storage.AddRef);
        Assert.That(storage.IsReleased, Is.True, "a failed AddRef must not revive the storage");
    }

    [Test]
    public void ByteLengthAndDevice()
    {
        using var t = Tensor.Zeros([3, 5], DType.Int64);
        Assert.That(t.Storage.ByteLength, Is.EqualTo(120));
        Assert.That(t.Storage.Device, Is.EqualTo(Device.Cpu));
        using var e = Tensor.Zeros([0]);
        Assert.That(e.Storage.ByteLength, Is.Zero);
    }

    [Test]
    public void PooledBuffersAreZeroedWhenAskedAndIndependent()
    {
        // 1 MiB tensors come from the pool; a reused buffer must not leak the old values into Zeros.
        const int n = 1 << 18;
        var a = Tensor.Full([n], 7f);
        a.Dispose();
        using var z = Tensor.Zeros([n]);
        var v = z.ToArray<float>();
        Assert.That(v.All(x => x == 0f), Is.True);
        using var b = Tensor.Full([n], 3f);
        Assert.That(z.ToArray<float>()[n - 1], Is.Zero, "two live tensors never share a pooled buffer");
        Assert.That(b.ToArray<float>()[n - 1], Is.EqualTo(3f));
    }
}
