namespace CudaTensor.Distributed;

/// <summary>
/// The ranks called different collectives, or the same one with different dtypes, shapes or roots
/// (found by the debug mode, <see cref="ProcessGroupOptions.Debug"/>). The message lists every rank's call.
/// </summary>
public sealed class DistributedMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full message.</param>
    public DistributedMismatchException(string message)
        : base(message)
    {
    }
}
