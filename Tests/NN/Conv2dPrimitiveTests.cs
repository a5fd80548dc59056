using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The convolution primitive (Conv2dForward/BackwardInput/BackwardWeight, taken by Conv2d with one group) against the
/// composed definition (Unfold2d and a matrix product, differentiated by autograd) on the same random data: output and
/// the three gradients, with and without bias, one sample (a single chunk, parallel inside) and batches split across
/// the cores, padded, strided and dilated windows.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class Conv2dPrimitiveTests(Device device)
{
    // (N, C, H, W, O, KH, KW, stride, padding, dilation)
    private static readonly long[][] Cases =
    [
        [1, 3, 9, 7, 4, 3, 3, 1, 1, 1],
        [6, 4, 8, 8, 5, 3, 2, 2, 1, 1],
        [5, 2, 11, 9, 3, 3, 3, 1, 2, 2],
        [33, 3, 6, 5, 2, 1, 1, 1, 0, 1],
        [4, 16, 28, 28, 32, 3, 3, 1, 1, 1],   // the benchmark's layer on a smaller batch
    ];

    private static IEnumerable<TestCaseData> Geometries()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            for (int i = 0; i < Cases.Length; i++)
            {
                foreach (bool bias in new[] { true, false })
                    yield return new TestCaseData(i, dtype, bias).SetName($"{{m}}({string.Join(",", Cases[i])},{dtype},bias={bias})");
            }
        }
    }

    [TestCaseSource(nameof(Geometries))]
    public void MatchesTheComposedDefinitionWithGradients(int index, DType dtype, bool withBias)
    {
        var a = Cases[index];
        using var scope = Tensor.NewScope();
        var gen = new Generator(17 + (ulong)index);
        Tensor Leaf(params long[] shape)
        {
            var t = Tensor.Randn(shape, dtype, device, generator: gen);
            t.RequiresGrad = true;
            return t;
        }
        var x = Leaf(a[0], a[1], a[2], a[3]);
        var w = Leaf(a[4], a[1], a[5], a[6]);
        var b = withBias ? Leaf(a[4]) : null;
        var g = F.Windows("Conv2d", x.Shape, (a[5], a[6]), a[7], a[8], a[9], ceilMode: false);

        var fused = F.Conv2d(x, w, b, stride: a[7], padding: a[8], dilation: a[9]);
        Assert.That(fused.GradFn?.Name, Is.EqualTo("Conv2dBackward"), "one group of floats must take the primitive");
        var composed = F.ComposedConv2d(x, w, b, g, groups: 1);
        var dy = Tensor.Randn(fused.ShapeArray, dtype, device, generator: gen);

        var inputs = withBias ? new[] { x, w, b! } : new[] { x, w };
        var fusedGrads = Autograd.Grad([fused], inputs, [dy]);
        var composedGrads = Autograd.Grad([composed], inputs, [dy]);

        double rtol = dtype == DType.Float32 ? 2e-5 : 1e-12, atol = dtype == DType.Float32 ? 2e-4 : 1e-10;
        TensorAssert.Close(fused, TensorAssert.ToDoubles(composed), composed.ShapeArray, rtol, atol, dtype);
        string[] names = ["input", "weight", "bias"];
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.That(fusedGrads[i], Is.Not.Null, names[i]);
            TensorAssert.Close(fusedGrads[i]!, TensorAssert.ToDoubles(composedGrads[i]!), inputs[i].ShapeArray, rtol, atol, dtype);
        }
    }

    [Test]
    public void GroupsAndMixedDTypesStillTakeTheComposedPath()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Randn([2L, 4, 5, 5], DType.Float32, device, generator: new Generator(3));
        var w = Tensor.Randn([6L, 2, 3, 3], DType.Float32, device, generator: new Generator(4));
        w.RequiresGrad = true;
        var grouped = F.Conv2d(x, w, groups: 2);
        Assert.That(grouped.GradFn?.Name, Is.Not.EqualTo("Conv2dBackward"));
        var w64 = Tensor.Randn([3L, 4, 3, 3], DType.Float64, device, generator: new Generator(5));
        Assert.That(() => F.Conv2d(x, w64), Throws.Exception, "a float32 input with a float64 weight is reported, not silently converted");
    }
}
