namespace CudaTensor.NN;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>, like PyTorch's <c>nn.Parameter</c>. The object is the
/// parameter's identity: optimizers keep references to it, and <see cref="ModuleExtensions.To{T}(T, Device)"/>
/// replaces its <see cref="Data"/> (on another device or in another dtype) without replacing the object, so an
/// optimizer built before or after the move updates the right tensor.
/// </summary>
/// <remarks>
/// <see cref="Data"/> is a leaf tensor (no history) whose <see cref="Tensor.RequiresGrad"/> follows
/// <see cref="RequiresGrad"/>; backward passes accumulate into its <see cref="Tensor.Grad"/>, which
/// <see cref="Grad"/> exposes. A parameter converts implicitly to its <see cref="Data"/>, so it can be passed
/// wherever a <see cref="Tensor"/> is expected (<c>Tensor.MatMul(x, weight)</c>, <c>x * weight</c>).
/// Update it in place under <see cref="Autograd.NoGrad"/> (<c>p.Data.SubInPlace(...)</c>).
/// </remarks>
public sealed class Parameter : IDisposable
{
    private Tensor _data;
    private bool _requiresGrad;

    /// <summary>
    /// Wraps <paramref name="data"/> as a parameter. The parameter owns the tensor from now on: it is taken out of
    /// the current <see cref="TensorScope"/> (parameters outlive training steps) and disposed with the parameter.
    /// A tensor with history is detached first (the parameter shares its storage).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="requiresGrad"/> is true and the tensor is not floating point.</exception>
    public Parameter(Tensor data, bool requiresGrad = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        _requiresGrad = requiresGrad;
        _data = Adopt(data);
    }

    /// <summary>
    /// The current tensor. Setting it keeps this object (and so every optimizer's reference) and makes the new
    /// tensor a leaf with this parameter's <see cref="RequiresGrad"/>; the previous tensor is not disposed (the
    /// caller may still hold it).
    /// </summary>
    public Tensor Data
    {
        get => _data;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _data = Adopt(value);
        }
    }

    /// <summary>Whether backward passes compute a gradient for this parameter (false freezes it).</summary>
    /// <exception cref="InvalidOperationException">Set to true on a parameter whose data is not floating point.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            _data.RequiresGrad = value;
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of <see cref="Data"/> (null before the first backward pass or after <see cref="Module.ZeroGrad"/>).</summary>
    public Tensor? Grad
    {
        get => _data.Grad;
        set => _data.Grad = value;
    }

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<long> Shape => _data.Shape;

    /// <summary>The dtype of <see cref="Data"/>.</summary>
    public DType DType => _data.DType;

    /// <summary>The device of <see cref="Data"/>.</summary>
    public Device Device => _data.Device;

    /// <summary>Number of elements of <see cref="Data"/>.</summary>
    public long NumElements => _data.NumElements;

    /// <summary>The parameter's data (null for a null parameter, so an optional bias converts to an optional tensor).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(parameter))]
    public static implicit operator Tensor?(Parameter? parameter) => parameter?._data;

    /// <summary>The parameter's data (the named alternative to the implicit conversion).</summary>
    public Tensor ToTensor() => _data;

    /// <summary>
    /// Replaces <see cref="Data"/> by <paramref name="converted"/> (a copy on another device or in another dtype),
    /// converting the gradient alongside, and disposes the old data and gradient.
    /// </summary>
    internal void ReplaceData(Tensor converted, Func<Tensor, Tensor> convert)
    {
        var old = _data;
        var oldGrad = old.Grad;
        _data = Adopt(converted);
        if (oldGrad is not null)
        {
            using (Autograd.NoGrad()) _data.Grad = Adopt(convert(oldGrad), requiresGrad: false);
            oldGrad.Dispose();
        }
        old.Grad = null;
        old.Dispose();
    }

    /// <summary>Disposes the data and the gradient.</summary>
    public void Dispose()
    {
        _data.Grad?.Dispose();
        _data.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"Parameter containing:\n{_data}";

    private Tensor Adopt(Tensor t) => Adopt(t, _requiresGrad);

    private static Tensor Adopt(Tensor t, bool requiresGrad)
    {
        // A tensor with history would keep the graph that made it alive and could not accumulate a gradient.
        if (!t.IsLeaf) t = t.Detach();
        TensorScope.Current?.Keep(t);
        t.RequiresGrad = requiresGrad;
        return t;
    }
}
