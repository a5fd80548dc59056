using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// The autograd side of a tensor: its gradient, the node that produced it, hooks, and Backward().
public sealed partial class Tensor
{
    private bool _requiresGrad;
    private Node? _gradFn;
    private AccumulateGrad? _accumulator;
    private Tensor? _grad;

    /// <summary>
    /// Whether gradients with respect to this tensor are wanted. Settable on leaves only (results of recorded ops
    /// require grad because an input does); only floating-point tensors can require gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set to true on an integer or Bool tensor, or changed on a non-leaf.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException(
                    $"Only floating-point tensors can require gradients, but {Describe()} has dtype {DType.Name()}. Convert it with .To(DType.Float32) first.");
            if (!IsLeaf && !value)
                throw new InvalidOperationException(
                    $"RequiresGrad can only be changed on leaf tensors, but {Describe()} was computed by {_gradFn!.Name}. Use .Detach() to get a tensor cut off from the graph.");
            _requiresGrad = value;
        }
    }

    internal Tensor WithRequiresGrad(bool requiresGrad, string op)
    {
        if (requiresGrad)
        {
            if (!DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: only floating-point tensors can require gradients, but the dtype is {DType.Name()}.");
            _requiresGrad = true;
        }
        return this;
    }

    /// <summary>The node that computed this tensor (null for leaves and for tensors that do not require grad).</summary>
    public Node? GradFn => _gradFn;

    /// <summary>
    /// True for tensors created by the user (not by a recorded op). Only leaves get <see cref="Grad"/> filled by
    /// <see cref="Backward"/>, unless <see cref="RetainGrad"/> was called on a non-leaf.
    /// </summary>
    public bool IsLeaf => _gradFn is null;

    /// <summary>
    /// The accumulated gradient (null until a backward pass reaches this tensor). Settable, e.g. to null; as in
    /// PyTorch, an assigned gradient must have this tensor's shape, dtype and device.
    /// </summary>
    /// <exception cref="ArgumentException">The assigned gradient differs in shape, dtype or device, or is this tensor itself.</exception>
    public Tensor? Grad
    {
        get => Volatile.Read(ref _grad);
        set
        {
            if (value is not null)
            {
                const string fix = " Assign a gradient like the tensor, e.g. Tensor.ZerosLike(w), or convert it first.";
                if (ReferenceEquals(value, this))
                    throw new ArgumentException($"Grad: cannot assign {Describe()} as its own gradient. Assign a copy (.Clone()).");
                if (!Shapes.SameShape(value.Shape, _shape))
                    throw new ArgumentException($"Grad: the assigned gradient {value.Describe()} has a different shape than {Describe()}.{fix}");
                if (value.DType != DType)
                    throw new ArgumentException($"Grad: the assigned gradient {value.Describe()} has a different dtype than {Describe()}.{fix}");
                if (value.Device != Device)
                    throw new ArgumentException($"Grad: the assigned gradient {value.Describe()} is on a different device than {Describe()}.{fix}");
            }
            Volatile.Write(ref _grad, value);
        }
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to the graph's leaves and adds it to their
    /// <see cref="Grad"/>. A non-scalar tensor needs <paramref name="gradient"/> (the vector of the
    /// vector-Jacobian product). Saved tensors are freed afterwards unless <paramref name="retainGraph"/>;
    /// <paramref name="createGraph"/> records the backward pass itself so gradients can be differentiated again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor does not require grad, a non-scalar has no gradient, or the graph was freed.</exception>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        var grad = gradient ?? DefaultGradient(this, nameof(Backward));
        if (!Shapes.SameShape(grad.Shape, _shape))
            throw new ArgumentException($"{nameof(Backward)}: the gradient {grad.Describe()} must have the shape of {Describe()}.");
        Engine.Run([this], [grad], retainGraph || createGraph, createGraph, null, false, nameof(Backward));
    }

    internal static Tensor DefaultGradient(Tensor output, string op)
    {
        if (output.NumElements != 1)
            throw new InvalidOperationException(
                $"{op}: a gradient can be created implicitly only for scalar outputs, but {output.Describe()} has {output.NumElements} elements. " +
                "Pass the gradient of the loss with respect to this tensor (e.g. Tensor.OnesLike(output)), or reduce it first (e.g. .Sum()).");
        return OnesLike(output);
    }

    /// <summary>A view of the same data cut off from the graph (it does not require grad).</summary>
    public Tensor Detach() => AsStrided(_shape, _strides, StorageOffset);

    /// <summary>Makes a non-leaf keep its gradient in <see cref="Grad"/> during backward passes.</summary>
    public void RetainGrad()
    {
        if (!RequiresGrad)
            throw new InvalidOperationException($"{nameof(RetainGrad)}: {Describe()} does not require grad.");
        if (IsLeaf || _retainsGrad) return;
        _retainsGrad = true;
        _gradFn!.AddPreHook(g =>
        {
            _grad = _grad is null ? (GradMode.IsEnabled ? g : g.DetachedClone()) : _grad + g;
            TensorScope.Unregister(_grad);
            return null;
        });
    }

    private bool _retainsGrad;

    /// <summary>
    /// Registers a function called with this tensor's gradient during backward; returning a tensor replaces the
    /// gradient, returning null keeps it (PyTorch's <c>register_hook</c>).
    /// </summary>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="InvalidOperationException">This tensor does not require grad.</exception>
    public RemovableHandle RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var node = GradNode() ?? throw new InvalidOperationException(
            $"{nameof(RegisterHook)}: cannot register a hook on {Describe()} because it does not require grad. Set RequiresGrad = true on a leaf first.");
        return node.AddPreHook(hook);
    }

    /// <summary>
    /// Registers a function called with this leaf tensor after a backward pass has accumulated a gradient into its
    /// <see cref="Grad"/> (PyTorch's <c>register_post_accumulate_grad_hook</c>): data-parallel training starts
    /// reducing a parameter's gradient from here while backward still runs, and an optimizer can step a parameter
    /// as soon as its gradient is complete. The hook runs once per accumulation, on the thread of the backward pass,
    /// and reads the gradient through <see cref="Grad"/>; it does not run for <see cref="Autograd.Grad"/>, which
    /// accumulates nothing.
    /// </summary>
    /// <returns>A handle whose <see cref="RemovableHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="InvalidOperationException">This tensor does not require grad, or is not a leaf.</exception>
    public RemovableHandle RegisterPostAccumulateGradHook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad)
            throw new InvalidOperationException(
                $"{nameof(RegisterPostAccumulateGradHook)}: cannot register a hook on {Describe()} because it does not require grad. Set RequiresGrad = true on it first.");
        if (!IsLeaf)
            throw new InvalidOperationException(
                $"{nameof(RegisterPostAccumulateGradHook)}: {Describe()} is not a leaf, and only leaves accumulate gradients. " +
                "Register the hook on the leaf (a parameter), or use RegisterHook on this tensor.");
        return ((AccumulateGrad)GradNode()!).AddPostHook(hook);
    }

    /// <summary>The node gradients for this tensor flow into: its GradFn, its leaf accumulator, or null.</summary>
    internal Node? GradNode()
    {
        if (_gradFn is FunctionNode { IsView: true } view && view.NextNodes[0] is not AccumulateGrad && Storage.Version != view.ViewVersion)
            throw new InvalidOperationException(
                $"{Describe()} is a view whose base was modified in place after the view was taken, so its recorded history is stale. " +
                "Take the view again after the in-place operation (or use out-of-place ops).");
        if (_gradFn is not null) return _gradFn;
        if (!RequiresGrad) return null;
        // Threads that meet a fresh leaf at once must all record the same accumulator: the graph finds a leaf, and
        // serializes its accumulation, through that one node.
        return Volatile.Read(ref _accumulator)
            ?? Interlocked.CompareExchange(ref _accumulator, new AccumulateGrad(this), null)
            ?? _accumulator!;
    }

    /// <summary>
    /// Makes this tensor object show <paramref name="source"/>'s data (storage, layout, dtype, device), like
    /// assigning PyTorch's <c>tensor.data</c>. Modules use it to move parameters to another device or dtype while
    /// every reference to the parameter (an optimizer's, the user's) stays valid. Only leaves can be re-pointed;
    /// the gradient is left to the caller (it no longer matches when the dtype or device changed).
    /// </summary>
    internal void ReplaceData(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!IsLeaf)
            throw new InvalidOperationException($"ReplaceData: {Describe()} was computed by {_gradFn!.Name}; only leaf tensors can take new data.");
        if (source.RequiresGrad && !source.IsLeaf)
            throw new ArgumentException($"ReplaceData: the new data {source.Describe()} has history; pass source.Detach().");
        if (_requiresGrad && !source.DType.IsFloatingPoint())
            throw new ArgumentException($"ReplaceData: {Describe()} requires grad, so its data must stay floating point, not {source.DType.Name()}.");
        var storage = source.Storage;
        storage.AddRef();
        var old = Interlocked.Exchange(ref _storage, storage);
        StorageOffset = source.StorageOffset;
        _shape = source._shape;
        _strides = source._strides;
        DType = source.DType;
        old?.Release();
    }

    /// <summary>A new tensor object over the same data with the same autograd identity (used for saved tensors).</summary>
    internal Tensor AliasForAutograd()
    {
        var alias = AsStrided(_shape, _strides, StorageOffset);
        // The node owns the alias (it is released with the graph), not the caller's dispose scope.
        TensorScope.Unregister(alias);
        alias._gradFn = _gradFn;
        alias.IsWrappedNumber = IsWrappedNumber; // a saved C# number must keep its promotion rule in backward formulas
        alias._requiresGrad = RequiresGrad;
        alias._accumulator = _gradFn is null && RequiresGrad ? (AccumulateGrad?)GradNode() : null;
        return alias;
    }

    /// <summary>A contiguous copy with no autograd history.</summary>
    internal Tensor DetachedClone()
    {
        using (Autograd.NoGrad()) return Clone();
    }

    /// <summary>
    /// Checks an in-place write for autograd and tells whether it must be recorded: refused on leaves that
    /// require grad and on views of tensors that require grad (where a correct gradient would need the view's
    /// history rewritten); recorded when this tensor or <paramref name="other"/> requires grad.
    /// </summary>
    internal bool InPlaceNeedsGrad(Tensor? other, string op)
    {
        if (!GradMode.IsEnabled) return false;
        if (RequiresGrad && IsLeaf)
            throw new InvalidOperationException(
                $"{op}: {Describe()} is a leaf that requires grad and cannot be modified in place while gradients are recorded. " +
                "Wrap parameter updates in 'using (Autograd.NoGrad()) { ... }', or use the out-of-place op.");
        if (RequiresGrad && _gradFn is FunctionNode { IsView: true })
            throw new InvalidOperationException(
                $"{op}: {Describe()} is a view of a tensor that requires grad; modifying it in place is not supported because the base's history " +
                "would have to be rewritten. Apply the op to a .Clone() of the view, or to the base tensor.");
        return RequiresGrad || (other?.RequiresGrad ?? false);
    }

    /// <summary>
    /// Performs a recorded in-place op: computes it out of place from a copy of the old value (which keeps the
    /// old history), writes the values back into this tensor's memory, and takes the result's history.
    /// </summary>
    internal Tensor RebaseInPlace(Func<Tensor, Tensor> outOfPlace)
    {
        using var old = Clone();
        using var result = outOfPlace(old);
        using (GradMode.Set(false)) Backend.Copy(Layout, result.Layout);
        BumpVersion();
        if (result._gradFn is { } node) SetGradFn(node);
        return this;
    }

    /// <summary>Attaches <paramref name="node"/> as the op that produced this tensor.</summary>
    internal void SetGradFn(Node node)
    {
        _gradFn = node;
        _requiresGrad = true;
        if (GradMode.IsAnomalyDetectionEnabled) node.ForwardTrace = Environment.StackTrace;
    }
}
