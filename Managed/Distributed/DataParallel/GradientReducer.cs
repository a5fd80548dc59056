using CudaTensor.AutogradEngine;

namespace CudaTensor.Distributed;

/// <summary>
/// The gradient side of <see cref="DistributedDataParallel"/> (PyTorch's <c>Reducer</c>): a hook on each parameter's
/// gradient accumulation marks it ready; when all of a bucket's parameters are ready, its all-reduce starts at once
/// (buckets start in order, the same on every rank) while backward goes on; a callback at the end of backward waits
/// for the buckets. After the first synchronized iteration the buckets are rebuilt in the order the gradients arrived.
/// </summary>
internal sealed class GradientReducer
{
    private readonly Lock _gate = new();
    private readonly ProcessGroup _group;
    private readonly Tensor[] _params;
    private readonly string[] _names;
    private readonly AccumulateGrad[] _accumulators;
    private readonly long _firstBytes, _capBytes;
    private readonly bool _findUnused;
    private readonly List<RemovableHandle> _hooks = [];
    private GradientBucket[] _buckets = [];
    private (int Bucket, int Slot)[] _where = [];
    private readonly bool[] _ready;
    private List<int>? _arrival = [];
    private bool _expectHooks, _callbackQueued;
    private int _nextBucket;

    public GradientReducer(ProcessGroup group, IReadOnlyList<(string Name, Tensor Parameter)> parameters, long firstBytes, long capBytes, bool findUnused)
    {
        _group = group;
        _params = [.. parameters.Select(p => p.Parameter)];
        _names = [.. parameters.Select(p => p.Name)];
        _firstBytes = firstBytes;
        _capBytes = capBytes;
        _findUnused = findUnused;
        _ready = new bool[_params.Length];
        _accumulators = [.. _params.Select(p => (AccumulateGrad)p.GradNode()!)];
        // Gradients arrive roughly in reverse order of the parameters (the last layer's first).
        Build([.. Enumerable.Range(0, _params.Length).Reverse()]);
        for (int i = 0; i < _params.Length; i++)
        {
            int index = i;
            _hooks.Add(_params[i].RegisterPostAccumulateGradHook(_ => OnGradientAccumulated(index)));
        }
    }

    /// <summary>The parameters' names, bucket by bucket, in launch order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> BucketNames
    {
        get
        {
            lock (_gate) return [.. _buckets.Select(b => (IReadOnlyList<string>)[.. b.Members.Select(i => _names[i])])];
        }
    }

    /// <summary>In the last synchronized backward: from the first bucket's launch to the end of backward (the time communication could hide in).</summary>
    internal TimeSpan LastLaunchLead { get; private set; }

    /// <summary>In the last synchronized backward: how long its end waited for the all-reduces (the communication not hidden).</summary>
    internal TimeSpan LastWait { get; private set; }

    private long _firstLaunch;

    /// <summary>Called before a forward pass: arms the hooks for a synchronized backward (or disarms them).</summary>
    public void Prepare(bool synchronize)
    {
        lock (_gate)
        {
            // A previous synchronized forward whose backward did not finish: nothing may stay in flight.
            WaitLaunched();
            Array.Clear(_ready);
            foreach (var b in _buckets) b.Pending = b.Members.Length;
            _nextBucket = 0;
            _callbackQueued = false;
            _expectHooks = synchronize;
        }
    }

    private void OnGradientAccumulated(int index)
    {
        lock (_gate)
        {
            if (!_expectHooks) return;
            if (!_callbackQueued && Engine.InBackward)
            {
                Engine.QueueCallback(FinishBackward);
                _callbackQueued = true;
            }
            if (_ready[index])
                throw new InvalidOperationException(
                    $"DistributedDataParallel: parameter '{_names[index]}' received a gradient twice in one synchronized backward pass " +
                    "(a second backward through the same forward, or a reentrant backward). Run the earlier backward passes inside NoSync(), " +
                    "or call Forward again before each backward.");
            _ready[index] = true;
            _arrival?.Add(index);
            MarkReady(index);
        }
    }

    private void MarkReady(int index)
    {
        var (b, slot) = _where[index];
        var bucket = _buckets[b];
        MoveIntoBucket(index, bucket.Views[slot]);
        if (--bucket.Pending == 0)
        {
            while (_nextBucket < _buckets.Length && _buckets[_nextBucket].Pending == 0)
            {
                if (_nextBucket == 0) _firstLaunch = System.Diagnostics.Stopwatch.GetTimestamp();
                var next = _buckets[_nextBucket++];
                next.Work = _group.AllReduceAsync(next.Buffer, ReduceOp.Avg);
            }
        }
    }

    // Puts the parameter's gradient into its bucket view, unless it already lives there (the usual case: accumulation
    // writes into the view). A parameter without a gradient contributes zeros.
    private void MoveIntoBucket(int index, Tensor view)
    {
        var p = _params[index];
        var grad = p.Grad;
        using var _ = Autograd.NoGrad();
        if (grad is null)
        {
            view.Zero();
            return;
        }
        if (_accumulators[index].IsInBuffer(grad)) return;
        view.CopyFrom(grad);
        p.Grad = Alias(view);
        if (!grad.RequiresGrad) grad.Dispose();
    }

    private static Tensor Alias(Tensor view)
    {
        var alias = view.Detach();
        TensorScope.Unregister(alias);
        return alias;
    }

    // The end of a synchronized backward pass: launch what is left, wait, average, and learn the bucket order once.
    private void FinishBackward()
    {
        lock (_gate)
        {
            if (!_expectHooks) return;
            _expectHooks = false;
            var missing = Enumerable.Range(0, _params.Length).Where(i => !_ready[i]).ToList();
            if (missing.Count > 0 && !_findUnused)
            {
                WaitLaunched();
                throw new InvalidOperationException(
                    $"DistributedDataParallel: rank {_group.Rank}: parameter(s) {string.Join(", ", missing.Select(i => "'" + _names[i] + "'"))} " +
                    "received no gradient in this backward pass, so their gradients cannot be averaged across the ranks. Make every parameter " +
                    "take part in computing the loss, freeze the ones that do not (RequiresGrad = false) before wrapping the module, or construct " +
                    "DistributedDataParallel with findUnusedParameters: true.");
            }
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            LastLaunchLead = _nextBucket > 0 ? System.Diagnostics.Stopwatch.GetElapsedTime(_firstLaunch, end) : TimeSpan.Zero;
            bool[] locallyUsed = [.. _ready];
            foreach (int i in missing) MarkReady(i);
            Tensor? used = null;
            Work? usedWork = null;
            if (_findUnused)
            {
                used = Tensor.FromArray(locallyUsed.Select(u => u ? 1 : 0).ToArray(), [locallyUsed.Length]);
                usedWork = _group.AllReduceAsync(used, ReduceOp.Max);
            }
            WaitLaunched();
            LastWait = System.Diagnostics.Stopwatch.GetElapsedTime(end);
            if (used is not null)
            {
                usedWork!.Wait();
                int[] globallyUsed = used.ToArray<int>();
                used.Dispose();
                // Unused here but used elsewhere: the averaged gradient is the parameter's. Unused everywhere: left alone.
                foreach (int i in missing)
                {
                    if (globallyUsed[i] != 0 && _params[i].Grad is null) _params[i].Grad = Alias(ViewOf(i));
                }
            }
            if (_arrival is not null) RebuildFromArrival();
        }
    }

    private Tensor ViewOf(int index) => _buckets[_where[index].Bucket].Views[_where[index].Slot];

    private void WaitLaunched()
    {
        foreach (var b in _buckets)
        {
            b.Work?.Wait();
            b.Work = null;
        }
    }

    private void RebuildFromArrival()
    {
        var arrived = _arrival!;
        _arrival = null;
        var seen = new HashSet<int>(arrived);
        int[] order = [.. arrived, .. Enumerable.Range(0, _params.Length).Reverse().Where(i => !seen.Contains(i))];
        // The ranks must agree on the buckets: rank 0's order is everyone's.
        using (var shared = Tensor.FromArray(order.Select(i => (long)i).ToArray(), [order.Length]))
        {
            _group.Broadcast(shared, 0);
            order = [.. shared.ToArray<long>().Select(i => (int)i)];
        }
        var current = _buckets.SelectMany(b => b.Members);
        if (current.SequenceEqual(GradientBucket.Assign(order, _params, _firstBytes, _capBytes).SelectMany(m => m))) return;
        Build(order);
    }

    // Lays the buckets out for `order`, carrying over gradients that live in the old buckets.
    private void Build(int[] order)
    {
        var old = _buckets;
        _buckets = [.. GradientBucket.Assign(order, _params, _firstBytes, _capBytes).Select(m => new GradientBucket(m, _params))];
        _where = new (int, int)[_params.Length];
        for (int b = 0; b < _buckets.Length; b++)
        {
            for (int s = 0; s < _buckets[b].Members.Length; s++) _where[_buckets[b].Members[s]] = (b, s);
        }
        for (int i = 0; i < _params.Length; i++)
        {
            var grad = _params[i].Grad;
            bool inOld = grad is not null && _accumulators[i].IsInBuffer(grad);
            _accumulators[i].Buffer = ViewOf(i);
            if (!inOld) continue;
            using (Autograd.NoGrad()) ViewOf(i).CopyFrom(grad!);
            _params[i].Grad = Alias(ViewOf(i));
            grad!.Dispose();
        }
        foreach (var b in old) b.Dispose();
    }
}
