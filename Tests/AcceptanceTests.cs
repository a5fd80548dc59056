using NUnit.Framework;

namespace CudaTensor.Tests;

/// <summary>The acceptance program of the foundation issue, with its printed values as assertions.</summary>
[TestFixture]
public class AcceptanceTests
{
    [Test]
    public void FoundationAcceptanceProgram()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var col = x[.., 1];
        Assert.That(col.Shape.ToArray(), Is.EqualTo(new long[] { 2 }));
        col.Fill(0f);
        Assert.That(x.ToArray<float>(), Is.EqualTo(new float[] { 1, 0, 3, 4, 0, 6 }));
        using var ones = Tensor.Ones([3]);
        using var twos = ones * 2f;
        using var y = x + twos;
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 3, 2, 5, 6, 2, 8 }));
        using var yt = y.T;
        using var z = Tensor.MatMul(y, yt);
        Assert.That(z.ToArray<float>(), Is.EqualTo(new float[] { 38, 62, 62, 104 }));
        using var sum = z.Sum();
        Assert.That(sum.Item<float>(), Is.EqualTo(266f));
        var (values, indices) = y.Max(dim: 1);
        using (values)
        using (indices)
        {
            Assert.That(string.Join(",", values.ToArray<float>()), Is.EqualTo("5,8"));
            Assert.That(string.Join(",", indices.ToArray<long>()), Is.EqualTo("2,2"));
        }
        using var xt = x.Transpose(0, 1);
        Assert.That(xt.IsContiguous, Is.False);
        using var xtc = xt.Contiguous();
        Assert.That(xtc.IsContiguous, Is.True);
        Assert.That(xtc.ToArray<float>(), Is.EqualTo(new float[] { 1, 4, 0, 0, 3, 6 }));
    }
}
