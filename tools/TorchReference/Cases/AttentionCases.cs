using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// F.scaled_dot_product_attention on float64 [1, 2, L=4, E=3] queries and [1, 2, S=6, ·] keys/values: with no mask, causal,
/// a Bool mask, a float mask, and a scale (libtorch's functional has no scale argument here: the query is multiplied by
/// scale·√E inside the graph). Each variant writes its inputs, mask, output and the gradients of Σ output·upstream.
/// </summary>
internal sealed class ScaledDotProductAttentionCase : IReferenceCase
{
    public string Name => "scaled_dot_product_attention";

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        Variant(w, "plain", null, false, null);
        Variant(w, "causal", null, true, null);
        using var boolMask = rand(1, 1, 4, 6, dtype: float64) > 0.3;
        boolMask[.., .., .., 0] = tensor(true); // every row keeps a key
        Variant(w, "bool", boolMask, false, null);
        using var floatMask = randn(4, 6, dtype: float64);
        Variant(w, "float", floatMask, false, null);
        Variant(w, "scale", null, false, 0.3);
        // A Bool mask that hides every key of one row: what libtorch returns there.
        using var empty = ones(4, 6, dtype: ScalarType.Bool);
        empty[1] = tensor(false);
        Variant(w, "empty_row", empty, false, null);
    }

    private static void Variant(ReferenceWriter w, string name, Tensor? mask, bool causal, double? scale)
    {
        using var q = randn(1, 2, 4, 3, dtype: float64, requires_grad: true);
        using var k = randn(1, 2, 6, 3, dtype: float64, requires_grad: true);
        using var v = randn(1, 2, 6, 2, dtype: float64, requires_grad: true);
        using var up = randn(1, 2, 4, 2, dtype: float64);
        using var qs = scale is double s ? q * (s * Math.Sqrt(3)) : q.alias();
        using var y = nn.functional.scaled_dot_product_attention(qs, k, v, mask, 0.0, causal);
        (y.nan_to_num() * up).sum().backward();
        w.Add($"{name}.query", q);
        w.Add($"{name}.key", k);
        w.Add($"{name}.value", v);
        w.Add($"{name}.upstream", up);
        if (mask is not null) w.Add($"{name}.mask", mask);
        w.Add($"{name}.output", y);
        w.Add($"{name}.grad_query", q.grad!);
        w.Add($"{name}.grad_key", k.grad!);
        w.Add($"{name}.grad_value", v.grad!);
    }
}

/// <summary>
/// nn.MultiheadAttention(4, 2) in float64 ([L=3, N=2, E=4] query, [S=4, N=2, 4] key and value) with a Bool key padding
/// mask and a float attention mask, need_weights (averaged): output, weights, gradients of Σ output·u + Σ weights·u2 for the
/// inputs and every parameter, and the state dict; then the same for kdim = vdim = 3 (separate q, k, v projection weights; libtorch's C++ module needs equal key and value sizes; prefix "kv.").
/// </summary>
internal sealed class MultiheadAttentionCase : IReferenceCase
{
    public string Name => "multihead_attention";

    public void Write(ReferenceWriter w)
    {
        manual_seed(29);
        Run(w, "", 4, 4);
        Run(w, "kv.", 3, 3);
    }

    private static void Run(ReferenceWriter w, string prefix, long kdim, long vdim)
    {
        using var mha = nn.MultiheadAttention(4, 2, kdim: kdim, vdim: vdim);
        mha.to(float64);
        mha.eval();
        using var q = randn(3, 2, 4, dtype: float64, requires_grad: true);
        using var k = randn(4, 2, kdim, dtype: float64, requires_grad: true);
        using var v = randn(4, 2, vdim, dtype: float64, requires_grad: true);
        using var padding = zeros(2, 4, dtype: ScalarType.Bool);
        padding[0, 3] = tensor(true);
        padding[1, 1] = tensor(true);
        using var mask = randn(3, 4, dtype: float64);
        var (y, weights) = mha.forward(q, k, v, padding, true, mask);
        using var u = randn(y.shape, dtype: float64);
        using var u2 = randn(weights.shape, dtype: float64);
        ((y * u).sum() + (weights * u2).sum()).backward();
        w.Add(prefix + "query", q);
        w.Add(prefix + "key", k);
        w.Add(prefix + "value", v);
        w.Add(prefix + "key_padding_mask", padding);
        w.Add(prefix + "attn_mask", mask);
        w.Add(prefix + "upstream", u);
        w.Add(prefix + "upstream_weights", u2);
        w.Add(prefix + "output", y);
        w.Add(prefix + "weights", weights);
        w.Add(prefix + "grad_query", q.grad!);
        w.Add(prefix + "grad_key", k.grad!);
        w.Add(prefix + "grad_value", v.grad!);
        foreach (var (name, p) in mha.named_parameters())
        {
            w.Add(prefix + "state." + name, p);
            w.Add(prefix + "grad." + name, p.grad!);
        }
        y.Dispose();
        weights.Dispose();
    }
}

/// <summary>
/// Transformer layers in float64 with dropout 0 (d_model 4, 2 heads, feed-forward 8): libtorch's TransformerEncoderLayer
/// (post-norm, ReLU) on [L=5, N=2, 4] with a causal float mask and a Bool key padding mask; a pre-norm GELU encoder layer
/// assembled from libtorch's MultiheadAttention, Linear and LayerNorm exactly as PyTorch's norm_first forward
/// (x + sa(norm1(x)); x + ff(norm2(x))), written under TransformerEncoderLayer's parameter names (prefix "pre."); and
/// libtorch's TransformerDecoderLayer on tgt [4, 2, 4], memory [5, 2, 4] with a causal target mask and a memory key
/// padding mask. Each writes outputs, input gradients and every parameter's value and gradient for Σ output·upstream.
/// </summary>
internal sealed class TransformerLayersCase : IReferenceCase
{
    public string Name => "transformer_layers";

    public void Write(ReferenceWriter w)
    {
        manual_seed(31);
        using var causal = triu(full(5, 5, double.NegativeInfinity, dtype: float64), 1);
        using var padding = zeros(2, 5, dtype: ScalarType.Bool);
        padding[1, 4] = tensor(true);
        w.Add("src_mask", causal);
        w.Add("src_key_padding_mask", padding);

        // Post-norm ReLU encoder layer.
        using (var layer = nn.TransformerEncoderLayer(4, 2, 8, 0.0, nn.Activations.ReLU))
        {
            layer.to(float64);
            layer.eval();
            using var src = randn(5, 2, 4, dtype: float64, requires_grad: true);
            using var y = layer.call(src, causal, padding);
            using var up = randn(y.shape, dtype: float64);
            (y * up).sum().backward();
            WriteAll(w, "post.", layer, src, up, y);
        }

        // Pre-norm GELU encoder layer, assembled.
        {
            using var sa = nn.MultiheadAttention(4, 2);
            using var linear1 = nn.Linear(4, 8);
            using var linear2 = nn.Linear(8, 4);
            using var norm1 = nn.LayerNorm(4);
            using var norm2 = nn.LayerNorm(4);
            var parts = new (string Name, nn.Module Module)[] { ("self_attn.", sa), ("linear1.", linear1), ("linear2.", linear2), ("norm1.", norm1), ("norm2.", norm2) };
            foreach (var (_, m) in parts)
            {
                m.to(float64);
                m.eval();
                // Non-trivial norm parameters, so their gradients and values are checked too.
                using var noGrad = no_grad();
                foreach (var (pn, p) in m.named_parameters()) if (m is TorchSharp.Modules.LayerNorm) p.add_(randn(p.shape, dtype: float64) * 0.1);
            }
            using var src = randn(5, 2, 4, dtype: float64, requires_grad: true);
            using var h1 = norm1.forward(src);
            var (a, aw) = sa.forward(h1, h1, h1, padding, false, causal);
            using var x1 = src + a;
            using var h2 = norm2.forward(x1);
            using var f = linear2.forward(nn.functional.gelu(linear1.forward(h2)));
            using var y = x1 + f;
            using var up = randn(y.shape, dtype: float64);
            (y * up).sum().backward();
            w.Add("pre.input", src);
            w.Add("pre.upstream", up);
            w.Add("pre.output", y);
            w.Add("pre.grad_input", src.grad!);
            foreach (var (prefix, m) in parts)
            {
                foreach (var (pn, p) in m.named_parameters())
                {
                    w.Add("pre.state." + prefix + pn, p);
                    w.Add("pre.grad." + prefix + pn, p.grad!);
                }
            }
            a.Dispose();
            aw?.Dispose();
        }

        // Post-norm ReLU decoder layer.
        using (var layer = nn.TransformerDecoderLayer(4, 2, 8, 0.0, nn.Activations.ReLU))
        {
            layer.to(float64);
            layer.eval();
            using var tgtMask = triu(full(4, 4, double.NegativeInfinity, dtype: float64), 1);
            using var tgt = randn(4, 2, 4, dtype: float64, requires_grad: true);
            using var memory = randn(5, 2, 4, dtype: float64, requires_grad: true);
            using var y = layer.call(tgt, memory, tgtMask, null, null, padding);
            using var up = randn(y.shape, dtype: float64);
            (y * up).sum().backward();
            w.Add("dec.tgt_mask", tgtMask);
            w.Add("dec.memory", memory);
            w.Add("dec.grad_memory", memory.grad!);
            WriteAll(w, "dec.", layer, tgt, up, y);
        }
    }

    private static void WriteAll(ReferenceWriter w, string prefix, nn.Module layer, Tensor input, Tensor up, Tensor y)
    {
        w.Add(prefix + "input", input);
        w.Add(prefix + "upstream", up);
        w.Add(prefix + "output", y);
        w.Add(prefix + "grad_input", input.grad!);
        foreach (var (name, p) in layer.named_parameters())
        {
            w.Add(prefix + "state." + name, p);
            w.Add(prefix + "grad." + name, p.grad!);
        }
    }
}

/// <summary>
/// nn.Transformer in float64 (d_model 4, 2 heads, 2 encoder and 2 decoder layers, feed-forward 8) on src [5, 2, 4] and
/// tgt [4, 2, 4] with a causal target mask (generate_square_subsequent_mask), a float memory mask and the three key
/// padding masks. Prefix "eval.": built with dropout 0.1 and run in eval mode (dropout off); prefix "train.": built with
/// dropout 0 and run in training mode. Each writes the state dict, inputs, output and the gradients of Σ output·upstream
/// for src, tgt and every parameter.
/// </summary>
internal sealed class TransformerCase : IReferenceCase
{
    public string Name => "transformer";

    public void Write(ReferenceWriter w)
    {
        manual_seed(37);
        using var tgtMask = triu(full(4, 4, double.NegativeInfinity, dtype: float64), 1);
        using var memoryMask = randn(4, 5, dtype: float64);
        using var srcPadding = zeros(2, 5, dtype: ScalarType.Bool);
        srcPadding[1, 4] = tensor(true);
        using var tgtPadding = zeros(2, 4, dtype: ScalarType.Bool);
        tgtPadding[0, 3] = tensor(true);
        using var memoryPadding = zeros(2, 5, dtype: ScalarType.Bool);
        memoryPadding[0, 2] = tensor(true);
        w.Add("tgt_mask", tgtMask);
        w.Add("memory_mask", memoryMask);
        w.Add("src_key_padding_mask", srcPadding);
        w.Add("tgt_key_padding_mask", tgtPadding);
        w.Add("memory_key_padding_mask", memoryPadding);
        Run(w, "eval.", 0.1, training: false, tgtMask, memoryMask, srcPadding, tgtPadding, memoryPadding);
        Run(w, "train.", 0.0, training: true, tgtMask, memoryMask, srcPadding, tgtPadding, memoryPadding);
    }

    private static void Run(ReferenceWriter w, string prefix, double dropout, bool training, Tensor tgtMask, Tensor memoryMask, Tensor srcPadding,
        Tensor tgtPadding, Tensor memoryPadding)
    {
        using var model = nn.Transformer(4, 2, 2, 2, 8, dropout, nn.Activations.ReLU);
        model.to(float64);
        model.train(training);
        {
            // Non-trivial layer norm parameters, so their values and gradients are checked too.
            using var noGrad = no_grad();
            foreach (var (name, p) in model.named_parameters()) if (name.Contains("norm", StringComparison.Ordinal)) p.add_(randn(p.shape, dtype: float64) * 0.1);
        }
        using var src = randn(5, 2, 4, dtype: float64, requires_grad: true);
        using var tgt = randn(4, 2, 4, dtype: float64, requires_grad: true);
        using var y = model.call(src, tgt, src_mask: null!, tgt_mask: tgtMask, memory_mask: memoryMask, src_key_padding_mask: srcPadding, tgt_key_padding_mask: tgtPadding, memory_key_padding_mask: memoryPadding);
        using var up = randn(y.shape, dtype: float64);
        (y * up).sum().backward();
        w.Add(prefix + "src", src);
        w.Add(prefix + "tgt", tgt);
        w.Add(prefix + "upstream", up);
        w.Add(prefix + "output", y);
        w.Add(prefix + "grad_src", src.grad!);
        w.Add(prefix + "grad_tgt", tgt.grad!);
        foreach (var (name, p) in model.named_parameters())
        {
            w.Add(prefix + "state." + name, p);
            w.Add(prefix + "grad." + name, p.grad!);
        }
    }
}
