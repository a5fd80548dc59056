namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// A stream capture in progress (cuStreamBeginCapture to cuStreamEndCapture): the work submitted to the origin
/// stream, and to streams joined to it by waiting on an event recorded inside the capture, in submission order.
/// Replaying the nodes in that order honours every dependency, because a dependency always precedes its user.
/// </summary>
internal sealed class StreamCapture
{
    /// <summary>Starts a capture on <paramref name="origin"/>.</summary>
    /// <param name="origin">The stream cuStreamBeginCapture named.</param>
    /// <param name="mode">CUstreamCaptureMode: 0 global, 1 thread-local, 2 relaxed.</param>
    public StreamCapture(DriverStream origin, int mode)
    {
        Origin = origin;
        Mode = mode;
        ThreadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>The stream the capture began on.</summary>
    public DriverStream Origin { get; }

    /// <summary>The capture mode.</summary>
    public int Mode { get; }

    /// <summary>The thread that began the capture (thread-local mode restricts only that thread).</summary>
    public int ThreadId { get; }

    /// <summary>The recorded work.</summary>
    public List<GraphNode> Nodes { get; } = [];

    /// <summary>Streams joined through events (the origin excluded).</summary>
    public List<DriverStream> Joined { get; } = [];

    /// <summary>Why the capture was invalidated, or null while it is valid.</summary>
    public string? Invalidated { get; set; }

    /// <summary>True when an unsafe call (cuMemAlloc, cuCtxSynchronize, ...) made on the calling thread must fail because of this capture.</summary>
    public bool ProhibitsUnsafeCallsHere => Mode == 0 || (Mode == 1 && ThreadId == Environment.CurrentManagedThreadId);
}

/// <summary>One recorded operation of a graph.</summary>
/// <param name="Name">What it is (for fault messages).</param>
/// <param name="Work">The work; null for an event node.</param>
internal sealed record GraphNode(string Name, Action? Work);

/// <summary>A CUgraph (from a capture) or a CUgraphExec (an instantiated graph): its nodes in dependency order.</summary>
/// <param name="Nodes">The nodes.</param>
/// <param name="Executable">True for a CUgraphExec.</param>
internal sealed record DriverGraph(IReadOnlyList<GraphNode> Nodes, bool Executable)
{
    /// <summary>Runs every node in order; a fault names the node.</summary>
    public void Run()
    {
        for (int i = 0; i < Nodes.Count; i++)
        {
            try
            {
                Nodes[i].Work?.Invoke();
            }
            catch (DeviceFaultException fault)
            {
                throw new DeviceFaultException(fault.Error, $"graph node {i} ({Nodes[i].Name}): {fault.Message}", fault);
            }
        }
    }
}
