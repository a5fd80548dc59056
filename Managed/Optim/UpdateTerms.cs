namespace CudaTensor.Optim;

/// <summary>The first lines every <c>torch.optim</c> update shares: the sign flip of <c>maximize</c> and weight decay.</summary>
internal static class UpdateTerms
{
    /// <summary>
    /// The gradient the update uses: negated when the group's <c>"maximize"</c> is set, plus <c>weight_decay·p</c> (L2)
    /// unless <paramref name="decoupled"/>, in which case the parameter itself is first shrunk by
    /// <c>1 - lr·weight_decay</c> (AdamW's decoupled decay). Called inside the step's dispose scope.
    /// </summary>
    public static Tensor Gradient(ParamGroup group, Tensor param, Tensor grad, bool decoupled = false)
    {
        var g = group.Flag("maximize") ? -grad : grad;
        double weightDecay = group["weight_decay"];
        if (weightDecay == 0) return g;
        if (decoupled)
        {
            param.MulInPlace(1 - group.Lr * weightDecay);
            return g;
        }
        return g.Add(param, weightDecay);
    }
}
