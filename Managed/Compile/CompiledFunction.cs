using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// A function under compilation: a bounded LRU cache of signatures, each warmed up once eagerly, then traced once,
/// then replayed (or run eagerly for good, with the reason, when it cannot be captured). Calls are serialized by a
/// lock, so one compiled function may be called from several threads (one at a time).
/// </summary>
internal sealed class CompiledFunction(Func<Tensor[], Tensor[]> body, CompileOptions options, IReadOnlyList<Func<bool>>? flags = null)
{
    private const int MaxRetraces = 4;
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly IReadOnlyList<Func<bool>> _flags = flags ?? [];
    private readonly HashSet<string> _warned = [];

    /// <summary>How one signature runs now.</summary>
    internal enum Stage { WarmedUp, Traced, Eager }

    /// <summary>One cached signature.</summary>
    internal sealed class Entry(Signature signature)
    {
        public Signature Signature { get; } = signature;
        public Stage Stage { get; set; } = Stage.WarmedUp;
        public IReadOnlyList<FlagGuard> Flags { get; set; } = [];
        public GraphExecutor? Executor { get; set; }
        public string? Reason { get; set; }
        public int Retraces { get; set; }
        public List<string> Events { get; } = [];
    }

    /// <summary>The cached signatures, most recently used first (for reports and tests).</summary>
    internal IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Runs the function on <paramref name="arguments"/>.</summary>
    public Tensor[] Invoke(Tensor[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        // Called while another compiled function is being traced or probed: run inline, so the outer capture sees it.
        if (BackendInterception.Current is not null) return body(arguments);
        lock (_gate)
        {
            var signature = Signature.Of(arguments, _flags);
            var entry = Find(signature);
            if (entry is null)
            {
                entry = new Entry(signature);
                Insert(entry);
                return WarmUp(entry, arguments);
            }
            switch (entry.Stage)
            {
                case Stage.Eager:
                    return body(arguments);
                case Stage.WarmedUp:
                    return Trace(entry, arguments);
                default:
                    if (entry.Executor!.Stale() is { } stale)
                    {
                        entry.Executor.Dispose();
                        entry.Executor = null;
                        entry.Events.Add($"retraced: {stale}");
                        if (++entry.Retraces > MaxRetraces) return Fallback(entry, $"the capture went stale {MaxRetraces} times ({stale})", arguments);
                        return Trace(entry, arguments);
                    }
                    return entry.Executor.Run(arguments);
            }
        }
    }

    private Entry? Find(Signature signature)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            if (!e.Signature.Matches(signature) || !FlagsHold(e)) continue;
            if (i > 0)
            {
                _entries.RemoveAt(i);
                _entries.Insert(0, e);
            }
            return e;
        }
        return null;
    }

    private static bool FlagsHold(Entry e)
    {
        foreach (var f in e.Flags)
            if (!f.Holds()) return false;
        return true;
    }

    private void Insert(Entry entry)
    {
        _entries.Insert(0, entry);
        while (_entries.Count > options.CacheSize)
        {
            var evicted = _entries[^1];
            _entries.RemoveAt(_entries.Count - 1);
            evicted.Executor?.Dispose();
        }
    }

    // The first call of a signature runs eagerly, creating lazily-made state (optimizer moments, .Grad) that a
    // capture must see as state rather than as its own allocations; a probe checks it can be captured at all.
    private Tensor[] WarmUp(Entry entry, Tensor[] arguments)
    {
        var probe = new Recorder(recording: false, throwOnUntraceable: !options.FallbackToEager);
        var outputs = RunUnder(probe, arguments);
        entry.Flags = probe.Flags;
        entry.Events.Add("warm-up: ran eagerly");
        if (probe.Failure is { } failure) Fallback(entry, failure, null);
        return outputs;
    }

    private Tensor[] Trace(Entry entry, Tensor[] arguments)
    {
        var recorder = new Recorder(recording: true, throwOnUntraceable: !options.FallbackToEager);
        for (int i = 0; i < arguments.Length; i++) recorder.BindInput(i, arguments[i]);
        var outputs = RunUnder(recorder, arguments);
        recorder.Finish(outputs);
        entry.Flags = recorder.Flags;
        if (recorder.Failure is { } failure)
        {
            Fallback(entry, failure, null);
            return outputs;
        }
        var graph = recorder.Graph;
        int captured = graph.Nodes.Count;
        PassPipeline.Run(graph, PassPipeline.Create(options));
        entry.Executor = new GraphExecutor(graph, options.CudaGraphs);
        entry.Stage = Stage.Traced;
        entry.Events.Add($"traced: {captured} primitive calls captured, {graph.Nodes.Count} nodes after passes");
        return outputs;
    }

    private Tensor[] RunUnder(Recorder recorder, Tensor[] arguments)
    {
        var previous = BackendInterception.Install(recorder);
        try
        {
            return body(arguments);
        }
        finally
        {
            BackendInterception.Install(previous);
        }
    }

    private Tensor[] Fallback(Entry entry, string reason, Tensor[]? runNow)
    {
        if (!options.FallbackToEager)
            throw new CompilationException(reason, $"Compile: the function cannot be captured for {entry.Signature.Text}: {reason}.");
        entry.Stage = Stage.Eager;
        entry.Reason = reason;
        entry.Events.Add($"eager fallback: {reason}");
        if (_warned.Add(reason))
        {
            string message = $"Compile: running eagerly for {entry.Signature.Text}: {reason}.";
            if (options.Warn is { } warn) warn(message);
            else Console.Error.WriteLine("warning: " + message);
        }
        return runNow is null ? [] : body(runNow);
    }
}
