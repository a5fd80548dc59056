using CudaTensor.NN;
using CudaTensor.Tests.Ops;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>Tensor.Unflatten and the Unflatten module: shapes, the inferred size, the values, gradients and errors.</summary>
[TestFixture]
public sealed class UnflattenTests
{
    [Test]
    public void SplitsOneDimensionAndKeepsTheValuesInOrder()
    {
        using var x = Tensor.Arange(24).Reshape(2, 12);
        using var y = x.Unflatten(1, 3, 4);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(y[1, 2, 3].ToDouble0(), Is.EqualTo(23));
        Assert.That(y[0, 1, 0].ToDouble0(), Is.EqualTo(4));
        using var inferred = x.Unflatten(-1, 2, -1, 2);
        Assert.That(inferred.Shape.ToArray(), Is.EqualTo(new long[] { 2, 2, 3, 2 }));
        using var module = new Unflatten(1, 1, 3, 4);
        using var batch = module.Forward(x);
        Assert.That(batch.Shape.ToArray(), Is.EqualTo(new long[] { 2, 1, 3, 4 }));
        using var back = new Flatten().Forward(batch);
        Assert.That(back.ToArray<long>(), Is.EqualTo(x.ToArray<long>()));
        Assert.That(module.ToString(), Does.Contain("dim=1, unflattened_size=(1, 3, 4)"));
    }

    [Test]
    public void GradientsFlowBackUnchanged()
    {
        using var x = Tensor.Randn([3L, 8], DType.Float64, generator: new Generator(2));
        x.RequiresGrad = true;
        using var y = x.Unflatten(1, 2, 4);
        using var w = Tensor.Randn([3L, 2, 4], DType.Float64, generator: new Generator(3));
        using var loss = (y * w).Sum();
        loss.Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(w.ToArray<double>()));
    }

    [Test]
    public void SizesThatDoNotMultiplyToTheDimensionAreRejected()
    {
        using var x = Tensor.Zeros([2L, 12]);
        Assert.That(() => x.Unflatten(1, 5, 2), Throws.ArgumentException.With.Message.Contains("do not multiply to 12").And.Message.Contains("[2, 12]"));
        Assert.That(() => x.Unflatten(1, -1, -1), Throws.ArgumentException.With.Message.Contains("one -1"));
        Assert.That(() => x.Unflatten(1, 5, -1), Throws.ArgumentException.With.Message.Contains("do not multiply"));
        Assert.That(() => x.Unflatten(2, 1), Throws.Exception.With.Message.Contains("Unflatten"));
    }
}
