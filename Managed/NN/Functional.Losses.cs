using CudaTensor.Backends;

namespace CudaTensor.NN;

// Loss functions with PyTorch's definitions, reductions and edge cases (weighted means, ignored targets,
// log clamping). Classification losses go through LogSoftmax, which subtracts the row maximum, so logits of
// any size are safe.
public static partial class Functional
{
    /// <summary>Mean squared error: (input - target)², reduced.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(input, target, nameof(MseLoss));
        using var diff = input - target;
        return Reduce(diff.Square(), reduction);
    }

    /// <summary>Mean absolute error: |input - target|, reduced.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(input, target, nameof(L1Loss));
        using var diff = input - target;
        return Reduce(diff.Abs(), reduction);
    }

    /// <summary>
    /// Negative log-likelihood of class indices: loss_i = -weight[t_i] · input[i, t_i] for log-probabilities
    /// <paramref name="input"/> [N, C] (or [C], or [N, C, d1, ...]) and <paramref name="target"/> [N] (or [], or
    /// [N, d1, ...]). Targets equal to <paramref name="ignoreIndex"/> contribute 0 and are left out of the mean,
    /// which divides by the sum of the weights of the counted targets (NaN when none is counted, as in PyTorch).
    /// </summary>
    /// <exception cref="ArgumentException">The target's dtype or shape does not fit the input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is neither a class index in [0, C) nor <paramref name="ignoreIndex"/>.</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        using var t = ClassTarget(input, target, weight, ignoreIndex, nameof(NllLoss));
        return t.Nll(input, reduction);
    }

    /// <summary>
    /// Cross-entropy between logits <paramref name="input"/> [N, C] (or [C], or [N, C, d1, ...]) and either class
    /// indices (an integer <paramref name="target"/> of shape [N] / [] / [N, d1, ...]) or class probabilities (a
    /// floating <paramref name="target"/> of the input's shape), with PyTorch's definitions: class indices take one fused
    /// pass per sample (log-sum-exp, loss, and in backward the softmax gradient), probabilities go through
    /// <see cref="Tensor.LogSoftmax"/>. <paramref name="weight"/> [C] rescales each class; with class indices the
    /// mean divides by the total weight of the counted targets, with probabilities by the number of samples.
    /// <paramref name="labelSmoothing"/> ε mixes the target with the uniform distribution: (1 - ε)·target + ε/C.
    /// </summary>
    /// <exception cref="ArgumentException">The logits are not floating point, the target's dtype or shape does not fit, or ignoreIndex is used with probabilities.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index is out of range, or <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"{nameof(CrossEntropy)}: labelSmoothing must be in [0, 1].");
        CheckLogits(input, nameof(CrossEntropy));
        if (input.Dim == 0)
            throw new ArgumentException($"{nameof(CrossEntropy)}: the input must have a class dimension, got a 0-d tensor.", nameof(input));
        int classDim = input.Dim == 1 ? 0 : 1;
        long classes = input.Shape[classDim];
        if (target.DType.IsFloatingPoint() && target.Shape.SequenceEqual(input.Shape))
        {
            if (ignoreIndex >= 0)
                throw new ArgumentException($"{nameof(CrossEntropy)}: ignoreIndex is not supported with class-probability targets (got {ignoreIndex}).", nameof(ignoreIndex));
            return ProbabilityCrossEntropy(input, target, weight, reduction, labelSmoothing, classDim, classes);
        }
        if (CanFuseCrossEntropy(input, weight, classes))
            return FusedCrossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing, classDim);
        return ComposedCrossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    // The fused primitive needs a backend with IFusedCrossEntropy, Float32 or Float64 logits, weights of that dtype on the same device, and weights without gradient
    // (PyTorch does not differentiate class weights either; the composed path does, so such calls keep it).
    private static bool CanFuseCrossEntropy(Tensor input, Tensor? weight, long classes)
        => (input.DType is DType.Float32 or DType.Float64) && classes > 0 && input.Backend is IFusedCrossEntropy
           && (weight is null || (weight.DType == input.DType && weight.Device == input.Device && !(weight.RequiresGrad && Autograd.IsGradEnabled)));

    private static Tensor FusedCrossEntropy(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction, double labelSmoothing, int classDim)
    {
        CheckClassTarget(input, target, nameof(CrossEntropy));
        if (weight is not null) ClassWeightView(weight, input, classDim, nameof(CrossEntropy)).Dispose();
        var (loss, rowWeight) = Tensor.CrossEntropyRows(input, target, weight, ignoreIndex, labelSmoothing, nameof(CrossEntropy));
        using (rowWeight)
        {
            if (reduction == Reduction.None) return loss;
            using (loss)
            {
                if (reduction == Reduction.Sum) return loss.Sum();
                // Σ loss / Σ w[t] over the counted targets: NaN when none is counted, as in PyTorch.
                using var total = loss.Sum();
                using var weightSum = rowWeight.Sum();
                return total / weightSum;
            }
        }
    }

    /// <summary>
    /// Cross-entropy with class indices composed from LogSoftmax, Gather and reductions: the definition the fused path
    /// implements, kept as the reference of the tests and for the calls the fused path does not take.
    /// </summary>
    internal static Tensor ComposedCrossEntropy(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction, double labelSmoothing)
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        long classes = input.Shape[classDim];
        using var ct = ClassTarget(input, target, weight, ignoreIndex, nameof(CrossEntropy));
        using var logp = input.LogSoftmax(classDim);
        var nll = ct.Nll(logp, reduction);
        if (labelSmoothing == 0) return nll;

        // The uniform part: -Σ_c w_c log p_c per sample, zero where ignored; its mean uses the same denominator as the NLL.
        using var weighted = weight is null ? null : logp * ct.ClassWeightView!;
        using var perSampleSum = (weighted ?? logp).Sum(classDim);
        using var negated = -perSampleSum;
        using var smooth = Tensor.Where(ct.Ignored, 0.0, negated);
        // Disposing twice is harmless, so smooth itself may stand for the unreduced value.
        using var smoothReduced = reduction switch
        {
            Reduction.None => smooth,
            Reduction.Sum => smooth.Sum(),
            _ => ct.MeanOf(smooth),
        };
        using (nll)
        using (var a = nll * (1 - labelSmoothing))
        using (var b = smoothReduced * (labelSmoothing / classes))
            return a + b;
    }

    private static Tensor ProbabilityCrossEntropy(Tensor input, Tensor target, Tensor? weight, Reduction reduction, double labelSmoothing, int classDim, long classes)
    {
        using var logp = input.LogSoftmax(classDim);
        using var smoothed = labelSmoothing > 0 ? Smooth(target, labelSmoothing, classes) : null;
        using var product = logp * (smoothed ?? target);
        using var weightView = weight is null ? null : ClassWeightView(weight, input, classDim, nameof(CrossEntropy));
        using var weighted = weightView is null ? null : product * weightView;
        var terms = weighted ?? product;
        switch (reduction)
        {
            case Reduction.None:
            {
                using var s = terms.Sum(classDim);
                return -s;
            }
            case Reduction.Sum:
            {
                using var s = terms.Sum();
                return -s;
            }
            default:
            {
                // Divides by the number of samples (elements over classes), not by the weights.
                using var s = terms.Sum();
                using var negated = -s;
                return negated / (double)(input.NumElements / Math.Max(classes, 1));
            }
        }
    }

    private static Tensor Smooth(Tensor target, double labelSmoothing, long classes)
    {
        using var scaled = target * (1 - labelSmoothing);
        return scaled + labelSmoothing / classes;
    }

    /// <summary>
    /// Binary cross-entropy of probabilities <paramref name="input"/> in [0, 1] against <paramref name="target"/>:
    /// -w·(t·log x + (1 - t)·log(1 - x)), with each log clamped to at least -100 so that x = 0 or 1 gives a finite
    /// loss (as PyTorch). The gradient is PyTorch's w·(x - t) / max(x(1 - x), 1e-12), finite everywhere.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ, or an input is outside [0, 1].</exception>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(input, target, nameof(BinaryCrossEntropy));
        using (Autograd.NoGrad())
        using (var outside = input.Lt(0).LogicalOr(input.Gt(1)))
        using (var any = outside.Any())
        {
            if (any.Item<bool>())
                throw new ArgumentException($"{nameof(BinaryCrossEntropy)}: all elements of the input must be probabilities in [0, 1]. Apply Sigmoid first, or use BinaryCrossEntropyWithLogits.", nameof(input));
        }
        var loss = Autograd.Function("BinaryCrossEntropyBackward", [input, target], BceForward, BceBackward);
        if (weight is not null)
        {
            using var unweighted = loss;
            loss = unweighted * weight;
        }
        return Reduce(loss, reduction);
    }

    private static Tensor BceForward(Tensor[] xs)
    {
        var (x, t) = (xs[0], xs[1]);
        using var logX = ClampedLog(x);
        using var oneMinusX = 1.0 - x;
        using var logOneMinusX = ClampedLog(oneMinusX);
        using var oneMinusT = 1.0 - t;
        using var a = t * logX;
        using var b = oneMinusT * logOneMinusX;
        using var sum = a + b;
        return -sum;
    }

    private static Tensor?[] BceBackward(Tensor g, Tensor[] xs)
    {
        var (x, t) = (xs[0], xs[1]);
        Tensor? gx = null, gt = null;
        if (x.RequiresGrad)
        {
            using var oneMinusX = 1.0 - x;
            using var denomRaw = oneMinusX * x;
            using var denom = denomRaw.Clamp(min: 1e-12);
            using var diff = x - t;
            using var ratio = diff / denom;
            gx = g * ratio;
        }
        if (t.RequiresGrad)
        {
            // d/dt = -(log x - log(1 - x)), with the same clamped logs as the forward.
            using var logX = ClampedLog(x);
            using var oneMinusX = 1.0 - x;
            using var logOneMinusX = ClampedLog(oneMinusX);
            using var diff = logOneMinusX - logX;
            gt = g * diff;
        }
        return [gx, gt];
    }

    private static Tensor ClampedLog(Tensor x)
    {
        using var log = x.Log();
        return log.Clamp(min: -100);
    }

    /// <summary>
    /// Binary cross-entropy on logits, computed stably as (1 - t)·x + (1 + (pos_weight - 1)·t)·softplus(-x)
    /// (softplus(-x) = -log σ(x)), so large logits neither overflow nor lose precision. <paramref name="posWeight"/>
    /// (broadcast along the last dimension, one per class) weighs the positive term; <paramref name="weight"/>
    /// rescales each element.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(input, target, nameof(BinaryCrossEntropyWithLogits));
        using var negInput = -input;
        using var softplus = negInput.Softplus();                 // -log σ(x)
        using var oneMinusT = 1.0 - target;
        using var linear = oneMinusT * input;
        Tensor loss;
        if (posWeight is null)
        {
            loss = linear + softplus;
        }
        else
        {
            using var pwMinusOne = posWeight - 1.0;
            using var scaled = pwMinusOne * target;
            using var logWeight = scaled + 1.0;
            using var positive = logWeight * softplus;
            loss = linear + positive;
        }
        if (weight is not null)
        {
            using var unweighted = loss;
            loss = unweighted * weight;
        }
        return Reduce(loss, reduction);
    }

    /// <summary>Applies the reduction to <paramref name="loss"/>, which it takes over (disposed unless returned).</summary>
    private static Tensor Reduce(Tensor loss, Reduction reduction)
    {
        if (reduction == Reduction.None) return loss;
        using (loss) return reduction == Reduction.Sum ? loss.Sum() : loss.Mean();
    }

    /// <summary>Classification losses take floating-point logits or log-probabilities; integer ones are a mix-up of input and target.</summary>
    internal static void CheckLogits(Tensor input, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{op}: the input (logits) must be floating point, got {input.DType.Name()} of shape {Fmt(input.Shape)}. " +
                "Pass the model's output as the input and the class indices as the target, or convert the logits with .To(DType.Float32).", nameof(input));
    }

    private static void CheckSameShape(Tensor input, Tensor target, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException(
                $"{op}: the target shape {Fmt(target.Shape)} differs from the input shape {Fmt(input.Shape)}; they must be equal. " +
                "Reshape the target (e.g. Unsqueeze(1) for a [N] target of an [N, 1] output).", nameof(target));
    }

    private static Tensor ClassWeightView(Tensor weight, Tensor input, int classDim, string op)
    {
        long classes = input.Shape[classDim];
        if (weight.Dim != 1 || weight.Shape[0] != classes)
            throw new ArgumentException($"{op}: the class weights must have shape [{classes}] (one per class), got {Fmt(weight.Shape)}.", nameof(weight));
        var shape = Enumerable.Repeat(1L, input.Dim).ToArray();
        shape[classDim] = classes;
        return weight.View(shape);
    }

    /// <summary>Validated class-index targets with their ignore mask and per-sample weights.</summary>
    private static ClassTargets ClassTarget(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, string op)
    {
        CheckClassTarget(input, target, op);
        int classDim = input.Dim == 1 ? 0 : 1;
        long classes = input.Shape[classDim];
        var expected = ExpectedTargetShape(input);
        var t64 = target.To(DType.Int64);
        var ignored = t64.Eq(ignoreIndex);
        using (var low = t64.Lt(0))
        using (var high = t64.Ge(classes))
        using (var outOfRange = low.LogicalOr(high))
        using (var notIgnored = ignored.LogicalNot())
        using (var bad = outOfRange.LogicalAnd(notIgnored))
        using (var any = bad.Any())
        {
            if (any.Item<bool>())
            {
                using var badValues = t64.MaskedSelect(bad);
                long first = badValues.ToArray<long>()[0];
                t64.Dispose();
                ignored.Dispose();
                throw new ArgumentOutOfRangeException(nameof(target), $"{op}: target {first} is out of bounds for {classes} classes (valid: 0..{classes - 1}, or ignoreIndex {ignoreIndex}).");
            }
        }
        var safe = Tensor.Where(ignored, 0L, t64);
        t64.Dispose();
        var weightView = weight is null ? null : ClassWeightView(weight, input, classDim, op);
        Tensor? sampleWeight = null;
        if (weight is not null)
        {
            using var flat = safe.Reshape(-1);
            using var picked = weight.IndexSelect(0, flat);
            using var shaped = picked.Reshape(expected);
            sampleWeight = Tensor.Where(ignored, 0.0, shaped);
        }
        return new ClassTargets(classDim, safe, ignored, sampleWeight, weightView);
    }

    /// <summary>Checks the dtype and shape of class-index targets (their range is checked where they are read).</summary>
    private static void CheckClassTarget(Tensor input, Tensor target, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Dim == 0)
            throw new ArgumentException($"{op}: the input must have a class dimension, got a 0-d tensor.", nameof(input));
        if (!target.DType.IsInteger())
            throw new ArgumentException(
                $"{op}: expected class indices (an Int64 target of shape {Fmt(ExpectedTargetShape(input))}) or, for cross-entropy, class probabilities " +
                $"(a floating target of the input's shape {Fmt(input.Shape)}); got a {target.DType.Name()} target of shape {Fmt(target.Shape)}.", nameof(target));
        var expected = ExpectedTargetShape(input);
        if (!target.Shape.SequenceEqual(expected))
            throw new ArgumentException($"{op}: expected a target of shape {Fmt(expected)} for an input of shape {Fmt(input.Shape)}, got {Fmt(target.Shape)}.", nameof(target));
    }

    private static long[] ExpectedTargetShape(Tensor input)
    {
        var shape = input.Shape.ToArray().ToList();
        shape.RemoveAt(input.Dim == 1 ? 0 : 1);
        return [.. shape];
    }

    /// <summary>Class indices with ignored entries replaced by 0, the ignore mask, and each sample's weight (0 where ignored).</summary>
    private sealed class ClassTargets(int classDim, Tensor safe, Tensor ignored, Tensor? sampleWeight, Tensor? classWeightView) : IDisposable
    {
        public Tensor Ignored { get; } = ignored;
        public Tensor? ClassWeightView { get; } = classWeightView;

        /// <summary>-w[t]·logp[t] per sample (0 where ignored), reduced.</summary>
        public Tensor Nll(Tensor logp, Reduction reduction)
        {
            using var index = safe.Unsqueeze(classDim);
            using var gathered = logp.Gather(classDim, index);
            using var picked = gathered.Squeeze(classDim);
            using var negated = -picked;
            using var weighted = sampleWeight is null ? null : negated * sampleWeight;
            // Where, not a product with 0, so an ignored -inf log-probability cannot turn into NaN.
            var loss = Tensor.Where(Ignored, 0.0, weighted ?? negated);
            if (reduction == Reduction.None) return loss;
            using (loss) return reduction == Reduction.Sum ? loss.Sum() : MeanOf(loss);
        }

        /// <summary>Σ loss / Σ weights of the counted samples (their number without class weights).</summary>
        public Tensor MeanOf(Tensor loss)
        {
            using var total = loss.Sum();
            if (sampleWeight is not null)
            {
                using var weightSum = sampleWeight.Sum();
                return total / weightSum;
            }
            using var counted = Ignored.LogicalNot();
            using var count = counted.Sum();
            using var countF = count.To(total.DType);
            return total / countF;
        }

        public void Dispose()
        {
            safe.Dispose();
            Ignored.Dispose();
            sampleWeight?.Dispose();
            ClassWeightView?.Dispose();
        }
    }
}
