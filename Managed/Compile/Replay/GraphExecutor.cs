using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// Runs a planned <see cref="Graph"/>: binds argument storages to inputs, a fresh storage to each output buffer,
/// the arena slots (allocated once, here) to temporaries and the live storages to state and persistent buffers,
/// then executes the nodes in order on the real backends. No tensor or autograd object exists during a replay
/// except the returned tensors. Not thread-safe (the caller locks).
/// </summary>
internal sealed class GraphExecutor : IDisposable
{
    private readonly Graph _graph;
    private readonly Storage[] _arena;
    private readonly Storage[] _bound;
    private readonly ExecutionContext _context;
    private readonly int[] _outputBuffers;
    private readonly Storage[] _writtenLive;
    private readonly GraphBuffer[] _shared;
    private readonly CudaGraphReplay? _cudaGraph;
    private readonly string? _cudaGraphBlocker;
    private bool _disposed;

    /// <summary>
    /// Allocates the arena and takes over the graph's references on its state and persistent storages; with
    /// <paramref name="cudaGraphs"/>, a graph of CUDA work replays as one CUDA graph where it can (<see cref="CudaGraphReplay"/>).
    /// </summary>
    public GraphExecutor(Graph graph, bool cudaGraphs = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _arena = new Storage[graph.Slots.Count];
        for (int s = 0; s < _arena.Length; s++)
            _arena[s] = BackendRegistry.For(graph.Slots[s].Device).Allocate(Math.Max(1, graph.Slots[s].ByteLength), zeroed: false);
        _bound = new Storage[graph.Buffers.Count];
        var outputs = new List<int>();
        var shared = new List<GraphBuffer>();
        foreach (var b in graph.Buffers)
        {
            switch (b.Kind)
            {
                case BufferKind.State or BufferKind.Persistent:
                    _bound[b.Id] = b.Storage!;
                    shared.Add(b);
                    break;
                case BufferKind.Temporary when b.Slot >= 0:
                    _bound[b.Id] = _arena[b.Slot];
                    break;
                case BufferKind.Output:
                    outputs.Add(b.Id);
                    break;
            }
        }
        _outputBuffers = [.. outputs];
        _shared = [.. shared];
        // In-place writes bump the version counters autograd checks, once per replay for each live storage written.
        var written = new HashSet<int>();
        foreach (var node in graph.Nodes)
            foreach (var w in node.Writes)
                if (graph.Buffers[w.Buffer].Kind is BufferKind.State or BufferKind.Persistent && node is not AllocNode) written.Add(w.Buffer);
        _writtenLive = [.. written.Select(id => graph.Buffers[id].Storage!)];
        _context = new ExecutionContext(_bound);
        if (cudaGraphs)
        {
            _cudaGraph = CudaGraphReplay.Create(graph, _bound, out var blocker);
            _cudaGraphBlocker = blocker == CudaGraphReplay.NoCudaWork ? null : blocker;
        }
    }

    /// <summary>
    /// How calls run on the device, for Explain: as one CUDA graph launch (with the kernels the graph holds), or node by
    /// node with the reason; null for a graph without CUDA work or with CUDA graphs off.
    /// </summary>
    public string? CudaGraphReport
    {
        get
        {
            if (_cudaGraphBlocker is { } blocked) return $"replayed node by node, not as a CUDA graph: {blocked}";
            if (_cudaGraph is not { } g) return null;
            if (g.GaveUp is { } reason) return $"replayed node by node since call {Replays - g.GraphLaunches}, not as a CUDA graph: {reason}";
            return g.Captures == 0
                ? "one CUDA graph per call from the second replay (the first replay loads the kernels)"
                : $"one CUDA graph launch per call: {g.KernelsPerGraph} kernel(s) in the graph, captured {g.Captures} time(s), {g.GraphLaunches} graph launch(es) so far";
        }
    }

    /// <summary>The CUDA graph replay, when the graph has one (tests read its counts).</summary>
    internal CudaGraphReplay? CudaGraph => _cudaGraph;

    /// <summary>The executed graph.</summary>
    public Graph Graph => _graph;

    /// <summary>How many replays ran.</summary>
    public long Replays { get; private set; }

    /// <summary>Storages allocated by replays (one per output buffer per call; the arena is allocated once, at construction).</summary>
    public long Allocations { get; private set; }

    /// <summary>
    /// Whether every storage the graph shares with the host is still referenced elsewhere: false once a parameter's
    /// storage was replaced or a <c>.Grad</c> set to null between calls, which makes the capture stale.
    /// </summary>
    public string? Stale()
    {
        foreach (var b in _shared)
            if (b.Storage!.RefCount < 2) return $"{b.Label} ({b.Storage.ByteLength} bytes) is no longer referenced outside the graph";
        return null;
    }

    /// <summary>One call: returns the outputs as new tensors.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> arguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var b in _graph.Buffers)
            if (b.Kind == BufferKind.Input) _bound[b.Id] = arguments[b.InputIndex].Storage;
        foreach (int id in _outputBuffers)
        {
            var b = _graph.Buffers[id];
            _bound[id] = BackendRegistry.For(b.Device).Allocate(b.ByteLength, zeroed: false);
            Allocations++;
        }
        try
        {
            if (_cudaGraph is null || !_cudaGraph.TryRun(_bound, RunNodes, _outputBuffers)) RunNodes();
        }
        catch
        {
            foreach (int id in _outputBuffers) _bound[id].Release();
            throw;
        }
        finally
        {
            foreach (var b in _graph.Buffers)
                if (b.Kind == BufferKind.Input) _bound[b.Id] = null!;
        }
        foreach (var s in _writtenLive) s.BumpVersion();
        Replays++;
        return MakeOutputs(arguments);
    }

    private void RunNodes()
    {
        foreach (var node in _graph.Nodes) node.Execute(_context);
    }

    private Tensor[] MakeOutputs(IReadOnlyList<Tensor> arguments)
    {
        var result = new Tensor[_graph.Outputs.Count];
        var handedOver = new HashSet<int>();
        for (int i = 0; i < result.Length; i++)
        {
            var v = _graph.Outputs[i];
            var b = _graph.Buffers[v.Buffer];
            var storage = b.Kind == BufferKind.Input ? arguments[b.InputIndex].Storage : _bound[v.Buffer];
            // A fresh output storage's allocation reference goes to its first view; every other view adds one.
            if (b.Kind != BufferKind.Output || !handedOver.Add(v.Buffer)) storage.AddRef();
            result[i] = new Tensor(storage, v.Offset, (long[])v.Shape.Clone(), (long[])v.Strides.Clone(), v.DType);
        }
        foreach (int id in _outputBuffers) _bound[id] = null!;
        return result;
    }

    /// <summary>Frees the arena and drops the graph's references on state and persistent storages.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cudaGraph?.Dispose();
        foreach (var s in _arena) s.Release();
        foreach (var b in _shared) b.Storage!.Release();
    }
}
