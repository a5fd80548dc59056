namespace CudaTensor;

// The autograd side of a tensor: its gradient, the node that produced it, hooks, and Backward().
public sealed partial class Tensor
{
    private Node? _gradFn;
    private AccumulateGrad? _accumulator;
    private Tensor? _grad;

    /// <summary>The node that computed this tensor (null for leaves and for tensors that do not require grad).</summary>
    public Node? GradFn => _gradFn;

    /// <summary>
    /// True for tensors created by the user (not by a recorded op). Only leaves get <see cref="Grad"/> filled by
    /// <see cref="Backward"/>, unless <see cref="RetainGrad"/> was called on a non-leaf.
    /// </summary>
    public bool IsLeaf => _gradFn is null;

    /// <summary>The accumulated gradient (null until a backward pass reaches this tensor). Settable, e.g. to null.</summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && !Shapes.SameShape(value.Shape, _shape))
                throw new ArgumentException($"Grad: the gradient {value.Describe()} must have the shape of {Describe()}.");
            _grad = value;
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
            return null;
        });
    }

    private bool _retainsGrad;

    /// <summary>
    /// Registers a function called with this tensor's gradient during backward; returning a tensor replaces the
    /// gradient, returning null keeps it. Data-parallel training uses this to start reducing gradients early.
    /// </summary>
    public void RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var node = GradNode() ?? throw new InvalidOperationException(
            $"{nameof(RegisterHook)}: cannot register a hook on {Describe()} because it does not require grad.");
        node.AddPreHook(hook);
    }

    /// <summary>The node gradients for this tensor flow into: its GradFn, its leaf accumulator, or null.</summary>
    internal Node? GradNode()
    {
        if (_gradFn is not null) return _gradFn;
        if (!RequiresGrad) return null;
        return _accumulator ??= new AccumulateGrad(this);
    }

    /// <summary>A new tensor object over the same data with the same autograd identity (used for saved tensors).</summary>
    internal Tensor AliasForAutograd()
    {
        var alias = AsStrided(_shape, _strides, StorageOffset);
        alias._gradFn = _gradFn;
        alias._requiresGrad = RequiresGrad;
        alias._accumulator = _gradFn is null && RequiresGrad ? (AccumulateGrad?)GradNode() : null;
        return alias;
    }

    /// <summary>A contiguous copy with no autograd history.</summary>
    internal Tensor DetachedClone()
    {
        using (Autograd.NoGrad()) return Clone();
    }

    /// <summary>Attaches <paramref name="node"/> as the op that produced this tensor.</summary>
    internal void SetGradFn(Node node)
    {
        _gradFn = node;
        _requiresGrad = true;
        if (GradMode.IsAnomalyDetectionEnabled) node.ForwardTrace = Environment.StackTrace;
    }
}
