using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// Where over rows long enough for the CPU's 16- and 8-lane select (with tails), against a plain loop: both branches
/// as rows, or one of them a broadcast number (ReLU's backward), for 4- and 8-byte dtypes and Bool.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class WhereRowsTests(Device device)
{
    [TestCase(DType.Float32, 1)]
    [TestCase(DType.Float32, 173)]
    [TestCase(DType.Float64, 173)]
    [TestCase(DType.Int32, 173)]
    [TestCase(DType.Int64, 173)]
    [TestCase(DType.Bool, 173)]
    public void SelectsEachElementByItsCondition(DType dtype, int columns)
    {
        var random = new Random(7 + columns);
        int rows = 3, n = rows * columns;
        var cond = new bool[n];
        var x = new double[n];
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            cond[i] = random.Next(2) == 1;
            x[i] = random.Next(1, 100);
            z[i] = -random.Next(1, 100);
        }
        if (dtype == DType.Bool)
        {
            for (int i = 0; i < n; i++) (x[i], z[i]) = (1, 0);
        }
        using var c = Tensor.FromArray(cond, [rows, columns], device);
        using var a = Tensor.FromArray(x, [rows, columns], device).To(dtype);
        using var b = Tensor.FromArray(z, [rows, columns], device).To(dtype);

        using var both = Tensor.Where(c, a, b);
        using var zeroElse = Tensor.Where(c, a, 0.0);
        using var zeroThen = Tensor.Where(c, 0.0, b);
        var expectBoth = new double[n];
        var expectZeroElse = new double[n];
        var expectZeroThen = new double[n];
        for (int i = 0; i < n; i++)
        {
            expectBoth[i] = cond[i] ? x[i] : z[i];
            expectZeroElse[i] = cond[i] ? x[i] : 0;
            expectZeroThen[i] = cond[i] ? 0 : z[i];
        }
        Assert.That(TensorAssert.ToDoubles(both), Is.EqualTo(expectBoth));
        Assert.That(TensorAssert.ToDoubles(zeroElse), Is.EqualTo(expectZeroElse));
        Assert.That(TensorAssert.ToDoubles(zeroThen), Is.EqualTo(expectZeroThen));
    }
}
