using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// A <see cref="FusedRecordingBackend"/> of a backend that checks indices in its primitives (CUDA on the device, the
/// CPU in the primitive): without this capability on the wrapper, the op layer would check indices on the host, a read
/// that makes the function run eagerly.
/// </summary>
internal class DeferredRecordingBackend(IBackend inner, Recorder recorder) : FusedRecordingBackend(inner, recorder), IDeferredIndexChecks
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

/// <summary>The <see cref="DeferredRecordingBackend"/> of a host-memory backend (the CPU).</summary>
internal sealed unsafe class HostDeferredRecordingBackend(IBackend inner, Recorder recorder) : DeferredRecordingBackend(inner, recorder), IHostMemory
{
    /// <inheritdoc/>
    public byte* HostAddress(Strided t)
    {
        Recorder.Untraceable("a transfer between devices (To)");
        return ((IHostMemory)Inner).HostAddress(t);
    }
}
