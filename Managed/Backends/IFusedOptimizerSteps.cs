namespace CudaTensor.Backends;

// Fused optimizer updates: one pass over a parameter, its gradient and its state, instead of the ~12 elementwise
// ops (each a full read and write) the composed formulas take. Operands are contiguous, of one floating dtype
// (Float32 or Float64), on this backend's device, with the same number of elements; the optimizer checks this and
// keeps the composed path for everything else. Arithmetic runs in the element type, with the host scalars of the
// argument structs rounded to it once, in the same order of operations as the composed path.
/// <summary>
/// Capability: Adam/AdamW, SGD and RMSprop updates in one pass. Without it the optimizers run their composed
/// elementwise formulas, which round every operation the same way.
/// </summary>
internal interface IFusedOptimizerSteps
{
    /// <summary>
    /// One Adam/AdamW step in place (see <see cref="AdamStepArgs"/>): updates <paramref name="param"/>,
    /// <paramref name="expAvg"/>, <paramref name="expAvgSq"/> and, with AMSGrad, <paramref name="maxExpAvgSq"/>
    /// (null without AMSGrad); reads <paramref name="grad"/>. With <paramref name="step"/> (capturable Adam: a
    /// one-element Float32 on the device, already incremented) the bias corrections come from that count, read when
    /// the update runs, not from <paramref name="args"/>: a captured CUDA graph then replays real steps.
    /// </summary>
    void AdamStep(Strided param, Strided grad, Strided expAvg, Strided expAvgSq, Strided? maxExpAvgSq, in AdamStepArgs args, Strided? step = null);

    /// <summary>
    /// One SGD step in place (see <see cref="SgdStepArgs"/>): updates <paramref name="param"/> and, with momentum,
    /// <paramref name="momentumBuffer"/> (null without momentum); reads <paramref name="grad"/>.
    /// </summary>
    void SgdStep(Strided param, Strided grad, Strided? momentumBuffer, in SgdStepArgs args);

    /// <summary>
    /// One RMSprop step in place (see <see cref="RmspropStepArgs"/>): updates <paramref name="param"/>,
    /// <paramref name="squareAvg"/>, when centered <paramref name="gradAvg"/> (else null) and, with momentum,
    /// <paramref name="momentumBuffer"/> (else null); reads <paramref name="grad"/>.
    /// </summary>
    void RmspropStep(Strided param, Strided grad, Strided squareAvg, Strided? gradAvg, Strided? momentumBuffer, in RmspropStepArgs args);
}
