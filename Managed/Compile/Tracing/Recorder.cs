using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// Captures one call of a function into a <see cref="Graph"/>. Installed as the thread's
/// <see cref="IBackendInterceptor"/>, it hands out recording wrappers of the real backends: each primitive runs on
/// the real backend (the traced call returns real results) and is appended to the graph, its storages mapped to
/// buffers. Storages of the arguments are inputs, storages first seen in an operand are state, storages allocated
/// during the call are graph buffers, sorted at <see cref="Finish"/> into those still referenced (persistent) and
/// those released (arena temporaries). In probe mode (a warm-up call) it records nothing and only collects flags and
/// the reasons a trace would fail.
/// </summary>
internal sealed class Recorder : IBackendInterceptor
{
    private readonly Dictionary<IBackend, IBackend> _wrappers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Storage, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<int> _released = [];
    private readonly List<FlagGuard> _flags = [];
    private Func<object>? _pendingLive;

    /// <summary>A recorder; <paramref name="recording"/> false makes a probe that records no nodes.</summary>
    public Recorder(bool recording, bool throwOnUntraceable)
    {
        Recording = recording;
        ThrowOnUntraceable = throwOnUntraceable;
    }

    /// <summary>Whether nodes are recorded (false: a probe).</summary>
    public bool Recording { get; }

    /// <summary>Whether <see cref="Untraceable"/> throws <see cref="CompilationException"/> at once.</summary>
    public bool ThrowOnUntraceable { get; }

    /// <summary>The graph being captured.</summary>
    public Graph Graph { get; } = new();

    /// <summary>The first reason the call cannot be replayed, or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>The host flags the call read (module training modes), with the values it saw.</summary>
    public IReadOnlyList<FlagGuard> Flags => _flags;

    /// <inheritdoc/>
    public IBackend Intercept(IBackend backend)
    {
        if (!_wrappers.TryGetValue(backend, out var wrapper))
            _wrappers[backend] = wrapper = RecordingBackend.Wrap(backend, this);
        return wrapper;
    }

    /// <inheritdoc/>
    public void LiveArguments(Func<object> recompute)
    {
        if (Recording) _pendingLive = recompute;
    }

    /// <inheritdoc/>
    public void FlagRead(Func<bool> flag, bool value, string what)
    {
        foreach (var f in _flags)
            if (f.What == what && f.Value == value && ReferenceEquals(f.Read.Target, flag.Target)) return;
        _flags.Add(new FlagGuard(flag, value, what));
    }

    /// <inheritdoc/>
    public void Untraceable(string op)
    {
        Failure ??= op;
        if (ThrowOnUntraceable)
            throw new CompilationException(op,
                $"Compile: {op} cannot be captured in a static graph (it reads values on the host or runs host code a replay would skip). " +
                "Move it out of the compiled function, or set CompileOptions.FallbackToEager to run this signature eagerly.");
    }

    /// <summary>The live-argument callback registered for the primitive being recorded, if any (consumed).</summary>
    public Func<object>? TakeLive()
    {
        var live = _pendingLive;
        _pendingLive = null;
        return live;
    }

    /// <summary>Maps the storage of argument <paramref name="index"/> to an input buffer (arguments sharing a storage share it).</summary>
    public void BindInput(int index, Tensor argument)
    {
        var storage = argument.Storage;
        if (_ids.ContainsKey(storage)) return;
        _ids[storage] = Graph.AddBuffer(BufferKind.Input, storage.Device, storage.ByteLength, inputIndex: index).Id;
        Graph.InputCount = Math.Max(Graph.InputCount, index + 1);
    }

    /// <summary>Records an allocation made by the real backend.</summary>
    public void Allocated(Device device, Storage storage, long byteLength, bool zeroed)
    {
        // A storage object handed out again was released since it was mapped (pools reuse them).
        if (_ids.TryGetValue(storage, out int previous)) _released.Add(previous);
        var buffer = Graph.AddBuffer(BufferKind.Temporary, device, byteLength, zeroed);
        _ids[storage] = buffer.Id;
        Add(new AllocNode(device, buffer.Id, byteLength, zeroed));
    }

    /// <summary>The graph's view of a backend operand (a storage seen for the first time is state).</summary>
    public BufferView View(Strided s)
    {
        if (!_ids.TryGetValue(s.Storage, out int id))
        {
            id = Graph.AddBuffer(BufferKind.State, s.Storage.Device, s.Storage.ByteLength, storage: s.Storage).Id;
            _ids[s.Storage] = id;
        }
        return new BufferView(id, s.Offset, (long[])s.Shape.Clone(), (long[])s.Strides.Clone(), s.DType);
    }

    /// <summary>The optional operand's view.</summary>
    public BufferView? View(Strided? s) => s is { } v ? View(v) : null;

    /// <summary>Appends a node.</summary>
    public void Add(GraphNode node) => Graph.Nodes.Add(node);

    /// <summary>
    /// Ends the capture: sorts the buffers allocated during the call into persistent ones (still referenced) and
    /// temporaries (released), makes the returned tensors' buffers outputs, and takes the graph's references on the
    /// storages it will use live. Sets <see cref="Failure"/> where the call cannot be replayed.
    /// </summary>
    public void Finish(IReadOnlyList<Tensor> outputs)
    {
        if (_pendingLive is not null) Failure ??= "a host computation whose primitive was not recorded";
        var current = new HashSet<int>(_ids.Values);
        foreach (var b in Graph.Buffers)
        {
            bool released = _released.Contains(b.Id) || !current.Contains(b.Id);
            if (b.Kind == BufferKind.State && (released || b.Storage!.IsReleased))
                Failure ??= $"a tensor that existed before the call ({b.Label}) was disposed inside it after being used";
        }
        foreach (var (storage, id) in _ids)
        {
            var b = Graph.Buffers[id];
            if (b.Kind == BufferKind.Temporary && !_released.Contains(id) && !storage.IsReleased)
            {
                b.Kind = BufferKind.Persistent;
                b.Storage = storage;
            }
        }
        var outputRefs = new Dictionary<int, int>();
        foreach (var t in outputs)
        {
            int id = View(t.Layout).Buffer;
            outputRefs[id] = outputRefs.GetValueOrDefault(id) + 1;
        }
        foreach (var t in outputs)
        {
            if (t.GradFn is { IsReleased: false })
                Failure ??= $"returned {t.Describe()} carries an autograd graph whose backward pass would run outside the compiled function " +
                    "(compile the whole training step, or call the function under Autograd.NoGrad())";
            var view = View(t.Layout);
            var b = Graph.Buffers[view.Buffer];
            // Held by the returned tensors alone: the caller owns it, so each call gets a fresh storage. Held elsewhere
            // too (a .Grad returned): the returned tensor is a view of the persistent buffer, as the eager alias is.
            if (b.Kind == BufferKind.Persistent && b.Storage!.RefCount == outputRefs[b.Id])
            {
                b.Kind = BufferKind.Output;
                b.Storage = null;
            }
            Graph.Outputs.Add(view);
        }
        if (Failure is not null) return;
        foreach (var b in Graph.Buffers)
            if (b.Kind is BufferKind.State or BufferKind.Persistent) b.Storage!.AddRef();
    }
}

/// <summary>A host flag a capture depended on: the graph is valid only while <see cref="Read"/> returns <see cref="Value"/>.</summary>
internal sealed record FlagGuard(Func<bool> Read, bool Value, string What)
{
    /// <summary>Whether the flag still has the captured value.</summary>
    public bool Holds() => Read() == Value;
}
