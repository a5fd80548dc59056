namespace CudaTensor.Backends;

// Fused row primitives: one pass per row over data that the composed ops would read and write many times. The op
// layer arranges every operand as a contiguous matrix [rows, len] (or a contiguous vector) before the call, so these
// primitives never see strides; all floating operands share the input's dtype (Float32 or Float64).
/// <summary>
/// Capability: cross-entropy against class indices in one pass per row. Without it the op layer composes it from
/// LogSoftmax, Gather and reductions (forward and gradient).
/// </summary>
internal interface IFusedCrossEntropy
{
    /// <summary>
    /// Cross-entropy of each row of <paramref name="logits"/> [rows, C] against an Int64 class index
    /// <paramref name="target"/> [rows]: loss = (1 - ε)·w[t]·(lse - x[t]) + (ε/C)·Σ_c w[c]·(lse - x[c]), with
    /// w ≡ 1 without <paramref name="weight"/> [C] and lse the row's log-sum-exp. A row whose target equals
    /// <paramref name="ignoreIndex"/> gets loss 0 and row weight 0; otherwise <paramref name="rowWeight"/> is w[t] (the
    /// mean's denominator sums it). Writes <paramref name="lse"/> [rows, 2] for the backward pass: each row's max m and
    /// log Σ exp(x - m), whose sum is the log-sum-exp. They are kept apart because x - lse loses digits once the logits
    /// are large (a float32 lse of 3e4 is only known to ±1e-3), while (x - m) - log Σ stays exact, as in log-softmax.
    /// </summary>
    /// <returns>The first row whose target is neither in [0, C) nor ignoreIndex (its outputs are undefined), or -1. A backend
    /// that checks on the device (CUDA) returns -1 and throws <see cref="BadTarget"/>'s exception, naming the op the user
    /// called (last argument), at the next synchronization.</returns>
    long CrossEntropyForward(Strided loss, Strided lse, Strided rowWeight, Strided logits, Strided target, Strided? weight, long ignoreIndex, double labelSmoothing, string op);

    /// <summary>The exception for a target that is neither a class index in [0, <paramref name="classes"/>) nor <paramref name="ignoreIndex"/>.</summary>
#pragma warning disable CA2208 // the user's argument is the op's target, not this helper's
    static ArgumentOutOfRangeException BadTarget(string op, long value, long classes, long ignoreIndex)
        => new("target", $"{op}: target {value} is out of bounds for {classes} classes (valid: 0..{classes - 1}, or ignoreIndex {ignoreIndex}).");
#pragma warning restore CA2208

    /// <summary>
    /// Gradient of <see cref="CrossEntropyForward"/>'s per-row loss: dlogits = g·(a·softmax(x) - q), where
    /// q = (1 - ε)·w[t]·onehot(t) + (ε/C)·w and a = Σ_c q_c; softmax comes from the saved <paramref name="lse"/> [rows, 2],
    /// <paramref name="grad"/> [rows] is the upstream gradient of each row's loss, and ignored rows get zeros.
    /// </summary>
    void CrossEntropyBackward(Strided dlogits, Strided grad, Strided logits, Strided target, Strided lse, Strided? weight, long ignoreIndex, double labelSmoothing);
}
