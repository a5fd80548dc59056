namespace CudaTensor.NN;

/// <summary>
/// Base class of every layer and model, like PyTorch's <c>nn.Module</c>. A module owns parameters, buffers and
/// sub-modules that it registers by name in its constructor; traversals (<see cref="Parameters"/>,
/// <see cref="NamedParameters"/>, <see cref="Modules"/>, <see cref="StateDict"/>) visit them in registration
/// order, own members before children, so names and order are deterministic.
/// </summary>
/// <remarks>
/// Registration is explicit (<see cref="RegisterParameter"/>, <see cref="RegisterModule{T}"/>,
/// <see cref="RegisterBuffer"/>): nothing is discovered by reflection, so modules work under trimming and AOT.
/// A custom module:
/// <code>
/// sealed class Mlp : Module
/// {
///     private readonly Linear _fc1, _fc2;
///     public Mlp()
///     {
///         _fc1 = RegisterModule("fc1", new Linear(784, 128));
///         _fc2 = RegisterModule("fc2", new Linear(128, 10));
///     }
///     public override Tensor Forward(Tensor x) => _fc2.Forward(_fc1.Forward(x).Relu());
/// }
/// </code>
/// Moving (<c>To(device)</c>, <c>To(dtype)</c>), <c>Train()</c> and <c>Eval()</c> are extension methods in
/// <see cref="ModuleExtensions"/> so that they return the module's own type.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "PyTorch's name for the concept, which users look for.")]
public abstract partial class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private readonly List<BufferEntry> _buffers = [];

    private sealed class BufferEntry(string name, Tensor value, bool persistent)
    {
        public string Name { get; } = name;
        public Tensor Value { get; set; } = value;
        public bool Persistent { get; } = persistent;
    }

    /// <summary>The module's type name, used in printing and messages.</summary>
    public virtual string TypeName => GetType().Name;

    /// <summary>Whether the module is in training mode (the default); <c>Eval()</c> turns it off, which changes e.g. <see cref="Dropout"/>.</summary>
    public bool IsTraining
    {
        get
        {
            // A graph compiler tracing this thread guards on the flags its capture depended on.
            if (Backends.BackendInterception.Current is { } interceptor) GuardTraining(interceptor);
            return _training;
        }
        private set => _training = value;
    }

    private bool _training = true;

    // Separate, so the closure is allocated only while a graph is being captured.
    private void GuardTraining(Backends.IBackendInterceptor interceptor) => interceptor.FlagRead(() => _training, _training, TypeName + ".IsTraining");

    /// <summary>
    /// Computes the module's output. Modules with one tensor input override this; modules that take more
    /// (losses take input and target) define their own <c>Forward</c> overloads.
    /// </summary>
    /// <exception cref="NotSupportedException">The module does not define a one-input forward.</exception>
    public virtual Tensor Forward(Tensor input)
        => throw new NotSupportedException(
            $"{TypeName} does not define Forward(Tensor). Override Forward in {TypeName}, or call the Forward overload it defines.");

    /// <summary>
    /// Registers <paramref name="tensor"/> as a parameter named <paramref name="name"/> and returns the registered
    /// tensor (keep it in a field to use it in <see cref="Forward"/>). Parameters are plain tensors, as in PyTorch:
    /// the registered tensor is a leaf whose <see cref="Tensor.RequiresGrad"/> is <paramref name="requiresGrad"/>
    /// (set it to false later to freeze the parameter). A leaf is registered as it is, so the returned tensor is
    /// <paramref name="tensor"/> itself; a tensor with history is detached first (the returned leaf shares its
    /// storage). The module owns the tensor from now on: it leaves the current <see cref="TensorScope"/> and is
    /// disposed with the module. The same tensor may be registered in several modules (shared weights).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The name is empty, contains '.', or is already used by a parameter, buffer or sub-module; or
    /// <paramref name="requiresGrad"/> is true and the tensor is not floating point.
    /// </exception>
    protected Tensor RegisterParameter(string name, Tensor tensor, bool requiresGrad = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckNewName(name, nameof(RegisterParameter));
        if (requiresGrad && !tensor.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{nameof(RegisterParameter)}: parameter '{name}' of {TypeName} is {tensor.DType.Name()}, but only floating-point tensors can require gradients. " +
                "Convert it with .To(DType.Float32), or register it with requiresGrad: false (or as a buffer).", nameof(tensor));
        var parameter = Adopt(tensor);
        parameter.RequiresGrad = requiresGrad;
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>Registers <paramref name="module"/> as a child named <paramref name="name"/> and returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', is already used, or the module is this module.</exception>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this))
            throw new ArgumentException($"{nameof(RegisterModule)}: a {TypeName} cannot be registered as its own child '{name}'.", nameof(module));
        CheckNewName(name, nameof(RegisterModule));
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>
    /// Registers a tensor that belongs to the module's state but is not trained (running statistics, masks) and
    /// returns it. Buffers move with the module (the tensor object stays, as parameters do) and, when
    /// <paramref name="persistent"/>, appear in <see cref="StateDict"/>. The module owns the tensor from now on
    /// (it leaves the current <see cref="TensorScope"/>); a tensor with history is detached first, so the
    /// returned tensor is <paramref name="tensor"/> itself only when it is a leaf.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used.</exception>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckNewName(name, nameof(RegisterBuffer));
        var buffer = Adopt(tensor);
        _buffers.Add(new BufferEntry(name, buffer, persistent));
        return buffer;
    }

    /// <summary>
    /// The current tensor of buffer <paramref name="name"/>. Moving the module keeps the tensor object, but
    /// <see cref="SetBuffer"/> replaces it, so modules that reassign a buffer should look it up rather than cache it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No buffer of that name was registered on this module.</exception>
    protected Tensor GetBuffer(string name) => FindBuffer(name).Value;

    /// <summary>
    /// Replaces the tensor of buffer <paramref name="name"/> (detached first if it has history); the old tensor is
    /// disposed unless it is the same object.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No buffer of that name was registered on this module.</exception>
    protected void SetBuffer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var entry = FindBuffer(name);
        if (ReferenceEquals(entry.Value, tensor)) return;
        var buffer = Adopt(tensor);
        entry.Value.Dispose();
        entry.Value = buffer;
    }

    /// <summary>
    /// Takes ownership of a tensor the module keeps: out of the current scope (it outlives training steps) and
    /// without history (a non-leaf would keep the graph that made it alive, could not accumulate a gradient, and
    /// could not be re-pointed when the module moves).
    /// </summary>
    private static Tensor Adopt(Tensor tensor)
    {
        if (!tensor.IsLeaf) tensor = tensor.Detach();
        TensorScope.Current?.Keep(tensor);
        return tensor;
    }

    private BufferEntry FindBuffer(string name)
        => _buffers.Find(b => b.Name == name)
           ?? throw new KeyNotFoundException($"{TypeName} has no buffer named '{name}'. Registered buffers: [{string.Join(", ", _buffers.Select(b => b.Name))}].");

    private void CheckNewName(string name, string op)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException($"{op}: the name '{name}' is not valid in {TypeName}: names must be non-empty and must not contain '.'.", nameof(name));
        if (_parameters.Any(p => p.Key == name) || _children.Any(c => c.Key == name) || _buffers.Any(b => b.Name == name))
            throw new ArgumentException($"{op}: {TypeName} already has a parameter, buffer or sub-module named '{name}'. Choose another name.", nameof(name));
    }

    /// <summary>The parameters of this module and (when <paramref name="recurse"/>) of all sub-modules, each once, in registration order.</summary>
    /// <remarks>Each parameter is a leaf tensor; pass them to an optimizer: <c>new Adam(model.Parameters())</c>.</remarks>
    public IEnumerable<Tensor> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>
    /// Parameters with dotted names relative to this module (<c>layers.0.weight</c>), own parameters before
    /// children's; a parameter shared by two modules is listed once, under its first name.
    /// </summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
        {
            foreach (var (name, p) in module._parameters)
            {
                if (seen.Add(p)) yield return (Join(prefix, name), p);
            }
        }
    }

    /// <summary>The buffers of this module and its sub-modules (persistent or not), in registration order.</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    /// <summary>Buffers with dotted names relative to this module.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
        {
            foreach (var b in module._buffers.ToArray()) yield return (Join(prefix, b.Name), b.Value);
        }
    }

    /// <summary>The direct sub-modules, in registration order.</summary>
    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>The direct sub-modules with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        foreach (var (name, child) in _children.ToArray()) yield return (name, child);
    }

    /// <summary>This module and every sub-module, depth first (parents before children), each once.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>This module (name "") and every sub-module with its dotted name, depth first, each once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", seen);

        static IEnumerable<(string, Module)> Walk(Module m, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var (name, child) in m._children.ToArray())
            {
                foreach (var item in Walk(child, Join(prefix, name), seen)) yield return item;
            }
        }
    }

    /// <summary>
    /// Clears the gradients of all parameters: sets them to null (the default, as PyTorch 2 does), or, with
    /// <paramref name="setToNull"/> false, fills the existing gradient tensors with zeros.
    /// </summary>
    public void ZeroGrad(bool setToNull = true)
    {
        foreach (var p in Parameters())
        {
            if (p.Grad is not { } g) continue;
            if (setToNull) p.Grad = null;
            else using (Autograd.NoGrad()) g.Zero();
        }
    }

    /// <summary>Sets training mode on this module and every sub-module (what <c>Train()</c>/<c>Eval()</c> call).</summary>
    public void SetTraining(bool training)
    {
        foreach (var m in Modules()) m.IsTraining = training;
    }

    /// <summary>
    /// Converts every parameter and buffer to <paramref name="device"/> and/or <paramref name="dtype"/> without
    /// replacing the tensor objects: each one is re-pointed at a converted copy of its data (like assigning
    /// PyTorch's <c>param.data</c>), so every reference to it (an optimizer's, a field, the user's) sees the moved
    /// tensor. A parameter's gradient moves with it, as in PyTorch. A dtype applies to floating-point tensors only
    /// (integer buffers keep theirs). Views taken of a parameter before the move keep showing the old data.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point dtype.</exception>
    public void Apply(Device? device, DType? dtype)
    {
        if (dtype is { } dt && !dt.IsFloatingPoint())
            throw new ArgumentException($"To: a module can only be converted to a floating-point dtype, got {dt.Name()}. Convert individual tensors instead.", nameof(dtype));
        Tensor Convert(Tensor t)
        {
            var target = dtype is { } d && t.DType.IsFloatingPoint() ? d : t.DType;
            if (device is not { } dev || dev == t.Device) return t.To(target);
            var moved = t.To(dev);
            if (moved.DType == target) return moved;
            using (moved) return moved.To(target);
        }
        bool Changes(Tensor t) => (device is { } dev && dev != t.Device) || (dtype is { } d && t.DType.IsFloatingPoint() && t.DType != d);
        void Move(Tensor t)
        {
            if (!Changes(t)) return; // also skips a tensor registered twice, on its second visit
            using (var converted = Convert(t))
            {
                TensorScope.Unregister(converted); // disposed right here; t takes its own reference to the storage
                t.ReplaceData(converted);
            }
            if (t.Grad is not { } oldGrad) return;
            var grad = Convert(oldGrad);
            TensorScope.Unregister(grad); // the gradient belongs to the parameter, as after a backward pass
            t.Grad = grad;
            oldGrad.Dispose();
        }

        using (Autograd.NoGrad())
        {
            foreach (var p in Parameters()) Move(p);
            foreach (var m in Modules())
            {
                foreach (var b in m._buffers) Move(b.Value);
            }
        }
    }

    /// <summary>
    /// Disposes the tensors (and gradients) of every parameter and buffer of this module and its sub-modules.
    /// Parameters shared with a module outside this one are disposed too.
    /// </summary>
    public void Dispose()
    {
        foreach (var p in Parameters())
        {
            p.Grad?.Dispose();
            p.Grad = null;
            p.Dispose();
        }
        foreach (var m in Modules())
        {
            foreach (var b in m._buffers) b.Value.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A PyTorch-style tree of the module: <c>Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)</c>.
    /// </summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        if (_children.Count == 0) return $"{TypeName}({extra})";
        var sb = new System.Text.StringBuilder();
        sb.Append(TypeName).Append('(');
        if (extra.Length > 0) sb.Append('\n').Append("  ").Append(extra);
        foreach (var (name, child) in _children)
        {
            var text = child.ToString().Replace("\n", "\n  ", StringComparison.Ordinal);
            sb.Append("\n  (").Append(name).Append("): ").Append(text);
        }
        return sb.Append("\n)").ToString();
    }

    /// <summary>The settings shown between the parentheses by <see cref="ToString"/> (e.g. <c>in_features=4, out_features=2</c>).</summary>
    protected virtual string ExtraRepr() => "";

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
