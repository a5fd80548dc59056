using CudaTensor.Backends;

namespace CudaTensor.Optim;

/// <summary>
/// The optimizers' bridge to the backends' fused updates (<see cref="IFusedOptimizerSteps"/>): one pass over a parameter, its gradient and its state instead of a dozen
/// elementwise ops. It applies in the common case only — every operand contiguous, of the parameter's shape, dtype (Float32 or Float64) and device, and no two
/// sharing memory — and the optimizers keep their composed formulas for everything else (a transposed or expanded
/// gradient, say). Both paths give the same results: the backends round each operation as the composed ops do.
/// </summary>
internal static class FusedStep
{
    /// <summary>Whether the fused update can run on <paramref name="param"/>, <paramref name="grad"/> and the state tensors (null entries are unused).</summary>
    public static bool Applies(Tensor param, Tensor grad, Tensor? state0 = null, Tensor? state1 = null, Tensor? state2 = null)
    {
        if (param.DType is not (DType.Float32 or DType.Float64) || !param.IsContiguous) return false;
        if (param.Backend is not IFusedOptimizerSteps) return false; // a backend without the capability: composed formulas
        if (!Matches(param, grad)) return false;
        if (state0 is not null && (!Matches(param, state0) || SharesStorage(grad, state0))) return false;
        if (state1 is not null && (!Matches(param, state1) || SharesStorage(grad, state1) || SharesStorage(state0, state1))) return false;
        if (state2 is not null && (!Matches(param, state2) || SharesStorage(grad, state2) || SharesStorage(state0, state2) || SharesStorage(state1, state2)))
            return false;
        return true;
    }

    // A fused kernel reads each element of every operand once and then writes it: operands that alias one another
    // (even exactly) are left to the composed path, which stages overlapping reads.
    private static bool Matches(Tensor param, Tensor other)
        => other.DType == param.DType && other.Device == param.Device && other.IsContiguous
           && other.ShapeArray.AsSpan().SequenceEqual(param.ShapeArray) && !SharesStorage(param, other);

    private static bool SharesStorage(Tensor? a, Tensor? b) => a is not null && b is not null && ReferenceEquals(a.Storage, b.Storage);

    /// <summary>One Adam/AdamW update in place; the caller checked <see cref="Applies"/>.</summary>
    public static void Adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, in AdamStepArgs args, Tensor? step = null)
    {
        Capability.Require<IFusedOptimizerSteps>(param.Backend, "Adam").AdamStep(param.Layout, grad.Layout, expAvg.Layout, expAvgSq.Layout, maxExpAvgSq?.Layout, args, step?.Layout);
        param.BumpVersion();
        expAvg.BumpVersion();
        expAvgSq.BumpVersion();
        maxExpAvgSq?.BumpVersion();
    }

    /// <summary>One SGD update in place; the caller checked <see cref="Applies"/>.</summary>
    public static void Sgd(Tensor param, Tensor grad, Tensor? momentumBuffer, in SgdStepArgs args)
    {
        Capability.Require<IFusedOptimizerSteps>(param.Backend, "SGD").SgdStep(param.Layout, grad.Layout, momentumBuffer?.Layout, args);
        param.BumpVersion();
        momentumBuffer?.BumpVersion();
    }

    /// <summary>One RMSprop update in place; the caller checked <see cref="Applies"/>.</summary>
    public static void Rmsprop(Tensor param, Tensor grad, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, in RmspropStepArgs args)
    {
        Capability.Require<IFusedOptimizerSteps>(param.Backend, "RMSprop").RmspropStep(param.Layout, grad.Layout, squareAvg.Layout, gradAvg?.Layout, momentumBuffer?.Layout, args);
        param.BumpVersion();
        squareAvg.BumpVersion();
        gradAvg?.BumpVersion();
        momentumBuffer?.BumpVersion();
    }
}
