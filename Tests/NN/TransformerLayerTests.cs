using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The Transformer layers: PyTorch's submodule names, gradient checks (post-norm and pre-norm, ReLU and GELU, decoder),
/// TransformerEncoder/Decoder as copies of one layer, train/eval behaviour, state dict round trip and shape errors.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class TransformerLayerTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator(seed));

    private TransformerEncoderLayer Encoder(bool normFirst = false, string activation = "relu", double dropout = 0, bool batchFirst = false)
        => new(4, 2, 6, dropout, activation, batchFirst: batchFirst, normFirst: normFirst, device: device, dtype: DType.Float64, generator: new Generator(5));

    private TransformerDecoderLayer Decoder(bool normFirst = false)
        => new(4, 2, 6, 0, "gelu", normFirst: normFirst, device: device, dtype: DType.Float64, generator: new Generator(6));

    [Test]
    public void SubmodulesHavePyTorchNames()
    {
        using var enc = Encoder();
        Assert.That(enc.StateDict().Keys, Is.EqualTo(new[]
        {
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
        }));
        Assert.That(enc.NamedChildren().Select(c => c.Name), Is.EqualTo(new[] { "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2" }));
        using var dec = Decoder();
        Assert.That(dec.NamedChildren().Select(c => c.Name),
            Is.EqualTo(new[] { "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1", "dropout2", "dropout3" }));
        using var stack = new TransformerEncoder(enc, 2, new LayerNorm(4, device: device, dtype: DType.Float64));
        Assert.That(stack.StateDict().Keys, Has.Member("layers.0.self_attn.in_proj_weight").And.Member("layers.1.norm2.bias").And.Member("norm.weight"));
    }

    [Test]
    public void EncoderLayerPassesGradCheck([Values] bool normFirst, [Values("relu", "gelu")] string activation)
    {
        using var layer = Encoder(normFirst, activation);
        using var src = Randn(1, 3, 2, 4);
        using var mask = Randn(2, 3, 3);
        using var padding = Tensor.FromArray(new[] { false, false, false, false, true, false }, [2, 3], device);
        src.RequiresGrad = true;
        var r = GradCheck.Check(xs => layer.Forward(xs[0], mask, padding), [src, .. layer.Parameters()]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void DecoderLayerPassesGradCheck([Values] bool normFirst)
    {
        using var layer = Decoder(normFirst);
        using var tgt = Randn(1, 3, 2, 4);
        using var memory = Randn(2, 4, 2, 4);
        using var tgtMask = Randn(3, 3, 3);
        using var padding = Tensor.FromArray(new[] { false, true, false, false, false, false, false, true }, [2, 4], device);
        tgt.RequiresGrad = memory.RequiresGrad = true;
        var r = GradCheck.Check(xs => layer.Forward(xs[0], xs[1], tgtMask, memoryKeyPaddingMask: padding), [tgt, memory, .. layer.Parameters()]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void EncoderStacksIndependentCopies()
    {
        using var layer = Encoder();
        using var stack = new TransformerEncoder(layer, 2);
        using var x = Randn(1, 3, 2, 4);
        using var once = layer.Forward(x);
        using var twice = layer.Forward(once);
        using var y = stack.Forward(x);
        FusedTestSupport.Close(TensorAssert.ToDoubles(y), TensorAssert.ToDoubles(twice), 1e-12, 1e-12, "two copies of the layer");
        using (Autograd.NoGrad()) stack.Layers[0].Linear1.Weight.MulInPlace(2.0);
        Assert.That(TensorAssert.ToDoubles(stack.Layers[1].Linear1.Weight), Is.EqualTo(TensorAssert.ToDoubles(layer.Linear1.Weight)), "deep copies");

        using var dlayer = Decoder();
        using var dstack = new TransformerDecoder(dlayer, 2);
        using var memory = Randn(2, 4, 2, 4);
        using var d1 = dlayer.Forward(x, memory);
        using var d2 = dlayer.Forward(d1, memory);
        using var dy = dstack.Forward(x, memory);
        FusedTestSupport.Close(TensorAssert.ToDoubles(dy), TensorAssert.ToDoubles(d2), 1e-12, 1e-12, "decoder copies");
    }

    [Test]
    public void DropoutOnlyWhileTraining()
    {
        using var layer = Encoder(dropout: 0.3);
        using var x = Randn(1, 3, 2, 4);
        using var a = layer.Forward(x);
        layer.Eval();
        using var b = layer.Forward(x);
        using var c = layer.Forward(x);
        Assert.That(TensorAssert.ToDoubles(a), Is.Not.EqualTo(TensorAssert.ToDoubles(b)));
        Assert.That(TensorAssert.ToDoubles(c), Is.EqualTo(TensorAssert.ToDoubles(b)));
    }

    [Test]
    public void BatchFirstTransposes()
    {
        using var a = Encoder();
        using var b = Encoder(batchFirst: true);
        b.LoadStateDict(a.StateDict());
        using var x = Randn(1, 3, 2, 4);
        using var xt = x.Transpose(0, 1);
        using var ya = a.Forward(x);
        using var yb = b.Forward(xt);
        using var back = yb.Transpose(0, 1);
        FusedTestSupport.Close(TensorAssert.ToDoubles(back), TensorAssert.ToDoubles(ya), 1e-12, 1e-12, "batchFirst");
    }

    [Test]
    public void StateDictRoundTrip()
    {
        using var a = Decoder(normFirst: true);
        using var b = new TransformerDecoderLayer(4, 2, 6, 0, "gelu", normFirst: true, device: device, dtype: DType.Float64, generator: new Generator(77));
        b.LoadStateDict(a.StateDict());
        using var x = Randn(1, 3, 2, 4);
        using var m = Randn(2, 4, 2, 4);
        using var ya = a.Forward(x, m);
        using var yb = b.Forward(x, m);
        Assert.That(TensorAssert.ToDoubles(yb), Is.EqualTo(TensorAssert.ToDoubles(ya)));
    }

    [Test]
    public void ShapeErrorsNameTheLayerAndTheShapes()
    {
        using var enc = Encoder();
        using var x = Randn(1, 3, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => enc.Forward(x))!;
        Assert.That(e.Message, Does.Contain("TransformerEncoderLayer").And.Contain("dModel = 4").And.Contain("[3, 2, 5]"));
        using var dec = Decoder();
        using var t = Randn(1, 3, 2, 4);
        using var m = Randn(2, 4, 2, 3);
        e = Assert.Throws<ArgumentException>(() => dec.Forward(t, m))!;
        Assert.That(e.Message, Does.Contain("TransformerDecoderLayer").And.Contain("[4, 2, 3]"));
        Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer(4, 2, activation: "tanh"));
    }
}
