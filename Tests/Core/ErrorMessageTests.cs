using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class ErrorMessageTests(Device device)
{
    [Test]
    public void BroadcastFailureNamesOpShapesAndDimension()
    {
        using var a = Tensor.Zeros([2, 3], device: device);
        using var b = Tensor.Zeros([4], device: device);
        var ex = Assert.Throws<ArgumentException>(() => (a + b).Dispose());
        Assert.That(ex!.Message, Does.Contain("Add").And.Contain("[2, 3]").And.Contain("[4]").And.Contain("dimension 1")
            .And.Contain("3").And.Contain("4"));
    }

    [Test]
    public void InPlaceCannotGrow()
    {
        using var a = Tensor.Zeros([3], device: device);
        using var b = Tensor.Zeros([2, 3], device: device);
        var ex = Assert.Throws<ArgumentException>(() => a.AddInPlace(b));
        Assert.That(ex!.Message, Does.Contain("AddInPlace").And.Contain("[2, 3]").And.Contain("[3]"));
        using var i = Tensor.Zeros([3], DType.Int64, device);
        var t = Assert.Throws<InvalidOperationException>(() => i.MulInPlace(0.5));
        Assert.That(t!.Message, Does.Contain("MulInPlace").And.Contain("float32").And.Contain("int64"));
    }

    [Test]
    public void DimensionOutOfRangeNamesOpAndRange()
    {
        using var a = Tensor.Zeros([2, 3], device: device);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => a.Transpose(0, 5));
        Assert.That(ex!.Message, Does.Contain("Transpose").And.Contain("5").And.Contain("[-2, 1]"));
        var sq = Assert.Throws<ArgumentOutOfRangeException>(() => a.Squeeze(-3));
        Assert.That(sq!.Message, Does.Contain("Squeeze").And.Contain("-3"));
    }

    [Test]
    public void ViewSaysUseReshape()
    {
        using var a = Tensor.Zeros([2, 3, 4], device: device);
        using var p = a.Permute(1, 0, 2);
        var ex = Assert.Throws<InvalidOperationException>(() => p.View(6, 4));
        Assert.That(ex!.Message, Does.Contain("View").And.Contain("[3, 2, 4]").And.Contain("[6, 4]").And.Contain("Reshape"));
        Assert.Throws<InvalidOperationException>(() => p.View(3, 8));  // dims 1 and 2 are not one run
        using var ok = p.View(3, 2, 2, 2);                               // splitting the contiguous last dim is fine
        Assert.That(ok.Strides.ToArray(), Is.EqualTo(new long[] { 4, 12, 2, 1 }));
        using var r = p.Reshape(6, 4);
        Assert.That(r.Storage, Is.Not.SameAs(a.Storage));
    }

    [Test]
    public void ReshapeSizeMismatch()
    {
        using var a = Tensor.Zeros([2, 3], device: device);
        var ex = Assert.Throws<ArgumentException>(() => a.Reshape(4, 2));
        Assert.That(ex!.Message, Does.Contain("Reshape").And.Contain("[4, 2]").And.Contain("6"));
        var two = Assert.Throws<ArgumentException>(() => a.Reshape(-1, -1));
        Assert.That(two!.Message, Does.Contain("only one dimension can be -1"));
    }

    [Test]
    public void DTypeOfBoolArithmetic()
    {
        using var b = Tensor.FromArray(new[] { true, false }, device: device);
        var ex = Assert.Throws<ArgumentException>(() => (b - b).Dispose());
        Assert.That(ex!.Message, Does.Contain("Sub").And.Contain("Bool"));
    }
}
