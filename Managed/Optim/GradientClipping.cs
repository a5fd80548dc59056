namespace CudaTensor.Optim;

/// <summary>Gradient clipping, as <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their total norm (the
    /// <paramref name="normType"/>-norm of all gradients taken as one vector) is at most <paramref name="maxNorm"/>,
    /// exactly as PyTorch: <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, and every gradient is multiplied by it.
    /// Parameters without a gradient are skipped.
    /// </summary>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="normType"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="errorIfNonfinite"/> and the norm is NaN or infinite.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, $"{nameof(ClipGradNorm)}: the norm type must be positive (2, 1, infinity, ...).");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        using var noGrad = Autograd.NoGrad();
        using var scope = Tensor.NewScope();
        // Per-gradient norms, then the norm of those norms, in the gradients' dtype as PyTorch does.
        var dtype = grads.Select(g => g.DType).Aggregate(DTypes.Promote);
        var norms = grads.Select(g => g.Norm(normType).To(dtype)).ToList();
        var total = Tensor.Stack(norms).Norm(normType);
        double totalNorm = total.ToDouble();
        if (errorIfNonfinite && !double.IsFinite(totalNorm))
            throw new InvalidOperationException(
                $"{nameof(ClipGradNorm)}: the total norm of order {normType} of the gradients is {totalNorm}, so they cannot be clipped. Pass errorIfNonfinite: false to skip this check.");
        var coef = (maxNorm / (total + 1e-6)).ClampInPlace(max: 1.0);
        foreach (var g in grads)
        {
            using var c = coef.To(g.DType);
            g.MulInPlace(c);
        }
        return totalNorm;
    }

    /// <summary>Clamps every gradient element of <paramref name="parameters"/> to [-<paramref name="clipValue"/>, <paramref name="clipValue"/>] in place.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative or NaN.</exception>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, $"{nameof(ClipGradValue)}: the clip value must be >= 0.");
        using var noGrad = Autograd.NoGrad();
        foreach (var p in parameters)
        {
            p.Grad?.ClampInPlace(-clipValue, clipValue);
        }
    }
}
