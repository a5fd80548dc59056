using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

/// <summary>
/// Ops with a C# number operand: without a graph to record they skip the wrapped 0-d tensor, so they are checked
/// against the recorded path (same values and dtype), hand-computed values, and the in-place rules.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class NumberOperandTests(Device device)
{
    private static readonly float[] Values = [-2.5f, -1, 0, 0.5f, 3, 7.25f];

    [Test]
    public void UnrecordedMatchesRecordedForEveryArithmeticOp()
    {
        using var x = Tensor.FromArray(Values, [2, 3], device);
        using var xg = x.Detach();
        xg.RequiresGrad = true;
        foreach (var (name, plain, recorded) in new (string, Func<Tensor, Tensor>, Func<Tensor, Tensor>)[]
        {
            ("x + 1.5", t => t + 1.5, t => t + 1.5),
            ("2 - x", t => 2 - t, t => 2 - t),
            ("x * -3", t => t * -3, t => t * -3),
            ("x / 4", t => t / 4, t => t / 4),
            ("10 / x", t => 10.0 / t, t => 10.0 / t),
            ("x % 2", t => t % 2, t => t % 2),
        })
        {
            using var a = plain(x);
            using var b = recorded(xg);
            Assert.That(b.GradFn, Is.Not.Null, name);
            Assert.That(a.GradFn, Is.Null, name);
            Assert.That(a.DType, Is.EqualTo(b.DType), name);
            Assert.That(a.ToArray<float>(), Is.EqualTo(b.ToArray<float>()), name);
        }
    }

    [Test]
    public void HandComputedValuesAndDTypes()
    {
        using var x = Tensor.FromArray(Values, [6], device);
        TensorAssert.Close(1 - x, [3.5, 2, 1, 0.5, -2, -6.25], [6], dtype: DType.Float32);
        using var i = Tensor.FromArray(new[] { 7, -7, 9 }, [3], device);
        TensorAssert.Close(i % 4, [3, 1, 1], [3], dtype: DType.Int32); // Python's sign rule: -7 % 4 = 1
        TensorAssert.Close(i / 2, [3.5, -3.5, 4.5], [3], dtype: DType.Float32);
        using var gt = x.Gt(0.5);
        Assert.That(gt.ToArray<bool>(), Is.EqualTo(new[] { false, false, false, false, true, true }));
        using var b = Tensor.FromArray(new[] { true, false }, [2], device);
        using var or = b + true;
        Assert.That(or.ToArray<bool>(), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void IntegerNumberConvertsToFloatOnce()
    {
        // 2^54 + 2^30 + 1 rounds up to 2^54 + 2^31 as a float, but through double it first loses the 1 and then
        // ties to even, down to 2^54.
        const long n = (1L << 54) + (1L << 30) + 1;
        Assert.That((float)(double)n, Is.Not.EqualTo((float)n));
        using var zero = Tensor.Zeros([1], DType.Float32, device);
        using var r = zero + n;
        Assert.That(r.ToArray<float>()[0], Is.EqualTo((float)n));
    }

    [Test]
    public void StridedAndBroadcastOperands()
    {
        using var x = Tensor.FromArray(Values, [2, 3], device);
        using var t = x.T; // [3, 2], not contiguous
        using var r = t * 2;
        TensorAssert.Close(r, [-5, 1, -2, 6, 0, 14.5], [3, 2], dtype: DType.Float32);
        using var row = x[0];
        using var e = row.Unsqueeze(0).Expand([4, 3]);
        using var s = e + 1;
        Assert.That(s.Shape.ToArray(), Is.EqualTo(new long[] { 4, 3 }));
        TensorAssert.Close(s[3], [-1.5, 0, 1], [3], dtype: DType.Float32);
    }

    [Test]
    public void InPlaceWithNumbers()
    {
        using var x = Tensor.FromArray(Values, [6], device);
        using var y = x.Clone();
        y.MulInPlace(2).SubInPlace(1).DivInPlace(2);
        TensorAssert.Close(y, [-3, -1.5, -0.5, 0, 2.5, 6.75], [6], dtype: DType.Float32);
        long before = y.Storage.Version;
        y.AddInPlace(0);
        Assert.That(y.Storage.Version, Is.GreaterThan(before));

        using var ints = Tensor.FromArray(new[] { 1, 2 }, [2], device);
        var ex = Assert.Throws<InvalidOperationException>(() => ints.MulInPlace(2.5));
        Assert.That(ex!.Message, Does.Contain("MulInPlace").And.Contain("2.5").And.Contain("int32"));
        Assert.That(ints.ToArray<int>(), Is.EqualTo(new[] { 1, 2 }), "a refused in-place op leaves the tensor as it was");
    }

    [Test]
    public void GradientThroughNumberOperands()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 4.0 }, [3], device);
        x.RequiresGrad = true;
        using var y = (3 * x - 1) / 2;
        using var loss = y.Sum();
        loss.Backward();
        TensorAssert.Close(x.Grad!, [1.5, 1.5, 1.5], [3], dtype: DType.Float64);
    }
}
