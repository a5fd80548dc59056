namespace CudaTensor.NN;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction</c>).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element (or per sample for classification losses).</summary>
    None,
    /// <summary>The (weighted) mean: the default.</summary>
    Mean,
    /// <summary>The sum.</summary>
    Sum,
}
