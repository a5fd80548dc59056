using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// A <see cref="FusedRecordingBackend"/> of a backend that checks indices on the device (CUDA): without this
/// capability on the wrapper, the op layer would check indices on the host, a read that makes the function run eagerly.
/// </summary>
internal sealed class DeferredRecordingBackend(IBackend inner, Recorder recorder) : FusedRecordingBackend(inner, recorder), IDeferredIndexChecks
{
    /// <inheritdoc/>
    public void Gather(Strided dst, Strided src, Strided index, int dim, string op)
    {
        ((IDeferredIndexChecks)Inner).Gather(dst, src, index, dim, op);
        if (On) Recorder.Add(new GatherNode(Device, Recorder.View(dst), Recorder.View(src), Recorder.View(index), dim, op));
    }

    /// <inheritdoc/>
    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate, string op)
    {
        ((IDeferredIndexChecks)Inner).Scatter(dst, index, src, dim, accumulate, op);
        if (On) Recorder.Add(new ScatterNode(Device, Recorder.View(dst), Recorder.View(index), Recorder.View(src), dim, accumulate, op));
    }
}
