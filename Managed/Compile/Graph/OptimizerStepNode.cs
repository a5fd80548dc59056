namespace CudaTensor.Compilation;

/// <summary>
/// A fused optimizer step: the arguments seen at the trace and, when the optimizer registered one, the live callback
/// that advances its host state (step count, learning rate) and recomputes them at every replay.
/// </summary>
internal abstract class OptimizerStepNode<TArgs>(Device device, BufferView[] writes, BufferView[] reads, TArgs args, Func<object>? live)
    : GraphNode(device, writes, reads)
{
    /// <inheritdoc/>
    public override bool HasHostEffect => live is not null;

    /// <summary>Whether the arguments are recomputed at every replay.</summary>
    protected bool IsLive => live is not null;

    /// <summary>The arguments of the traced call.</summary>
    protected TArgs TracedArgs => args;

    /// <inheritdoc/>
    public override object? TakeLiveArguments() => live?.Invoke();

    /// <summary>The arguments of this replay (runs the live callback, which advances the optimizer's host state, unless they were taken already).</summary>
    protected TArgs CurrentArgs() => PendingArguments is TArgs pending ? pending : live is null ? args : (TArgs)live();
}
