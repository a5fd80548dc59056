using CudaTensor.Backends;
using CudaTensor.Native;

namespace CudaTensor.Compilation;

/// <summary>
/// A planned graph on one CUDA device replayed as one CUDA graph (<see cref="CudaGraph"/>, PyTorch's
/// <c>mode="reduce-overhead"</c>): the nodes are captured once and each call is one <c>cuGraphLaunch</c> plus the
/// copies of the arguments into static input buffers and of the static outputs into the caller's fresh tensors.
/// Every other address is already fixed by the memory plan (arena slots, state, persistent buffers).
/// <para>
/// Host arguments: the live callbacks of the nodes (an optimizer's learning rate) run before every launch, as eager
/// code would run them; when their values differ from those baked into the graph, the graph is captured again, and
/// when they differ on two calls in a row (a count kept on the host) graph replay is given up for node-by-node
/// replay, with the reason. Nodes whose host arguments change at every call by design (random draws, a
/// non-capturable Adam's step count) rule the graph out at once (<see cref="Blocker"/>). A capture that fails
/// (<see cref="CudaGraphCaptureException"/> or any other error) falls back the same way, never failing the call.
/// </para>
/// </summary>
internal sealed class CudaGraphReplay : IDisposable
{
    private readonly Graph _graph;
    private readonly Device _device;
    private readonly Storage[] _staticBound;
    private readonly ExecutionContext _context;
    private readonly (int Buffer, long Bytes, bool Written)[] _inputs;
    private readonly int[] _outputs;
    private readonly List<Storage> _owned = [];
    private readonly int[] _liveNodes;
    private object?[]? _capturedArguments;
    private CudaGraph? _cudaGraph;
    private bool _changedLastCall;
    private int _calls;

    private CudaGraphReplay(Graph graph, Device device, Storage[] bound)
    {
        _graph = graph;
        _device = device;
        _staticBound = (Storage[])bound.Clone();
        var backend = BackendRegistry.For(device);
        var written = new bool[graph.Buffers.Count];
        foreach (var n in graph.Nodes)
            foreach (var w in n.Writes) written[w.Buffer] = true;
        var inputs = new List<(int, long, bool)>();
        var outputs = new List<int>();
        foreach (var b in graph.Buffers)
        {
            if (b.Kind == BufferKind.Input)
            {
                long bytes = Extent(graph, b.Id);
                if (bytes == 0) continue;
                _staticBound[b.Id] = Own(backend.Allocate(bytes, zeroed: false));
                inputs.Add((b.Id, bytes, written[b.Id]));
            }
            else if (b.Kind == BufferKind.Output)
            {
                _staticBound[b.Id] = Own(backend.Allocate(Math.Max(1, b.ByteLength), zeroed: false));
                outputs.Add(b.Id);
            }
        }
        _inputs = [.. inputs];
        _outputs = [.. outputs];
        var live = new List<int>();
        for (int i = 0; i < graph.Nodes.Count; i++)
            if (graph.Nodes[i].HasHostEffect) live.Add(i);
        _liveNodes = [.. live];
        _context = new ExecutionContext(_staticBound);
        // Constants written from host bytes: uploaded once, copied on the device by the graph.
        foreach (var n in graph.Nodes)
        {
            if (n is not HostWriteNode write) continue;
            var copy = Own(backend.Allocate(Math.Max(1, write.Bytes.Length), zeroed: false));
            backend.WriteFromHost(new Strided(copy, 0, [write.Bytes.Length], [1], DType.Bool), write.Bytes);
            write.DeviceCopy = copy;
        }
    }

    /// <summary>The <see cref="Blocker"/> of a graph without CUDA work (not reported).</summary>
    public const string NoCudaWork = "no CUDA work";

    /// <summary>Why a graph with CUDA nodes cannot replay as one CUDA graph, or null when it can.</summary>
    public static string? Blocker(Graph graph, out Device device)
    {
        device = default;
        bool any = false;
        foreach (var n in graph.Nodes)
        {
            if (n is AllocNode) continue;
            if (!any)
            {
                device = n.Device;
                any = true;
            }
            else if (n.Device != device) return $"the graph runs on several devices ({device} and {n.Device})";
            if (n.GraphCaptureBlocker is { } reason) return reason;
        }
        if (!any || !device.IsCuda) return NoCudaWork;
        return null;
    }

    /// <summary>The graph replay of <paramref name="graph"/>, or null with the reason when it cannot have one.</summary>
    public static CudaGraphReplay? Create(Graph graph, Storage[] bound, out string? reason)
    {
        reason = Blocker(graph, out var device);
        return reason is null ? new CudaGraphReplay(graph, device, bound) : null;
    }

    /// <summary>Why graph replay was given up (the executor replays node by node from then on), or null.</summary>
    public string? GaveUp { get; private set; }

    /// <summary>How many times the graph was captured.</summary>
    public int Captures { get; private set; }

    /// <summary>How many calls ran as one graph launch.</summary>
    public long GraphLaunches { get; private set; }

    /// <summary>Kernels recorded by the latest capture (cuBLAS's own kernels not counted).</summary>
    public long KernelsPerGraph { get; private set; }

    /// <summary>
    /// One call: returns false (having run nothing, with no live callback run) when the call must replay node by node
    /// — the first call, which loads every kernel outside a capture, or a graph given up. Otherwise runs the call as a
    /// graph launch, or, when the capture failed just now, node by node with this call's host arguments, and fills
    /// the storages <paramref name="bound"/> holds for <paramref name="outputBuffers"/> (fresh, the caller's) from the static outputs.
    /// </summary>
    public bool TryRun(Storage[] bound, Action runNodes, int[] outputBuffers)
    {
        if (GaveUp is not null || _calls++ == 0) return false;
        var backend = BackendRegistry.For(_device);
        // This call's host arguments: the callbacks run once, as eager code would (they advance host state).
        var current = new object?[_liveNodes.Length];
        for (int i = 0; i < _liveNodes.Length; i++) current[i] = _graph.Nodes[_liveNodes[i]].TakeLiveArguments();
        bool changed = _capturedArguments is not null && !SameArguments(_capturedArguments, current);
        if (changed)
        {
            _cudaGraph?.Dispose();
            _cudaGraph = null;
            if (_changedLastCall)
            {
                int at = FirstDifference(_capturedArguments!, current);
                GiveUp($"the host arguments of {_graph.Nodes[_liveNodes[at]].Name} changed on two calls in a row (a value computed on the host at every call)");
            }
        }
        _changedLastCall = changed;
        if (GaveUp is null && _cudaGraph is null) Capture(current);
        if (_cudaGraph is null)
        {
            // No graph for this call: node by node, with the host arguments already computed.
            SetPending(current);
            try
            {
                runNodes();
            }
            finally
            {
                SetPending(null);
            }
            return true;
        }
        foreach (var (id, bytes, _) in _inputs) backend.Copy(Bytes(_staticBound[id], bytes), Bytes(bound[id], bytes));
        _cudaGraph.Replay();
        GraphLaunches++;
        foreach (var (id, bytes, written) in _inputs)
            if (written) backend.Copy(Bytes(bound[id], bytes), Bytes(_staticBound[id], bytes));
        foreach (int id in outputBuffers)
        {
            long bytes = _graph.Buffers[id].ByteLength;
            if (bytes > 0) backend.Copy(Bytes(bound[id], bytes), Bytes(_staticBound[id], bytes));
        }
        return true;
    }

    private void Capture(object?[] arguments)
    {
        CudaGraph? graph = null;
        try
        {
            graph = new CudaGraph(_device);
            SetPending(arguments);
            long before = Driver.KernelLaunches;
            using (graph.Capture())
            {
                foreach (var node in _graph.Nodes) node.Execute(_context);
            }
            if (!graph.IsReady) throw new CudaGraphCaptureException("The capture gave no graph.");
            KernelsPerGraph = Driver.KernelLaunches - before;
            _cudaGraph = graph;
            _capturedArguments = arguments;
            Captures++;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            graph?.Dispose();
            GiveUp($"the capture failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            SetPending(null);
        }
    }

    private void GiveUp(string reason)
    {
        GaveUp ??= reason;
        _cudaGraph?.Dispose();
        _cudaGraph = null;
    }

    private void SetPending(object?[]? arguments)
    {
        for (int i = 0; i < _liveNodes.Length; i++) _graph.Nodes[_liveNodes[i]].PendingArguments = arguments?[i];
    }

    private static bool SameArguments(object?[] a, object?[] b) => FirstDifference(a, b) < 0;

    private static int FirstDifference(object?[] a, object?[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (!Equals(a[i], b[i])) return i;
        return -1;
    }

    // The bytes of a buffer the graph's views reach: what a call copies in (an argument's storage may be larger).
    private static long Extent(Graph graph, int buffer)
    {
        long end = 0;
        void Add(in BufferView v)
        {
            if (v.Buffer != buffer || v.NumElements == 0) return;
            long last = v.Offset;
            for (int d = 0; d < v.Shape.Length; d++) last += (v.Shape[d] - 1) * v.Strides[d];
            end = Math.Max(end, (last + 1) * v.DType.ElementSize());
        }
        foreach (var n in graph.Nodes)
        {
            foreach (var w in n.Writes) Add(w);
            foreach (var r in n.Reads) Add(r);
        }
        foreach (var o in graph.Outputs) Add(o);
        return end;
    }

    private static Strided Bytes(Storage storage, long bytes) => new(storage, 0, [bytes], [1], DType.Bool);

    private Storage Own(Storage s)
    {
        _owned.Add(s);
        return s;
    }

    /// <summary>Frees the CUDA graph and the static buffers.</summary>
    public void Dispose()
    {
        _cudaGraph?.Dispose();
        _cudaGraph = null;
        foreach (var s in _owned) s.Release();
        _owned.Clear();
    }
}
