using System.Collections;

namespace CudaTensor.Data;

/// <summary>
/// The order in which a <see cref="DataLoader"/> visits a dataset's samples (PyTorch's <c>Sampler</c>): a sequence of
/// sample indices, enumerated once per epoch.
/// </summary>
public abstract class Sampler : IEnumerable<long>
{
    /// <summary>The number of indices one enumeration yields.</summary>
    public abstract long Count { get; }

    /// <summary>The indices of one epoch.</summary>
    /// <returns>An enumerator over sample indices.</returns>
    public abstract IEnumerator<long> GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
