namespace CudaTensor.AutogradEngine;

/// <summary>The sink of a leaf tensor: adds the incoming gradient into the leaf's <see cref="Tensor.Grad"/>.</summary>
/// <remarks>
/// Backward passes on several threads may reach one leaf at once (threads sharing a model's parameters): as PyTorch
/// does, accumulation is serialized per leaf, so no update is lost and no thread reads a gradient another has just
/// replaced and disposed.
/// </remarks>
internal sealed class AccumulateGrad(Tensor leaf) : Node
{
    private readonly Lock _gate = new();
    private List<Action<Tensor>>? _postHooks;

    public override string Name => "AccumulateGrad";

    public Tensor Leaf { get; } = leaf;

    internal override Tensor?[] Apply(Tensor grad)
    {
        // A gradient always has its leaf's dtype (mixed-dtype formulas may produce a wider one).
        if (grad.DType != Leaf.DType) grad = grad.To(Leaf.DType);
        lock (_gate)
        {
            Accumulate(grad);
            // Inside the lock: a hook sees the gradient it was called for, and the hooks of one leaf never overlap.
            var hooks = Volatile.Read(ref _postHooks);
            if (hooks is not null)
            {
                Backends.BackendInterception.Current?.Untraceable("a gradient accumulation hook");
                foreach (var hook in hooks) hook(Leaf);
            }
        }
        return [];
    }

    /// <summary>Registers a function called with the leaf after each accumulation into its <see cref="Tensor.Grad"/>.</summary>
    internal RemovableHandle AddPostHook(Action<Tensor> hook)
    {
        HookList.Add(ref _postHooks, hook);
        return new RemovableHandle(() => HookList.Remove(ref _postHooks, hook));
    }

    /// <summary>
    /// A tensor shaped like the leaf that gradients accumulate into in place, when set (data-parallel training sets a
    /// view of a communication bucket, so gradients are reduced where they are, with no copy). Used while the leaf's
    /// gradient is null or already lives there and the backward pass records no graph; otherwise ignored.
    /// </summary>
    internal Tensor? Buffer { get; set; }

    /// <summary>True when <paramref name="grad"/> is a tensor over <see cref="Buffer"/>'s memory.</summary>
    internal bool IsInBuffer(Tensor? grad)
        => Buffer is { } b && grad is not null && ReferenceEquals(grad.Storage, b.Storage) && grad.StorageOffset == b.StorageOffset
            && grad.Strides.SequenceEqual(b.Strides);

    private void Accumulate(Tensor grad)
    {
        var current = Leaf.Grad;
        if (Buffer is { } buffer && !GradMode.IsEnabled && (current is null || IsInBuffer(current)))
        {
            if (current is null)
            {
                // A new tensor object over the buffer: the leaf's owner may dispose its gradient (ZeroGrad does).
                current = buffer.Detach();
                TensorScope.Unregister(current);
                current.CopyFrom(grad);
                Leaf.Grad = current;
            }
            else
            {
                current.AddInPlace(grad);
            }
            return;
        }
        Tensor next;
        if (current is null)
        {
            // Under createGraph the gradient keeps its history (so it can be differentiated again); otherwise
            // the leaf gets its own dense copy, never an alias of a tensor the graph may still hand out.
            next = GradMode.IsEnabled ? grad : grad.DetachedClone();
        }
        else
        {
            next = current + grad;
            if (!GradMode.IsEnabled) current.Dispose();
        }
        // The gradient belongs to the leaf, which outlives the dispose scope of the step that computed it.
        TensorScope.Unregister(next);
        Leaf.Grad = next;
    }
}
