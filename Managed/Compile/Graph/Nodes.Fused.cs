using CudaTensor.Backends;

namespace CudaTensor.Compilation;

// The backend capabilities (fused layers, optimizer updates), recorded as one node each so a replay takes the same
// fused path the trace took. Optional operands are left out of Reads/Writes; flags say which are present.

/// <summary>Helpers for nodes with optional operands.</summary>
internal static class OptionalViews
{
    /// <summary>The present views, in order.</summary>
    public static BufferView[] Of(params BufferView?[] views)
    {
        var list = new List<BufferView>(views.Length);
        foreach (var v in views)
            if (v is { } view) list.Add(view);
        return [.. list];
    }

    /// <summary>The view at <paramref name="index"/> bound to its storage when <paramref name="present"/>, and the next index.</summary>
    public static Strided? Take(ExecutionContext context, BufferView[] views, bool present, ref int index)
        => present ? context.Resolve(views[index++]) : null;
}

/// <summary>Layer norm forward (Writes = [y, mean, rstd]; Reads = [x, weight?, bias?]).</summary>
internal sealed class LayerNormForwardNode(Device device, BufferView y, BufferView mean, BufferView rstd, BufferView x, BufferView? weight, BufferView? bias, double eps)
    : GraphNode(device, [y, mean, rstd], OptionalViews.Of(x, weight, bias))
{
    private readonly bool _weight = weight is not null, _bias = bias is not null;

    /// <inheritdoc/>
    public override string Name => "LayerNormForward";

    /// <inheritdoc/>
    public override string Arguments => $"eps={F(eps)} weight={_weight} bias={_bias}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int i = 1;
        var w = OptionalViews.Take(context, Reads, _weight, ref i);
        var b = OptionalViews.Take(context, Reads, _bias, ref i);
        Capability.Require<IFusedLayerNorm>(Backend(context), Name).LayerNormForward(W(context, 0), W(context, 1), W(context, 2), R(context, 0), w, b, eps);
    }
}

/// <summary>Layer norm backward (Writes = [dx, dweight?, dbias?]; Reads = [dy, x, mean, rstd, weight?]).</summary>
internal sealed class LayerNormBackwardNode(Device device, BufferView dx, BufferView? dweight, BufferView? dbias, BufferView dy, BufferView x, BufferView mean, BufferView rstd, BufferView? weight)
    : GraphNode(device, OptionalViews.Of(dx, dweight, dbias), OptionalViews.Of(dy, x, mean, rstd, weight))
{
    private readonly bool _dweight = dweight is not null, _dbias = dbias is not null, _weight = weight is not null;

    /// <inheritdoc/>
    public override string Name => "LayerNormBackward";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int wi = 1, ri = 4;
        var dw = OptionalViews.Take(context, Writes, _dweight, ref wi);
        var db = OptionalViews.Take(context, Writes, _dbias, ref wi);
        var w = OptionalViews.Take(context, Reads, _weight, ref ri);
        Capability.Require<IFusedLayerNorm>(Backend(context), Name).LayerNormBackward(W(context, 0), dw, db, R(context, 0), R(context, 1), R(context, 2), R(context, 3), w);
    }
}

/// <summary>Cross-entropy forward (Writes = [loss, lse, rowWeight]; Reads = [logits, target, weight?]); a bad target at replay throws as eager mode does.</summary>
internal sealed class CrossEntropyForwardNode(Device device, BufferView loss, BufferView lse, BufferView rowWeight, BufferView logits, BufferView target, BufferView? weight, long ignoreIndex, double labelSmoothing, string op)
    : GraphNode(device, [loss, lse, rowWeight], OptionalViews.Of(logits, target, weight))
{
    private readonly bool _weight = weight is not null;

    /// <inheritdoc/>
    public override string Name => "CrossEntropyForward";

    /// <inheritdoc/>
    public override string Arguments => $"ignore={ignoreIndex} smoothing={F(labelSmoothing)}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int i = 2;
        var w = OptionalViews.Take(context, Reads, _weight, ref i);
        long bad = Capability.Require<IFusedCrossEntropy>(Backend(context), Name)
            .CrossEntropyForward(W(context, 0), W(context, 1), W(context, 2), R(context, 0), R(context, 1), w, ignoreIndex, labelSmoothing, op);
        // The backend reports the first bad row (the CPU at once; CUDA defers it to the next synchronization and
        // returns -1); the message is eager mode's, with the target's value read back.
        if (bad >= 0)
        {
            Span<long> value = stackalloc long[1];
            var target = R(context, 1);
            var row = target.WithLayout([1], [1]);
            Backend(context).ReadToHost(new Strided(row.Storage, row.Offset + bad * target.Strides[^1], [1], [1], row.DType), System.Runtime.InteropServices.MemoryMarshal.AsBytes(value));
            throw IFusedCrossEntropy.BadTarget(op, value[0], Reads[0].Shape[^1], ignoreIndex);
        }
    }
}

/// <summary>Cross-entropy backward (Writes = [dlogits]; Reads = [grad, logits, target, lse, weight?]).</summary>
internal sealed class CrossEntropyBackwardNode(Device device, BufferView dlogits, BufferView grad, BufferView logits, BufferView target, BufferView lse, BufferView? weight, long ignoreIndex, double labelSmoothing)
    : GraphNode(device, [dlogits], OptionalViews.Of(grad, logits, target, lse, weight))
{
    private readonly bool _weight = weight is not null;

    /// <inheritdoc/>
    public override string Name => "CrossEntropyBackward";

    /// <inheritdoc/>
    public override string Arguments => $"ignore={ignoreIndex} smoothing={F(labelSmoothing)}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int i = 4;
        var w = OptionalViews.Take(context, Reads, _weight, ref i);
        Capability.Require<IFusedCrossEntropy>(Backend(context), Name)
            .CrossEntropyBackward(W(context, 0), R(context, 0), R(context, 1), R(context, 2), R(context, 3), w, ignoreIndex, labelSmoothing);
    }
}

/// <summary>Convolution forward (Writes = [y]; Reads = [x, w, bias?]).</summary>
internal sealed class Conv2dForwardNode(Device device, BufferView y, BufferView x, BufferView w, BufferView? bias, WindowGeometry g)
    : GraphNode(device, [y], OptionalViews.Of(x, w, bias))
{
    private readonly bool _bias = bias is not null;

    /// <inheritdoc/>
    public override string Name => "Conv2dForward";

    /// <inheritdoc/>
    public override string Arguments => g.ToString();

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int i = 2;
        var b = OptionalViews.Take(context, Reads, _bias, ref i);
        Capability.Require<IConvolution>(Backend(context), Name).Conv2dForward(W(context, 0), R(context, 0), R(context, 1), b, g);
    }
}

/// <summary>Convolution input gradient (Writes = [dx]; Reads = [dy, w]).</summary>
internal sealed class Conv2dBackwardInputNode(Device device, BufferView dx, BufferView dy, BufferView w, WindowGeometry g) : GraphNode(device, [dx], [dy, w])
{
    /// <inheritdoc/>
    public override string Name => "Conv2dBackwardInput";

    /// <inheritdoc/>
    public override string Arguments => g.ToString();

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
        => Capability.Require<IConvolution>(Backend(context), Name).Conv2dBackwardInput(W(context, 0), R(context, 0), R(context, 1), g);
}

/// <summary>Convolution weight and bias gradients (Writes = [dw, db?]; Reads = [dy, x]).</summary>
internal sealed class Conv2dBackwardWeightNode(Device device, BufferView dw, BufferView? db, BufferView dy, BufferView x, WindowGeometry g)
    : GraphNode(device, OptionalViews.Of(dw, db), [dy, x])
{
    private readonly bool _db = db is not null;

    /// <inheritdoc/>
    public override string Name => "Conv2dBackwardWeight";

    /// <inheritdoc/>
    public override string Arguments => g.ToString();

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        int i = 1;
        var db = OptionalViews.Take(context, Writes, _db, ref i);
        Capability.Require<IConvolution>(Backend(context), Name).Conv2dBackwardWeight(W(context, 0), db, R(context, 0), R(context, 1), g);
    }
}

/// <summary>
/// One fused Adam step (Writes = [param, expAvg, expAvgSq, maxExpAvgSq?]; Reads = [param, grad, expAvg, expAvgSq, maxExpAvgSq?, step?]).
/// The live callback recomputes the step count, the bias corrections and the learning rate at every replay; a
/// capturable Adam's count is the device buffer <c>step</c> instead (incremented by a recorded primitive), and its
/// callback only reads the learning rate again.
/// </summary>
internal sealed class AdamStepNode(Device device, BufferView param, BufferView grad, BufferView expAvg, BufferView expAvgSq, BufferView? maxExpAvgSq, BufferView? step, AdamStepArgs args, Func<object>? live)
    : OptimizerStepNode<AdamStepArgs>(device, OptionalViews.Of(param, expAvg, expAvgSq, maxExpAvgSq), OptionalViews.Of(param, grad, expAvg, expAvgSq, maxExpAvgSq, step), args, live)
{
    private readonly bool _max = maxExpAvgSq is not null, _step = step is not null;

    /// <inheritdoc/>
    public override string Name => "AdamStep";

    /// <inheritdoc/>
    public override string? GraphCaptureBlocker => IsLive && !_step
        ? "AdamStep: the step count and the bias corrections are host numbers that change at every call; construct Adam/AdamW with capturable: true"
        : null;

    /// <inheritdoc/>
    public override string Arguments => IsLive ? $"lr={F(TracedArgs.Lr)} (at trace)" : $"lr={F(TracedArgs.Lr)} step-size={F(-TracedArgs.NegStepSize)}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var a = CurrentArgs();
        int i = 4;
        var max = OptionalViews.Take(context, Reads, _max, ref i);
        var step = OptionalViews.Take(context, Reads, _step, ref i);
        Capability.Require<IFusedOptimizerSteps>(Backend(context), Name).AdamStep(R(context, 0), R(context, 1), R(context, 2), R(context, 3), max, a, step);
    }
}

/// <summary>One fused SGD step (Writes = [param, momentum?]; Reads = [param, grad, momentum?]); live arguments as <see cref="AdamStepNode"/>.</summary>
internal sealed class SgdStepNode(Device device, BufferView param, BufferView grad, BufferView? momentumBuffer, SgdStepArgs args, Func<object>? live)
    : OptimizerStepNode<SgdStepArgs>(device, OptionalViews.Of(param, momentumBuffer), OptionalViews.Of(param, grad, momentumBuffer), args, live)
{
    private readonly bool _momentum = momentumBuffer is not null;

    /// <inheritdoc/>
    public override string Name => "SgdStep";

    /// <inheritdoc/>
    public override string Arguments => $"lr={F(TracedArgs.Lr)}" + (IsLive ? " (at trace)" : "");

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var a = CurrentArgs();
        int i = 2;
        var b = OptionalViews.Take(context, Reads, _momentum, ref i);
        Capability.Require<IFusedOptimizerSteps>(Backend(context), Name).SgdStep(R(context, 0), R(context, 1), b, a);
    }
}

/// <summary>One fused RMSprop step (Writes = [param, squareAvg, gradAvg?, momentum?]; Reads = [param, grad, squareAvg, gradAvg?, momentum?]).</summary>
internal sealed class RmspropStepNode(Device device, BufferView param, BufferView grad, BufferView squareAvg, BufferView? gradAvg, BufferView? momentumBuffer, RmspropStepArgs args, Func<object>? live)
    : OptimizerStepNode<RmspropStepArgs>(device, OptionalViews.Of(param, squareAvg, gradAvg, momentumBuffer), OptionalViews.Of(param, grad, squareAvg, gradAvg, momentumBuffer), args, live)
{
    private readonly bool _gradAvg = gradAvg is not null, _momentum = momentumBuffer is not null;

    /// <inheritdoc/>
    public override string Name => "RmspropStep";

    /// <inheritdoc/>
    public override string Arguments => $"lr={F(TracedArgs.Lr)}" + (IsLive ? " (at trace)" : "");

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var a = CurrentArgs();
        int i = 3;
        var g = OptionalViews.Take(context, Reads, _gradAvg, ref i);
        var b = OptionalViews.Take(context, Reads, _momentum, ref i);
        Capability.Require<IFusedOptimizerSteps>(Backend(context), Name).RmspropStep(R(context, 0), R(context, 1), R(context, 2), g, b, a);
    }
}
