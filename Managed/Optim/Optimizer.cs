using System.Globalization;
using CudaTensor.Core;

namespace CudaTensor.Optim;

/// <summary>
/// Base class of the optimizers, with PyTorch's model: parameter groups that carry their own hyper-parameters,
/// per-parameter state created on the first <see cref="Step()"/>, <see cref="ZeroGrad"/>, and state dicts.
/// </summary>
/// <remarks>
/// Parameters are leaf tensors (e.g. <c>model.Parameters()</c>). A step skips parameters whose
/// <see cref="Tensor.Grad"/> is null. Updates run without recording the autograd graph and write into the
/// parameters in place, so tensors that alias a parameter (views, a module holding it) see the new values.
/// </remarks>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, double> _defaults;
    private readonly OptimizerOptions? _options;

    /// <summary>Creates the optimizer; each group's missing options are filled from <paramref name="defaults"/>.</summary>
    /// <exception cref="ArgumentException">No parameters, a parameter listed twice, a non-leaf or non-floating parameter, or an unknown option.</exception>
    protected Optimizer(IEnumerable<ParamGroup> paramGroups, IReadOnlyDictionary<string, double> defaults)
        : this(paramGroups, defaults, null)
    {
    }

    // The built-in optimizers declare their options once, with the checks the default ValidateGroup runs.
    private protected Optimizer(IEnumerable<ParamGroup> paramGroups, OptimizerOptions options)
        : this(paramGroups, options.Defaults, options)
    {
    }

    private Optimizer(IEnumerable<ParamGroup> paramGroups, IReadOnlyDictionary<string, double> defaults, OptimizerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(paramGroups);
        ArgumentNullException.ThrowIfNull(defaults);
        _options = options;
        _defaults = new Dictionary<string, double>(defaults, StringComparer.Ordinal);
        var groups = paramGroups.ToList();
        if (groups.Count == 0)
            throw new ArgumentException($"{GetType().Name}: got an empty list of parameter groups; pass at least one parameter.", nameof(paramGroups));
        foreach (var g in groups) AddParamGroup(g);
        if (_groups.All(g => g.Params.Count == 0))
            throw new ArgumentException($"{GetType().Name}: got an empty parameter list; pass the model's parameters (e.g. model.Parameters()).", nameof(paramGroups));
    }

    /// <summary>The parameter groups, in order.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The hyper-parameters groups get when they do not set their own.</summary>
    public IReadOnlyDictionary<string, double> Defaults => _defaults;

    /// <summary>The state of each parameter that has been updated at least once (keyed by the parameter object).</summary>
    public IReadOnlyDictionary<Tensor, ParameterState> State => _state;

    /// <summary>Adds a group (e.g. layers unfrozen during fine-tuning); missing options come from <see cref="Defaults"/>.</summary>
    /// <exception cref="ArgumentException">A parameter is already optimized, is not a floating-point leaf, or an option is unknown.</exception>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        string name = GetType().Name;
        foreach (var key in group.Options.Keys)
        {
            if (!_defaults.ContainsKey(key) && key != "initial_lr")
                throw new ArgumentException(
                    $"{name}: parameter group {_groups.Count} sets unknown option '{key}'; {name} takes {string.Join(", ", _defaults.Keys.Select(k => $"'{k}'"))}.", nameof(group));
        }
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var g in _groups)
        {
            foreach (var p in g.Params) seen.Add(p);
        }
        for (int i = 0; i < group.Params.Count; i++)
        {
            var p = group.Params[i];
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} is {p.Describe()}; only floating-point tensors can be optimized.", nameof(group));
            if (!p.IsLeaf)
                throw new ArgumentException(
                    $"{name}: parameter {i} of group {_groups.Count} ({p.Describe()}) is not a leaf tensor (it was computed by {p.GradFn!.Name}); " +
                    "optimize the tensors you created, or .Detach() the result and set RequiresGrad = true.", nameof(group));
            if (!seen.Add(p))
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} ({p.Describe()}) appears more than once across the parameter groups.", nameof(group));
        }
        foreach (var (k, v) in _defaults) group.SetDefault(k, v);
        ValidateGroup(group);
        _groups.Add(group);
    }

    /// <summary>
    /// Checks a group's hyper-parameters (ranges, incompatible flags); throws <see cref="ArgumentException"/>. The
    /// built-in optimizers check the ranges of the options they declare; an optimizer built on the dictionary
    /// constructor checks nothing unless it overrides this.
    /// </summary>
    protected virtual void ValidateGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _options?.Validate(GetType().Name, group);
    }

    /// <summary>
    /// Applies the update to one parameter whose gradient is <paramref name="grad"/>. Called with the autograd
    /// graph off and inside a dispose scope (temporaries need no disposing); state tensors must be created with
    /// <see cref="NewState"/> so they outlive the scope. <paramref name="state"/>.Step has not been incremented yet.
    /// </summary>
    protected abstract void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state);

    /// <summary>A zero state tensor shaped like <paramref name="param"/>, owned by the optimizer.</summary>
    protected static Tensor NewState(Tensor param) => ParameterState.KeepOutsideScopes(Tensor.ZerosLike(param));

    /// <summary>A copy of <paramref name="source"/> owned by the optimizer (e.g. SGD's first momentum buffer).</summary>
    protected static Tensor NewStateFrom(Tensor source) => ParameterState.KeepOutsideScopes(source.Clone());

    /// <summary>Performs one optimization step on every parameter that has a gradient.</summary>
    /// <exception cref="InvalidOperationException">A gradient does not match its parameter's dtype and device, or a
    /// parameter's state is on another device than the parameter (see <see cref="To(Device)"/>).</exception>
    /// <exception cref="ObjectDisposedException">A parameter or its gradient was disposed (e.g. the model was disposed
    /// while the optimizer was still in use); nothing is updated.</exception>
    public void Step()
    {
        using var noGrad = Autograd.NoGrad();
        CheckNotDisposed();
        for (int g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            for (int i = 0; i < group.Params.Count; i++)
            {
                var p = group.Params[i];
                var grad = p.Grad;
                if (grad is null) continue;
                if (grad.Device != p.Device || grad.DType != p.DType)
                    throw new InvalidOperationException(
                        $"{GetType().Name}.Step: the gradient {grad.Describe()} does not match its parameter {p.Describe()} in dtype and device.");
                if (!_state.TryGetValue(p, out var state))
                {
                    state = new ParameterState();
                    _state[p] = state;
                }
                else
                {
                    foreach (var (key, t) in state.Tensors)
                    {
                        if (t.Device != p.Device) throw StateDeviceMismatch(GetType().Name, g, i, p, key, t.Device);
                    }
                }
                using var scope = Tensor.NewScope();
                Update(group, p, grad, state);
            }
        }
    }

    // A disposed parameter has no data to update: skipping it would train nothing without a word, so the step refuses
    // before it writes anything.
    private void CheckNotDisposed()
    {
        for (int g = 0; g < _groups.Count; g++)
        {
            var ps = _groups[g].Params;
            for (int i = 0; i < ps.Count; i++)
            {
                var p = ps[i];
                string? what = p.IsDisposed ? "was disposed" : p.Grad is { IsDisposed: true } ? "has a disposed gradient" : null;
                if (what is null) continue;
                throw new ObjectDisposedException(p.Describe(),
                    $"{GetType().Name}.Step: parameter {i} of group {g} ({p.Describe()}) {what}, so it cannot be updated; nothing was updated. " +
                    "Dispose the optimizer together with the model, or create a new optimizer over the new model's parameters.");
            }
        }
    }

    /// <summary>
    /// The error of a step whose parameter moved to another device (e.g. with <c>Module.To</c>) while its state stayed
    /// behind: the fix is to move the state too, or to move the model before the state exists.
    /// </summary>
    internal static InvalidOperationException StateDeviceMismatch(string optimizer, int group, int index, Tensor param, string stateName, Device stateDevice)
        => new($"{optimizer}.Step: parameter {index} of group {group} ({param.Describe()}) is on {param.Device}, but its optimizer state " +
               $"'{stateName}' is on {stateDevice}. Call optimizer.To({AsCode(param.Device)}) after moving the model (it moves every state tensor), " +
               "or move the model before the first step.");

    private static string AsCode(Device device) => device.IsCpu ? "Device.Cpu" : $"Device.Cuda({device.Index.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>
    /// Moves every state tensor to <paramref name="device"/> (call it after moving the model with <c>Module.To</c>, whose
    /// parameters keep their identity, so the state stays attached to them). Like a module's parameters, each state
    /// tensor object is kept and re-pointed at a copy of its data on the device, so references to
    /// <see cref="State"/>'s tensors see the moved data. State created later lives on its parameter's device.
    /// </summary>
    /// <returns>This optimizer.</returns>
    public Optimizer To(Device device)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var state in _state.Values)
        {
            foreach (var t in state.Tensors.Values)
            {
                if (t.Device == device) continue;
                using var moved = t.To(device);
                TensorScope.Unregister(moved); // disposed right here; t takes its own reference to the storage
                t.ReplaceData(moved);
            }
        }
        return this;
    }

    /// <summary>
    /// Re-evaluates the model with <paramref name="closure"/> (which should zero the gradients, compute the loss
    /// and call Backward), then steps. Returns the closure's loss.
    /// </summary>
    public Tensor Step(Func<Tensor> closure) => StepWithClosure(closure);

    /// <summary>
    /// The step behind <see cref="Step(Func{Tensor})"/>: by default the closure, then <see cref="Step()"/>; optimizers
    /// that evaluate the model several times per step (L-BFGS) override it.
    /// </summary>
    protected virtual Tensor StepWithClosure(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss;
        using (Autograd.EnableGrad()) loss = closure();
        Step();
        return loss;
    }

    /// <summary>
    /// Clears the gradients of all optimized parameters: sets them to null (the default, as in PyTorch; the old
    /// gradient tensors are disposed) or, with <paramref name="setToNull"/> false, fills them with zeros.
    /// </summary>
    public void ZeroGrad(bool setToNull = true)
    {
        foreach (var group in _groups)
        {
            foreach (var p in group.Params)
            {
                var g = p.Grad;
                if (g is null) continue;
                if (setToNull)
                {
                    p.Grad = null;
                    g.Dispose();
                }
                else
                {
                    using (Autograd.NoGrad()) g.Zero();
                }
            }
        }
    }

    /// <summary>
    /// A snapshot of the optimizer: each group's options with the indices of its parameters (numbered across
    /// groups in order, as in PyTorch), and the state of each parameter by index. The tensors are copies owned by
    /// the returned object (dispose it).
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var dict = new OptimizerStateDict();
        int index = 0;
        foreach (var group in _groups)
        {
            var indices = new int[group.Params.Count];
            for (int i = 0; i < indices.Length; i++, index++)
            {
                indices[i] = index;
                if (_state.TryGetValue(group.Params[i], out var s)) dict.State[index] = s.Clone();
            }
            dict.ParamGroups.Add(new ParamGroupState(new Dictionary<string, double>(group.Options, StringComparer.Ordinal), indices));
        }
        return dict;
    }

    /// <summary>
    /// Restores options and state from <paramref name="stateDict"/> (which keeps its own tensors): the groups must
    /// have the same sizes as this optimizer's. State tensors are copied to each parameter's device, and floating
    /// ones to its dtype. Parameters without an entry lose their state.
    /// </summary>
    /// <remarks>Every state tensor must have its parameter's shape (the state of each built-in optimizer does); all are
    /// checked before anything changes, so a load that throws leaves the optimizer as it was.</remarks>
    /// <exception cref="ObjectDisposedException">A state tensor of <paramref name="stateDict"/> was disposed.</exception>
    /// <exception cref="ArgumentException">The number of groups or their sizes differ, an index is invalid, or a state
    /// tensor's shape differs from its parameter's (the message names the parameter, the state and both shapes).</exception>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string name = $"{GetType().Name}.{nameof(LoadStateDict)}";
        if (stateDict.ParamGroups.Count != _groups.Count)
            throw new ArgumentException($"{name}: the state dict has {stateDict.ParamGroups.Count} parameter groups but the optimizer has {_groups.Count}.", nameof(stateDict));
        var byIndex = new Dictionary<int, Tensor>();
        for (int g = 0; g < _groups.Count; g++)
        {
            var saved = stateDict.ParamGroups[g];
            if (saved.Params.Count != _groups[g].Params.Count)
                throw new ArgumentException(
                    $"{name}: parameter group {g} of the state dict has {saved.Params.Count} parameters but the optimizer's has {_groups[g].Params.Count}.", nameof(stateDict));
            for (int i = 0; i < saved.Params.Count; i++)
            {
                if (!byIndex.TryAdd(saved.Params[i], _groups[g].Params[i]))
                    throw new ArgumentException($"{name}: parameter index {saved.Params[i]} appears twice in the state dict's groups.", nameof(stateDict));
            }
        }
        foreach (var (index, saved) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var p))
                throw new ArgumentException($"{name}: the state dict has state for parameter index {index}, which no group lists.", nameof(stateDict));
            foreach (var (key, t) in saved.Tensors)
            {
                ArgumentNullException.ThrowIfNull(t, $"stateDict.State[{index}].Tensors[\"{key}\"]");
                if (t.IsDisposed)
                    throw new ObjectDisposedException(t.Describe(), $"{name}: state '{key}' of parameter {index} was disposed; nothing was loaded.");
                if (!t.Shape.SequenceEqual(p.Shape) && !AcceptsStateShape(key, t.Shape.ToArray(), p))
                    throw new ArgumentException(
                        $"{name}: state '{key}' of parameter {index} ({p.Describe()}) has shape {Shapes.Format(t.Shape)}, but the parameter has shape {Shapes.Format(p.Shape)}. " +
                        "The state dict belongs to a model of other sizes, or its parameters are in another order; nothing was loaded.", nameof(stateDict));
            }
        }
        var loaded = new Dictionary<Tensor, ParameterState>(ReferenceEqualityComparer.Instance);
        try
        {
            using var noGrad = Autograd.NoGrad();
            foreach (var (index, saved) in stateDict.State)
            {
                var p = byIndex[index];
                var s = new ParameterState { Step = saved.Step };
                loaded[p] = s;
                foreach (var (key, t) in saved.Tensors)
                {
                    using var onDevice = t.To(p.Device);
                    var copy = t.DType.IsFloatingPoint() ? onDevice.To(p.DType) : onDevice.Clone();
                    if (ReferenceEquals(copy.Storage, t.Storage)) copy = ReplaceWithClone(copy);
                    s.Tensors[key] = ParameterState.KeepOutsideScopes(copy);
                }
            }
        }
        catch
        {
            foreach (var s in loaded.Values) s.Dispose();
            throw;
        }
        for (int g = 0; g < _groups.Count; g++) _groups[g].CopyOptionsFrom(stateDict.ParamGroups[g].Options);
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
        foreach (var (p, s) in loaded) _state[p] = s;
    }

    // To(device)/To(dtype) return views when nothing changes; the optimizer must own separate memory.
    private static Tensor ReplaceWithClone(Tensor view)
    {
        var clone = view.Clone();
        view.Dispose();
        return clone;
    }

    /// <summary>
    /// Whether state <paramref name="key"/> may have <paramref name="shape"/>, which differs from its parameter's
    /// (e.g. NAdam's 0-d <c>"mu_product"</c>); the built-in per-element states must match the parameter.
    /// </summary>
    protected virtual bool AcceptsStateShape(string key, long[] shape, Tensor param) => false;

    /// <summary>
    /// Replaces the state of <paramref name="param"/>, disposing the old one: for optimizers whose step is not one
    /// update per parameter (L-BFGS keeps its global state under the first parameter, as PyTorch does).
    /// </summary>
    protected void ReplaceState(Tensor param, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        if (_state.Remove(param, out var old)) old.Dispose();
        _state[param] = state;
    }

    /// <summary>Disposes the state tensors (the parameters are not touched).</summary>
    public void Dispose()
    {
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws unless option <paramref name="option"/> is a finite number at least <paramref name="min"/>.</summary>
    protected void RequireAtLeast(ParamGroup group, string option, double min)
    {
        ArgumentNullException.ThrowIfNull(group);
        OptimizerOptions.RequireAtLeast(GetType().Name, group, option, min);
    }

    /// <summary>Throws unless <paramref name="option"/> is in [0, 1).</summary>
    protected void RequireBeta(ParamGroup group, string option)
    {
        ArgumentNullException.ThrowIfNull(group);
        OptimizerOptions.RequireBeta(GetType().Name, group, option);
    }
}
