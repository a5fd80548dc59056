namespace CudaTensor.Distributed;

/// <summary>
/// A collective waited longer than the group's timeout. The message names the collective, this rank, and the ranks
/// that did not arrive (with the last collective each of them entered). The group cannot be used afterwards: the
/// ranks' collectives are out of step.
/// </summary>
public sealed class DistributedTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="collective">The collective that timed out.</param>
    /// <param name="rank">This process's rank in the group.</param>
    /// <param name="missingRanks">The group ranks that had not entered the collective.</param>
    public DistributedTimeoutException(string message, string collective, int rank, IReadOnlyList<int> missingRanks)
        : base(message)
    {
        Collective = collective;
        Rank = rank;
        MissingRanks = missingRanks;
    }

    /// <summary>The collective that timed out, e.g. "AllReduce".</summary>
    public string Collective { get; }

    /// <summary>This process's rank in the group.</summary>
    public int Rank { get; }

    /// <summary>The group ranks that had not entered the collective when it timed out (those that did not answer included).</summary>
    public IReadOnlyList<int> MissingRanks { get; }
}
