using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// ScaledDotProductAttention and MultiheadAttention against libtorch (tools/TorchReference/Cases/AttentionCases.cs):
/// outputs and gradients of the inputs and of every parameter, after loading libtorch's state dict by PyTorch's names.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class AttentionReferenceTests(Device device)
{
    [TestCase("plain")]
    [TestCase("causal")]
    [TestCase("bool")]
    [TestCase("float")]
    [TestCase("scale")]
    [TestCase("empty_row")]
    public void ScaledDotProductAttentionMatchesPyTorch(string variant)
    {
        using var r = TorchReferenceFile.Load("scaled_dot_product_attention", device);
        string p = variant + ".";
        using var q = r[p + "query"].Detach();
        using var k = r[p + "key"].Detach();
        using var v = r[p + "value"].Detach();
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        Tensor? mask = r.Names.Contains(p + "mask") ? r[p + "mask"] : null;
        using var y = Functional.ScaledDotProductAttention(q, k, v, mask, isCausal: variant == "causal", scale: variant == "scale" ? 0.3 : null);
        using var weighted = y * r[p + "upstream"];
        using var loss = weighted.Sum();
        loss.Backward();
        r.AssertClose(p + "output", y);
        r.AssertClose(p + "grad_query", q.Grad!);
        r.AssertClose(p + "grad_key", k.Grad!);
        r.AssertClose(p + "grad_value", v.Grad!);
    }

    [TestCase("")]
    [TestCase("kv.")]
    public void MultiheadAttentionMatchesPyTorch(string prefix)
    {
        using var r = TorchReferenceFile.Load("multihead_attention", device);
        using var q = r[prefix + "query"].Detach();
        using var k = r[prefix + "key"].Detach();
        using var v = r[prefix + "value"].Detach();
        using var mha = new MultiheadAttention(4, 2, kdim: k.Shape[^1], vdim: v.Shape[^1], device: device, dtype: DType.Float64);
        mha.Eval();
        var state = StateOf(r, prefix + "state.");
        var loaded = mha.LoadStateDict(state);
        Assert.That(loaded.MissingKeys, Is.Empty);
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var (y, w) = mha.Forward(q, k, v, r[prefix + "key_padding_mask"], needWeights: true, attnMask: r[prefix + "attn_mask"]);
        using (y)
        using (w)
        {
            using var a = (y * r[prefix + "upstream"]).Sum();
            using var b = (w! * r[prefix + "upstream_weights"]).Sum();
            using var loss = a + b;
            loss.Backward();
            r.AssertClose(prefix + "output", y);
            r.AssertClose(prefix + "weights", w!);
        }
        r.AssertClose(prefix + "grad_query", q.Grad!);
        r.AssertClose(prefix + "grad_key", k.Grad!);
        r.AssertClose(prefix + "grad_value", v.Grad!);
        foreach (var (name, parameter) in mha.NamedParameters()) r.AssertClose(prefix + "grad." + name, parameter.Grad!);
    }

    /// <summary>The tensors written under <paramref name="prefix"/>, keyed by the rest of their name.</summary>
    internal static Dictionary<string, Tensor> StateOf(TorchReferenceFile r, string prefix)
        => r.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n[prefix.Length..], n => r[n]);
}
