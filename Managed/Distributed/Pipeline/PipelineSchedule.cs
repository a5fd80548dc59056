namespace CudaTensor.Distributed;

/// <summary>The order in which a <see cref="Pipeline"/> runs the forward and backward passes of its micro-batches.</summary>
public enum PipelineSchedule
{
    /// <summary>GPipe: every micro-batch forward, then every backward; activations of all micro-batches are kept.</summary>
    GPipe,

    /// <summary>
    /// One forward, one backward (PipeDream-Flush, Megatron-LM's default): after a warm-up of
    /// <c>stages - stage - 1</c> forwards each stage alternates, so at most that many micro-batches' activations are alive.
    /// </summary>
    OneFOneB,
}
