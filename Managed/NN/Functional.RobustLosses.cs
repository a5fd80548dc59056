using System.Globalization;

namespace CudaTensor.NN;

// The regression losses that are quadratic near zero and linear beyond a threshold. Both are composed with Where, so
// the gradient is d/β (or d) inside and ±1 (or ±δ) outside, exactly PyTorch's.
public static partial class Functional
{
    /// <summary>
    /// Smooth L1 loss (PyTorch's <c>F.smooth_l1_loss</c>): with d = input - target, 0.5·d²/β where |d| &lt; β and
    /// |d| - 0.5·β elsewhere, reduced. β = 0 gives the L1 loss, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative or NaN.</exception>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        CheckSameShape(input, target, nameof(SmoothL1Loss));
        if (!(beta >= 0))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"{nameof(SmoothL1Loss)}: beta must be non-negative, got {beta.ToString(CultureInfo.InvariantCulture)}.");
        if (beta == 0) return L1Loss(input, target, reduction);
        using var diff = input - target;
        using var abs = diff.Abs();
        using var inside = abs.Lt(beta);
        using var square = diff.Square();
        using var quadratic = square * (0.5 / beta);
        using var linear = abs - 0.5 * beta;
        return Reduce(Tensor.Where(inside, quadratic, linear), reduction);
    }

    /// <summary>
    /// Huber loss (PyTorch's <c>F.huber_loss</c>): with d = input - target, 0.5·d² where |d| &lt; δ and
    /// δ·(|d| - 0.5·δ) elsewhere, reduced; it equals δ times the smooth L1 loss with β = δ.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not positive.</exception>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        CheckSameShape(input, target, nameof(HuberLoss));
        if (!(delta > 0))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"{nameof(HuberLoss)}: delta must be positive, got {delta.ToString(CultureInfo.InvariantCulture)}.");
        using var diff = input - target;
        using var abs = diff.Abs();
        using var inside = abs.Lt(delta);
        using var square = diff.Square();
        using var quadratic = square * 0.5;
        using var shifted = abs - 0.5 * delta;
        using var linear = shifted * delta;
        return Reduce(Tensor.Where(inside, quadratic, linear), reduction);
    }
}
