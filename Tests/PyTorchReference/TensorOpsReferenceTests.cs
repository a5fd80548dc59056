using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Sort (stable, NaN, both directions, dim 0), TopK, CumProd (gradient at zeros), Roll, Flip, Tril/Triu, Repeat,
/// RepeatInterleave and Einsum (with gradients) against libtorch (tools/TorchReference/Cases/TensorOpsCase.cs).
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class TensorOpsReferenceTests(Device device)
{
    [Test]
    public void SortAndTopKMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("tensor_ops", device);
        var s = r["sort_input"];
        Compare(r, s.Sort(1, stable: true), "sort_values", "sort_indices");
        Compare(r, s.Sort(1, descending: true, stable: true), "sort_desc_values", "sort_desc_indices");
        Compare(r, s.Sort(0, stable: true), "sort_dim0_values", "sort_dim0_indices");
        var t = r["topk_input"];
        Compare(r, t.TopK(3, 1), "topk_values", "topk_indices");
        Compare(r, t.TopK(2, 0, largest: false), "topk_smallest_values", "topk_smallest_indices");
    }

    private static void Compare(TorchReferenceFile r, (Tensor Values, Tensor Indices) result, string values, string indices)
    {
        using (result.Values)
        using (result.Indices)
        {
            r.AssertClose(values, result.Values);
            Assert.That(result.Indices.ToArray<long>(), Is.EqualTo(r[indices].ToArray<long>()), indices);
        }
    }

    [Test]
    public void CumProdAndItsGradientAtZerosMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("tensor_ops", device);
        using var x = r["cumprod_input"].Detach();
        x.RequiresGrad = true;
        using var y = x.CumProd(1);
        using var loss = (y * r["cumprod_upstream"]).Sum();
        loss.Backward();
        r.AssertClose("cumprod_output", y);
        r.AssertClose("cumprod_grad", x.Grad!);
    }

    [Test]
    public void RearrangementsMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("tensor_ops", device);
        var x = r["rearrange_input"];
        using (var y = x.Roll([2, -1], [1, 0])) r.AssertClose("roll", y);
        using (var y = x.Roll([5])) r.AssertClose("roll_flat", y);
        using (var y = x.Flip(0, 1)) r.AssertClose("flip", y);
        using (var y = x.Tril(1)) r.AssertClose("tril", y);
        using (var y = x.Triu(-1)) r.AssertClose("triu", y);
        using (var y = x.Repeat(2, 1, 2)) r.AssertClose("repeat", y);
        using var counts = Tensor.FromArray(new long[] { 2, 0, 1 }, [3], device);
        using (var y = x.RepeatInterleave(counts, 0)) r.AssertClose("repeat_interleave", y);
    }

    [Test]
    public void EinsumAndItsGradientsMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("tensor_ops", device);
        using var a = r["einsum_a"].Detach();
        using var b = r["einsum_b"].Detach();
        using var d = r["einsum_d"].Detach();
        a.RequiresGrad = b.RequiresGrad = d.RequiresGrad = true;
        using var y = Tensor.Einsum("bij,jk,bkk->bik", a, b, d);
        using var loss = (y * r["einsum_upstream"]).Sum();
        loss.Backward();
        r.AssertClose("einsum_output", y);
        r.AssertClose("einsum_grad_a", a.Grad!);
        r.AssertClose("einsum_grad_b", b.Grad!);
        r.AssertClose("einsum_grad_d", d.Grad!);
    }
}
