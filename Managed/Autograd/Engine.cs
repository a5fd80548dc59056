namespace CudaTensor.AutogradEngine;

/// <summary>
/// Runs a backward pass: finds the nodes needed to reach the wanted gradients, counts how many gradients
/// each must receive, and runs nodes once all have arrived (newest first among the ready ones), summing
/// the gradients that meet at a node. Saved tensors are released as nodes finish unless the graph is retained.
/// </summary>
internal static class Engine
{
    // The callbacks queued during the backward pass running on this thread (null outside one).
    [ThreadStatic]
    private static List<Action>? t_callbacks;

    /// <summary>
    /// Runs <paramref name="callback"/> on this thread once the backward pass that is running ends, after every node
    /// (PyTorch's <c>queue_callback</c>): data-parallel training waits for its gradient reductions there.
    /// </summary>
    /// <exception cref="InvalidOperationException">No backward pass is running on this thread.</exception>
    internal static void QueueCallback(Action callback)
        => (t_callbacks ?? throw new InvalidOperationException("QueueCallback: no backward pass is running on this thread.")).Add(callback);

    /// <summary>True while a backward pass runs on this thread (a hook is being called from one).</summary>
    internal static bool InBackward => t_callbacks is not null;

    // Restores the enclosing pass's callback list (a backward may run inside a node of another) when a pass ends.
    private sealed class CallbackScope(List<Action>? outer) : IDisposable
    {
        public void Dispose() => t_callbacks = outer;
    }

    /// <summary>
    /// Backpropagates <paramref name="gradOutputs"/> from <paramref name="outputs"/>. With
    /// <paramref name="inputs"/> null, gradients accumulate into leaves' <see cref="Tensor.Grad"/>; otherwise
    /// the gradients reaching <paramref name="inputs"/> are returned and no leaf is touched.
    /// </summary>
    public static Tensor?[]? Run(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> gradOutputs, bool retainGraph, bool createGraph,
        IReadOnlyList<Tensor>? inputs, bool allowUnused, string op)
    {
        var roots = new List<(Node Node, Tensor Grad)>();
        for (int i = 0; i < outputs.Count; i++)
        {
            var node = outputs[i].GradNode()
                ?? throw new InvalidOperationException(
                    $"{op}: output {i} ({outputs[i].Describe()}) does not require grad and has no GradFn, so there is nothing to differentiate. " +
                    "Create the inputs with requiresGrad: true, and do not compute the output under Autograd.NoGrad().");
            roots.Add((node, gradOutputs[i]));
        }

        Dictionary<Node, List<int>>? capture = null;
        if (inputs is not null)
        {
            capture = [];
            for (int i = 0; i < inputs.Count; i++)
            {
                var node = inputs[i].GradNode()
                    ?? throw new InvalidOperationException($"{op}: input {i} ({inputs[i].Describe()}) does not require grad.");
                if (!capture.TryGetValue(node, out var list)) capture[node] = list = [];
                list.Add(i);
            }
        }

        var needed = FindNeeded(roots.Select(r => r.Node), capture);
        var dependencies = new Dictionary<Node, int>();
        foreach (var node in needed)
        {
            foreach (var next in node.NextNodes)
            {
                if (next is not null && needed.Contains(next)) dependencies[next] = dependencies.GetValueOrDefault(next) + 1;
            }
        }

        var buffers = new Dictionary<Node, Tensor>();
        foreach (var (node, grad) in roots)
        {
            if (needed.Contains(node)) Accumulate(buffers, node, grad);
        }
        var ready = new PriorityQueue<Node, long>();
        foreach (var node in buffers.Keys)
        {
            if (dependencies.GetValueOrDefault(node) == 0) ready.Enqueue(node, -node.Sequence);
        }

        var results = inputs is null ? null : new Tensor?[inputs.Count];
        var callbacks = new List<Action>();
        using var callbackScope = new CallbackScope(t_callbacks);
        t_callbacks = callbacks;
        using (GradMode.Set(createGraph))
        {
            while (ready.TryDequeue(out var node, out _))
            {
                if (!buffers.Remove(node, out var incoming))
                {
                    // Every path into this node carried no gradient: it has nothing to do, but its successors
                    // must still learn that this path is finished.
                    Release(node, retainGraph);
                    foreach (var next in node.NextNodes) CountDown(next);
                    continue;
                }
                var grad = node.RunPreHooks(incoming);
                if (capture is not null && capture.TryGetValue(node, out var positions))
                {
                    foreach (var p in positions) results![p] = grad;
                }
                // Autograd.Grad never writes leaves' .Grad.
                if (node is AccumulateGrad && capture is not null) continue;
                var inputGrads = node.Apply(grad);
                if (GradMode.IsAnomalyDetectionEnabled) CheckFinite(node, inputGrads);
                Release(node, retainGraph);
                for (int i = 0; i < node.NextNodes.Length; i++)
                {
                    var next = node.NextNodes[i];
                    if (next is not null && needed.Contains(next) && inputGrads[i] is { } g) Accumulate(buffers, next, g);
                    CountDown(next);
                }
            }
        }
        // Callbacks may queue more callbacks; all run, in order.
        for (int i = 0; i < callbacks.Count; i++) callbacks[i]();

        void CountDown(Node? next)
        {
            if (next is null || !needed.Contains(next)) return;
            int left = dependencies[next] - 1;
            dependencies[next] = left;
            if (left == 0) ready.Enqueue(next, -next.Sequence);
        }

        if (results is not null && !allowUnused)
        {
            for (int i = 0; i < results.Length; i++)
            {
                if (results[i] is null)
                    throw new InvalidOperationException(
                        $"{op}: input {i} ({inputs![i].Describe()}) was not used to compute the outputs, so it has no gradient. Pass allowUnused: true to get null for it.");
            }
        }
        return results;
    }

    private static HashSet<Node> FindNeeded(IEnumerable<Node> roots, Dictionary<Node, List<int>>? capture)
    {
        var all = new HashSet<Node>();
        var order = new List<Node>();
        var stack = new Stack<(Node Node, bool Expanded)>();
        foreach (var r in roots) stack.Push((r, false));
        // Iterative post-order, so deep graphs (long RNN chains) do not overflow the stack.
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded)
            {
                order.Add(node);
                continue;
            }
            if (!all.Add(node)) continue;
            stack.Push((node, true));
            foreach (var next in node.NextNodes)
            {
                if (next is not null && !all.Contains(next)) stack.Push((next, false));
            }
        }
        if (capture is null) return all;
        // With explicit inputs, a node is needed only if it leads to one of them.
        var needed = new HashSet<Node>();
        foreach (var node in order)
        {
            if (capture.ContainsKey(node) || node.NextNodes.Any(n => n is not null && needed.Contains(n))) needed.Add(node);
        }
        return needed;
    }

    private static void Accumulate(Dictionary<Node, Tensor> buffers, Node node, Tensor grad)
        => buffers[node] = buffers.TryGetValue(node, out var existing) ? existing + grad : grad;

    // AccumulateGrad nodes stay usable: they hold no saved tensors, and a leaf may be reused in a new graph.
    private static void Release(Node node, bool retainGraph)
    {
        if (!retainGraph && node is not AccumulateGrad) node.Release();
    }

    private static void CheckFinite(Node node, Tensor?[] grads)
    {
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } g || !g.DType.IsFloatingPoint()) continue;
            using var finite = g.IsFinite();
            using var all = finite.All();
            if (!all.Item<bool>())
                throw new InvalidOperationException(
                    $"Anomaly detected: {node.Name} returned NaN or infinite values in its gradient for input {i} ({g.Describe()}). " +
                    $"The forward operation that created it was called at:{Environment.NewLine}{node.ForwardTrace ?? "(not recorded: enable Autograd.DetectAnomaly() before the forward pass)"}");
        }
    }
}
