using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

// Tests that reseed the global generator must not interleave with other tests that draw from it.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
[NonParallelizable]
public class RandomCreationTests(Device device)
{
    [Test]
    public void RandIsInUnitIntervalWithPlausibleMean()
    {
        using var r = Tensor.Rand([100_000], device: device, generator: new Generator(1));
        var v = TensorAssert.ToDoubles(r);
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(0.0));
        Assert.That(v.Max(), Is.LessThan(1.0));
        // mean of U(0,1) is 0.5 with standard error 1/sqrt(12 n) ~ 0.0009
        Assert.That(v.Average(), Is.EqualTo(0.5).Within(0.005));
        Assert.That(v.Distinct().Count(), Is.GreaterThan(99_000));
    }

    [Test]
    public void RandnHasStandardMoments()
    {
        using var r = Tensor.Randn([100_000], DType.Float64, device, generator: new Generator(2));
        var v = r.ToArray<double>();
        double mean = v.Average();
        double var = v.Select(x => (x - mean) * (x - mean)).Sum() / (v.Length - 1);
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(var, Is.EqualTo(1).Within(0.03));
    }

    [Test]
    public void RandIntRangeAndDType()
    {
        using var r = Tensor.RandInt(-3, 4, [10_000], device: device, generator: new Generator(3));
        Assert.That(r.DType, Is.EqualTo(DType.Int64));
        var v = r.ToArray<long>();
        Assert.That(v.Min(), Is.EqualTo(-3));
        Assert.That(v.Max(), Is.EqualTo(3));
        Assert.That(v.Distinct().Count(), Is.EqualTo(7));
        using var r32 = Tensor.RandInt(0, 2, [100], DType.Int32, device, new Generator(3));
        Assert.That(r32.ToArray<int>(), Is.All.InRange(0, 1));
        var ex = Assert.Throws<ArgumentException>(() => Tensor.RandInt(5, 5, [2], device: device));
        Assert.That(ex!.Message, Does.Contain("RandInt").And.Contain("low = 5").And.Contain("high = 5"));
        Assert.Throws<ArgumentException>(() => Tensor.RandInt(0, 5, [2], DType.Float32, device));
        var rf = Assert.Throws<ArgumentException>(() => Tensor.Rand([2], DType.Int64, device));
        Assert.That(rf!.Message, Does.Contain("Rand").And.Contain("int64"));
    }

    [Test]
    public void ManualSeedMakesGlobalDrawsRepeatable()
    {
        Tensor.ManualSeed(1234);
        using var a = Tensor.Rand([50], device: device);
        using var b = Tensor.Randn([7, 3], device: device);
        Tensor.ManualSeed(1234);
        using var a2 = Tensor.Rand([50], device: device);
        using var b2 = Tensor.Randn([7, 3], device: device);
        Assert.That(a2.ToArray<float>(), Is.EqualTo(a.ToArray<float>()));
        Assert.That(b2.ToArray<float>(), Is.EqualTo(b.ToArray<float>()));
        Tensor.ManualSeed(1235);
        using var c = Tensor.Rand([50], device: device);
        Assert.That(c.ToArray<float>(), Is.Not.EqualTo(a.ToArray<float>()));
    }

    [Test]
    public void StreamContinuesBetweenDraws()
    {
        var g = new Generator(99);
        using var a = Tensor.Rand([16], device: device, generator: g);
        using var b = Tensor.Rand([16], device: device, generator: g);
        Assert.That(b.ToArray<float>(), Is.Not.EqualTo(a.ToArray<float>()));
        Assert.That(g.Offset, Is.GreaterThan(0UL));
        // The second draw continues the stream: one draw of 32 gives the two halves.
        var h = new Generator(99);
        using var both = Tensor.Rand([32], device: device, generator: h);
        var all = both.ToArray<float>();
        Assert.That(all[..16], Is.EqualTo(a.ToArray<float>()));
        Assert.That(all[16..], Is.EqualTo(b.ToArray<float>()));
    }

    [Test]
    public void ExplicitGeneratorIsIndependentOfGlobal()
    {
        using var a = Tensor.Randn([10], device: device, generator: new Generator(5));
        Tensor.ManualSeed(777);
        using var noise = Tensor.Rand([3], device: device);
        using var b = Tensor.Randn([10], device: device, generator: new Generator(5));
        Assert.That(b.ToArray<float>(), Is.EqualTo(a.ToArray<float>()));
        using var c = Tensor.Randn([10], device: device, generator: new Generator(6));
        Assert.That(c.ToArray<float>(), Is.Not.EqualTo(a.ToArray<float>()));
    }

    [Test]
    public void ShapeDoesNotChangeTheStream()
    {
        // Per-element counters: the same seed gives the same sequence whatever the shape.
        using var flat = Tensor.Rand([12], DType.Float64, device, generator: new Generator(8));
        using var grid = Tensor.Rand([3, 4], DType.Float64, device, generator: new Generator(8));
        Assert.That(grid.ToArray<double>(), Is.EqualTo(flat.ToArray<double>()));
    }

    [Test]
    public void InPlaceFillOfNonContiguousViewWritesOnlyTheView()
    {
        using var x = Tensor.Zeros([4, 4], device: device);
        using var col = x[.., 1];
        int before = x.Storage.Version;
        col.UniformInPlace(2, 3, new Generator(4));
        Assert.That(x.Storage.Version, Is.GreaterThan(before));
        var v = x.ToArray<float>();
        for (int i = 0; i < 16; i++)
        {
            if (i % 4 == 1) Assert.That(v[i], Is.InRange(2f, 3f));
            else Assert.That(v[i], Is.Zero);
        }
    }
}
