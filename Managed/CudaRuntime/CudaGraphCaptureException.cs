namespace CudaTensor;

/// <summary>
/// An operation that cannot be recorded into a CUDA graph was called inside <see cref="CudaGraph.Capture()"/>: a read
/// of tensor values on the host, a synchronization, a copy from host memory, or an allocation that needs the driver.
/// The message names the operation and what to do instead. The library stays usable: nothing was queued for the
/// refused operation, the capture ends when its scope is disposed, and the graph reports the failure on
/// <see cref="CudaGraph.Replay"/>.
/// </summary>
public sealed class CudaGraphCaptureException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="operation"/>.</summary>
    /// <param name="operation">What the caller asked for, e.g. "ToArray".</param>
    /// <param name="advice">Why it cannot be captured and what to do instead.</param>
    public CudaGraphCaptureException(string operation, string advice)
        : base($"{operation} cannot run inside CudaGraph.Capture: {advice}")
    {
        Operation = operation;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CudaGraphCaptureException()
        : this("The operation", "it cannot be recorded into a CUDA graph.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public CudaGraphCaptureException(string message)
        : base(message)
    {
        Operation = "";
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CudaGraphCaptureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "";
    }

    /// <summary>The refused operation.</summary>
    public string Operation { get; } = "";
}
