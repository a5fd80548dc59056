namespace CudaTensor.Optim;

/// <summary>
/// The fused in-place updates PyTorch's optimizers are written with (<c>lerp_</c>, <c>addcmul_</c>, <c>addcdiv_</c>),
/// composed from elementwise ops in the same order of operations. Callers run inside a dispose scope, so the
/// temporaries need no disposing.
/// </summary>
internal static class UpdateOps
{
    /// <summary>self = self + weight·(end - self), computed as PyTorch's lerp: from the nearer end for weight ≥ 0.5.</summary>
    public static void LerpInPlace(Tensor self, Tensor end, double weight)
    {
        var diff = end - self;
        if (Math.Abs(weight) < 0.5)
        {
            self.AddInPlace(diff.MulInPlace(weight));
        }
        else
        {
            diff.MulInPlace(1 - weight);
            self.CopyFrom(end);
            self.SubInPlace(diff);
        }
    }

    /// <summary>self += value·t1·t2.</summary>
    public static void AddcmulInPlace(Tensor self, Tensor t1, Tensor t2, double value)
        => self.AddInPlace((t1 * t2).MulInPlace(value));

    /// <summary>self += value·(t1 / t2).</summary>
    public static void AddcdivInPlace(Tensor self, Tensor t1, Tensor t2, double value)
        => self.AddInPlace((t1 / t2).MulInPlace(value));
}
