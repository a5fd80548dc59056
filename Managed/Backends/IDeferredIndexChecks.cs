namespace CudaTensor.Backends;

/// <summary>
/// Capability: gather and scatter that validate their indices on the device and report a bad one at the next host
/// synchronization (as PyTorch's device-side asserts), naming the op the user called. A backend with it spares the op
/// layer's up-front range check, which reads the index's minimum and maximum back (two synchronizations per call).
/// Indices out of range are skipped; the valid ones are still written.
/// </summary>
internal interface IDeferredIndexChecks
{
    /// <summary><see cref="IBackend.Gather"/>, with the user's op name for the deferred report.</summary>
    void Gather(Strided dst, Strided src, Strided index, int dim, string op);

    /// <summary><see cref="IBackend.Scatter"/>, with the user's op name for the deferred report.</summary>
    void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate, string op);
}
