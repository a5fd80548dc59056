namespace CudaTensor.NN;

/// <summary>Merges dimensions <see cref="StartDim"/>..<see cref="EndDim"/> into one; by default everything but the batch dimension.</summary>
/// <param name="startDim">First dimension merged (default 1, keeping the batch).</param>
/// <param name="endDim">Last dimension merged (default -1, the last).</param>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>First dimension merged.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>Last dimension merged.</summary>
    public int EndDim { get; } = endDim;

    /// <summary>The input with the dimensions merged (a view when the layout allows).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(StartDim, EndDim);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
