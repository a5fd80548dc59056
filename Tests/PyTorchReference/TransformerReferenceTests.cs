using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// TransformerEncoderLayer (post-norm ReLU, pre-norm GELU) and TransformerDecoderLayer against libtorch
/// (tools/TorchReference/Cases/AttentionCases.cs, case "transformer_layers"): libtorch's state dict loads by PyTorch's
/// names, then outputs and the gradients of the inputs and of every parameter match.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class TransformerReferenceTests(Device device)
{
    [TestCase("post.", false, "relu")]
    [TestCase("pre.", true, "gelu")]
    public void EncoderLayerMatchesPyTorch(string prefix, bool normFirst, string activation)
    {
        using var r = TorchReferenceFile.Load("transformer_layers", device);
        using var layer = new TransformerEncoderLayer(4, 2, 8, 0.0, activation, normFirst: normFirst, device: device, dtype: DType.Float64);
        var state = AttentionReferenceTests.StateOf(r, prefix + "state.");
        var loaded = layer.LoadStateDict(state);
        Assert.That(loaded.MissingKeys, Is.Empty);
        using var src = r[prefix + "input"].Detach();
        src.RequiresGrad = true;
        using var y = layer.Forward(src, r["src_mask"], r["src_key_padding_mask"]);
        using var weighted = y * r[prefix + "upstream"];
        using var loss = weighted.Sum();
        loss.Backward();
        r.AssertClose(prefix + "output", y, 1e-9, 1e-11);
        r.AssertClose(prefix + "grad_input", src.Grad!, 1e-9, 1e-11);
        foreach (var (name, parameter) in layer.NamedParameters()) r.AssertClose(prefix + "grad." + name, parameter.Grad!, 1e-9, 1e-11);
    }

    [Test]
    public void DecoderLayerMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("transformer_layers", device);
        using var layer = new TransformerDecoderLayer(4, 2, 8, 0.0, device: device, dtype: DType.Float64);
        var loaded = layer.LoadStateDict(AttentionReferenceTests.StateOf(r, "dec.state."));
        Assert.That(loaded.MissingKeys, Is.Empty);
        using var tgt = r["dec.input"].Detach();
        using var memory = r["dec.memory"].Detach();
        tgt.RequiresGrad = memory.RequiresGrad = true;
        using var y = layer.Forward(tgt, memory, tgtMask: r["dec.tgt_mask"], memoryKeyPaddingMask: r["src_key_padding_mask"]);
        using var weighted = y * r["dec.upstream"];
        using var loss = weighted.Sum();
        loss.Backward();
        r.AssertClose("dec.output", y, 1e-9, 1e-11);
        r.AssertClose("dec.grad_input", tgt.Grad!, 1e-9, 1e-11);
        r.AssertClose("dec.grad_memory", memory.Grad!, 1e-9, 1e-11);
        foreach (var (name, parameter) in layer.NamedParameters()) r.AssertClose("dec.grad." + name, parameter.Grad!, 1e-9, 1e-11);
    }

    [TestCase("eval.", false)]
    [TestCase("train.", true)]
    public void TransformerMatchesPyTorch(string prefix, bool training)
    {
        using var r = TorchReferenceFile.Load("transformer", device);
        using var model = new Transformer(4, 2, 2, 2, 8, training ? 0.0 : 0.1, device: device, dtype: DType.Float64);
        model.SetTraining(training);
        var loaded = model.LoadStateDict(AttentionReferenceTests.StateOf(r, prefix + "state."));
        Assert.That(loaded.MissingKeys, Is.Empty);
        Assert.That(loaded.UnexpectedKeys, Is.Empty);
        using var src = r[prefix + "src"].Detach();
        using var tgt = r[prefix + "tgt"].Detach();
        src.RequiresGrad = tgt.RequiresGrad = true;
        using var tgtMask = Transformer.GenerateSquareSubsequentMask(4, device, DType.Float64);
        r.AssertClose("tgt_mask", tgtMask, 0, 0);
        using var y = model.Forward(src, tgt, tgtMask: tgtMask, memoryMask: r["memory_mask"], srcKeyPaddingMask: r["src_key_padding_mask"],
            tgtKeyPaddingMask: r["tgt_key_padding_mask"], memoryKeyPaddingMask: r["memory_key_padding_mask"]);
        using var weighted = y * r[prefix + "upstream"];
        using var loss = weighted.Sum();
        loss.Backward();
        r.AssertClose(prefix + "output", y, 1e-9, 1e-11);
        r.AssertClose(prefix + "grad_src", src.Grad!, 1e-9, 1e-11);
        r.AssertClose(prefix + "grad_tgt", tgt.Grad!, 1e-9, 1e-11);
        foreach (var (name, parameter) in model.NamedParameters()) r.AssertClose(prefix + "grad." + name, parameter.Grad!, 1e-9, 1e-11);
    }

    [Test]
    public void BatchFirstTransformerMatchesPyTorch()
    {
        // The same weights and inputs, batch first: the output is the reference transposed.
        using var r = TorchReferenceFile.Load("transformer", device);
        using var model = new Transformer(4, 2, 2, 2, 8, 0.1, batchFirst: true, device: device, dtype: DType.Float64);
        model.Eval();
        model.LoadStateDict(AttentionReferenceTests.StateOf(r, "eval.state."));
        using var src = r["eval.src"].Transpose(0, 1);
        using var tgt = r["eval.tgt"].Transpose(0, 1);
        using var y = model.Forward(src, tgt, tgtMask: r["tgt_mask"], memoryMask: r["memory_mask"], srcKeyPaddingMask: r["src_key_padding_mask"],
            tgtKeyPaddingMask: r["tgt_key_padding_mask"], memoryKeyPaddingMask: r["memory_key_padding_mask"]);
        using var yt = y.Transpose(0, 1);
        r.AssertClose("eval.output", yt, 1e-9, 1e-11);
    }
}
