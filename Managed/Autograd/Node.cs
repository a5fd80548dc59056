using CudaTensor.AutogradEngine;

namespace CudaTensor;

/// <summary>
/// A node of the autograd graph: the backward function of one forward operation. It maps the gradient of
/// the operation's output to gradients of its inputs, and points to the nodes that produced those inputs.
/// </summary>
public abstract class Node
{
    private static long _sequence;
    private List<SavedTensor>? _saved;
    private List<Func<Tensor, Tensor?>>? _preHooks;

    /// <summary>Creates a node; the sequence number orders nodes by creation.</summary>
    protected Node()
    {
        Sequence = Interlocked.Increment(ref _sequence);
    }

    /// <summary>A readable name such as <c>MulBackward</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The nodes that produced this operation's inputs (null where an input needs no gradient).</summary>
    public IReadOnlyList<Node?> Inputs => NextNodes;

    internal Node?[] NextNodes { get; set; } = [];

    internal long Sequence { get; }

    /// <summary>Whether saved tensors were released by a backward pass without <c>retainGraph</c>.</summary>
    internal bool IsReleased { get; private set; }

    /// <summary>The stack of the forward call, captured in anomaly mode to say where a bad gradient came from.</summary>
    internal string? ForwardTrace { get; set; }

    /// <summary>Computes the gradients of the inputs from the gradient of the output (same length as <see cref="Inputs"/>).</summary>
    internal abstract Tensor?[] Apply(Tensor grad);

    /// <summary>Keeps <paramref name="tensor"/> for the backward pass; it must not be modified in place before then.</summary>
    internal SavedTensor Save(Tensor tensor)
    {
        var saved = new SavedTensor(tensor, this);
        (_saved ??= []).Add(saved);
        return saved;
    }

    // Hooks are added and removed rarely and run on every backward pass: writers replace the list (under a lock, as
    // threads may register on a shared node), readers iterate whatever list they loaded.
    internal RemovableHandle AddPreHook(Func<Tensor, Tensor?> hook)
    {
        HookList.Add(ref _preHooks, hook);
        return new RemovableHandle(() => HookList.Remove(ref _preHooks, hook));
    }

    internal Tensor RunPreHooks(Tensor grad)
    {
        var hooks = Volatile.Read(ref _preHooks);
        if (hooks is null) return grad;
        Backends.BackendInterception.Current?.Untraceable("a gradient hook (RegisterHook)");
        foreach (var hook in hooks)
        {
            var replaced = hook(grad);
            if (replaced is not null) grad = replaced;
        }
        return grad;
    }

    /// <summary>Frees the saved tensors; a later backward through this node throws.</summary>
    internal void Release()
    {
        if (_saved is not null)
        {
            foreach (var s in _saved) s.Release();
            _saved = null;
        }
        IsReleased = true;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
