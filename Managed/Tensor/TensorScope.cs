namespace CudaTensor;

/// <summary>
/// Disposes every tensor created inside it, except those passed to <see cref="Keep"/> or
/// <see cref="MoveToOuter"/>. Scopes nest and follow async code (the current scope is an
/// <see cref="AsyncLocal{T}"/>). Typical use: <c>using var scope = Tensor.NewScope();</c> at the top of a
/// training step.
/// </summary>
public sealed class TensorScope : IDisposable
{
    private static readonly AsyncLocal<TensorScope?> CurrentScope = new();
    private readonly TensorScope? _outer;
    private List<Tensor>? _owned = [];

    internal TensorScope()
    {
        _outer = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    /// <summary>The innermost scope of the calling flow, or null.</summary>
    public static TensorScope? Current => CurrentScope.Value;

    internal static void Register(Tensor t) => CurrentScope.Value?._owned?.Add(t);

    /// <summary>Leaves <paramref name="tensor"/> alive when this scope ends (the caller must dispose it).</summary>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _owned?.Remove(tensor);
        return tensor;
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or to nobody at the outermost level).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        Keep(tensor);
        _outer?._owned?.Add(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors this scope owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        var owned = _owned;
        if (owned is null) return;
        _owned = null;
        if (CurrentScope.Value == this) CurrentScope.Value = _outer;
        foreach (var t in owned) t.Dispose();
    }
}
