using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// Tensor ops on small float64 inputs with ties, NaN and zeros: stable sort (both directions), topk, cumprod with its
/// gradient at zeros, roll, flip, tril/triu, repeat/repeat_interleave and einsum with gradients.
/// </summary>
internal sealed class TensorOpsCase : IReferenceCase
{
    public string Name => "tensor_ops";

    public void Write(ReferenceWriter w)
    {
        manual_seed(37);
        using var s = tensor(new double[] { 2, double.NaN, 1, 2, -1, double.NaN, 1, 0, 3, 1, 1, -2 }, dtype: float64).reshape(2, 6);
        w.Add("sort_input", s);
        var (sv, si) = s.sort(1, false, true);
        w.Add("sort_values", sv);
        w.Add("sort_indices", si);
        var (dv, di) = s.sort(1, true, true);
        w.Add("sort_desc_values", dv);
        w.Add("sort_desc_indices", di);
        var (d0v, d0i) = s.sort(0, false, true);
        w.Add("sort_dim0_values", d0v);
        w.Add("sort_dim0_indices", d0i);

        using var t = randn(new long[] { 3, 7 }, dtype: float64);
        w.Add("topk_input", t);
        var (tv, ti) = t.topk(3, 1, true, true);
        w.Add("topk_values", tv);
        w.Add("topk_indices", ti);
        var (bv, bi) = t.topk(2, 0, false, true);
        w.Add("topk_smallest_values", bv);
        w.Add("topk_smallest_indices", bi);

        using var c = tensor(new double[] { 1.5, 0, -2, 0.5, 3, 0, 2, 0, 0, -1, 4, 2 }, dtype: float64).reshape(2, 6).requires_grad_(true);
        using var cy = c.cumprod(1);
        using var cu = randn(cy.shape, dtype: float64);
        (cy * cu).sum().backward();
        w.Add("cumprod_input", c);
        w.Add("cumprod_upstream", cu);
        w.Add("cumprod_output", cy);
        w.Add("cumprod_grad", c.grad!);

        using var r = randn(new long[] { 3, 4 }, dtype: float64);
        w.Add("rearrange_input", r);
        w.Add("roll", r.roll(new long[] { 2, -1 }, new long[] { 1, 0 }));
        // torch.roll(x, 5) with no dims rolls the flattened tensor; TorchSharp's overload without dims rolls dimension 0, so spell it out.
        w.Add("roll_flat", r.flatten().roll(new long[] { 5 }, new long[] { 0 }).reshape(3, 4));
        w.Add("flip", r.flip(0, 1));
        w.Add("tril", r.tril(1));
        w.Add("triu", r.triu(-1));
        w.Add("repeat", r.repeat(2, 1, 2));
        w.Add("repeat_interleave", r.repeat_interleave(tensor(new long[] { 2, 0, 1 }), 0));

        using var a = randn(new long[] { 2, 3, 4 }, dtype: float64, requires_grad: true);
        using var b = randn(new long[] { 4, 5 }, dtype: float64, requires_grad: true);
        using var d = randn(new long[] { 2, 5, 5 }, dtype: float64, requires_grad: true);
        using var e = einsum("bij,jk,bkk->bik", a, b, d);
        using var eu = randn(e.shape, dtype: float64);
        (e * eu).sum().backward();
        w.Add("einsum_a", a);
        w.Add("einsum_b", b);
        w.Add("einsum_d", d);
        w.Add("einsum_upstream", eu);
        w.Add("einsum_output", e);
        w.Add("einsum_grad_a", a.grad!);
        w.Add("einsum_grad_b", b.grad!);
        w.Add("einsum_grad_d", d.grad!);
    }
}
