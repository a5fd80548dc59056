using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// ConvTranspose2d, ConvTranspose1d and Conv1d: the transposed convolution as the adjoint of Conv2d
/// (⟨convT(x), y⟩ = ⟨x, conv(y)⟩), float64 gradient checks, unbatched inputs, PyTorch's weight layouts, state-dict
/// names and initialisation bounds, and shape errors naming the layer and the shapes. Values against libtorch are in
/// Tests/PyTorchReference/ConvReferenceTests.cs.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ConvTransposeTests(Device device)
{
    private Tensor Randn(int seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator((ulong)seed));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        foreach (var t in inputs) t.RequiresGrad = true;
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    [Test]
    public void TransposedConvolutionIsTheAdjointOfConvolution()
    {
        // Conv2d maps [N, 4, 7, 8] to [N, 6, OH, OW] with weight [6, 2, 3, 2]; its adjoint takes the same weight as [in=6, out/groups=2, 3, 2].
        using var w = Randn(1, 6, 2, 3, 2);
        using var big = Randn(2, 2, 4, 7, 8);
        using var convolved = F.Conv2d(big, w, null, stride: 2, padding: (1, 0), dilation: (1, 2), groups: 2);
        using var small = Randn(3, convolved.Shape.ToArray());
        long op0 = 7 - ((convolved.Shape[2] - 1) * 2 - 2 + 2 + 1), op1 = 8 - ((convolved.Shape[3] - 1) * 2 + 2 + 1);
        using var transposed = F.ConvTranspose2d(small, w, null, stride: 2, padding: (1, 0), outputPadding: (op0, op1), groups: 2, dilation: (1, 2));
        Assert.That(transposed.Shape.ToArray(), Is.EqualTo(big.Shape.ToArray()));
        using var lhs = (transposed * big).Sum();
        using var rhs = (small * convolved).Sum();
        Assert.That(lhs.Item<double>(), Is.EqualTo(rhs.Item<double>()).Within(1e-9));
    }

    [Test]
    public void GradCheckTransposedAndOneDimensionalConvolutions()
    {
        Check(xs => F.ConvTranspose2d(xs[0], xs[1], xs[2], stride: (2, 1), padding: (1, 0), outputPadding: (1, 0), groups: 2, dilation: (1, 2)),
            Randn(4, 2, 4, 3, 2), Randn(5, 4, 1, 2, 2), Randn(6, 2));
        Check(xs => F.ConvTranspose1d(xs[0], xs[1], xs[2], stride: 3, padding: 1, outputPadding: 2), Randn(7, 1, 2, 4), Randn(8, 2, 3, 3), Randn(9, 3));
        using var reflect = new Conv1d(2, 3, 3, padding: 2, dilation: 2, device: device, dtype: DType.Float64, generator: new Generator(1), paddingMode: "reflect");
        Check(xs => reflect.Forward(xs[0]), Randn(10, 2, 2, 6));
        Check(xs => F.Conv1d(xs[0], xs[1], xs[2], stride: 2, padding: 1, groups: 2), Randn(11, 2, 4, 7), Randn(12, 2, 2, 3), Randn(13, 2));
    }

    [Test]
    public void UnbatchedInputsGiveUnbatchedOutputs()
    {
        using var t2 = new ConvTranspose2d(3, 4, 2, stride: 2, device: device, dtype: DType.Float64, generator: new Generator(2));
        using var x = Randn(14, 3, 2, 3);
        using var y = t2.Forward(x);
        using var xb = x.Unsqueeze(0);
        using var yb = t2.Forward(xb);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 4, 4, 6 }));
        TensorAssert.Close(y, TensorAssert.ToDoubles(yb), [4, 4, 6], rtol: 1e-12);
        using var c1 = new Conv1d(3, 2, 3, padding: "same", device: device, dtype: DType.Float64, generator: new Generator(2));
        using var z = c1.Forward(Randn(15, 3, 5));
        Assert.That(z.Shape.ToArray(), Is.EqualTo(new long[] { 2, 5 }));
    }

    [Test]
    public void WeightsUsePyTorchLayoutsNamesAndInit()
    {
        using var t2 = new ConvTranspose2d(4, 6, (3, 2), groups: 2, device: device, generator: new Generator(3));
        var state = t2.StateDict();
        Assert.That(state.Keys, Is.EquivalentTo(new[] { "weight", "bias" }));
        Assert.That(t2.Weight.Shape.ToArray(), Is.EqualTo(new long[] { 4, 3, 3, 2 }));
        Assert.That(t2.Bias!.Shape.ToArray(), Is.EqualTo(new long[] { 6 }));
        // fan_in = weight.size(1) · kh · kw = 3 · 6 = 18: weights and bias within 1/√18, and not all tiny.
        double bound = 1 / Math.Sqrt(18);
        var w = TensorAssert.ToDoubles(t2.Weight);
        Assert.That(w.Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(bound).And.GreaterThan(bound / 2));
        using var c1 = new Conv1d(4, 6, 5, groups: 2, bias: false, device: device);
        Assert.That(c1.StateDict().Keys, Is.EquivalentTo(new[] { "weight" }));
        Assert.That(c1.Weight.Shape.ToArray(), Is.EqualTo(new long[] { 6, 2, 5 }));
        using var t1 = new ConvTranspose1d(4, 2, 3, device: device);
        Assert.That(t1.Weight.Shape.ToArray(), Is.EqualTo(new long[] { 4, 2, 3 }));
        Assert.That(t2.ToString(), Does.Contain("ConvTranspose2d(4, 6, kernel_size=(3, 2), stride=(1, 1), groups=2)"));
    }

    [Test]
    public void ShapeErrorsNameTheLayerAndTheShapes()
    {
        using var t2 = new ConvTranspose2d(4, 2, 3, device: device);
        using var wrong = Tensor.Zeros([1, 3, 5, 5], device: device);
        Assert.That(() => t2.Forward(wrong), Throws.ArgumentException.With.Message.Contains("ConvTranspose2d").And.Message.Contains("[1, 3, 5, 5]").And.Message.Contains("[4, 2, 3, 3]"));
        using var fiveD = Tensor.Zeros([1, 4, 1, 5, 5], device: device);
        Assert.That(() => t2.Forward(fiveD), Throws.ArgumentException.With.Message.Contains("ConvTranspose2d").And.Message.Contains("4-D"));
        Assert.That(() => new ConvTranspose2d(2, 2, 3, stride: 2, outputPadding: 2), Throws.ArgumentException.With.Message.Contains("outputPadding"));
        using var c1 = new Conv1d(4, 2, 3, device: device);
        using var bad = Tensor.Zeros([2, 5, 9], device: device);
        Assert.That(() => c1.Forward(bad), Throws.ArgumentException.With.Message.Contains("Conv1d").And.Message.Contains("[2, 5, 9]").And.Message.Contains("expects 4"));
        using var shortInput = Tensor.Zeros([1, 4, 2], device: device);
        Assert.That(() => c1.Forward(shortInput), Throws.ArgumentException.With.Message.Contains("Conv1d").And.Message.Contains("too small"));
        Assert.That(() => new Conv1d(2, 2, 3, stride: 2, padding: "same"), Throws.ArgumentException.With.Message.Contains("strided"));
        Assert.That(() => new Conv1d(2, 2, 3, paddingMode: "wrap"), Throws.ArgumentException.With.Message.Contains("padding_mode"));
    }
}
