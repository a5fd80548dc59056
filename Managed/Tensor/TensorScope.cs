namespace CudaTensor;

/// <summary>
/// Disposes every tensor created inside it, except those passed to <see cref="Keep"/> or
/// <see cref="MoveToOuter"/>. Scopes nest and follow async code (the current scope is an
/// <see cref="AsyncLocal{T}"/>). Typical use: <c>using var scope = Tensor.NewScope();</c> at the top of a
/// training step.
/// </summary>
/// <remarks>
/// The scope is shared by every task and thread that inherits it (an <see cref="AsyncLocal{T}"/> flows into
/// <c>Task.Run</c> and <c>Parallel.For</c>), so tensors may be registered concurrently: the list is locked.
/// Bookkeeping is O(1) per tensor: registering appends, and <see cref="Keep"/> and <see cref="MoveToOuter"/> clear the
/// tensor's slot, which the tensor remembers.
/// Scopes are an optimization, not a requirement: a tensor nobody disposes gives its memory back when the GC
/// collects it (see <see cref="Cpu.MemoryStats"/>); a scope gives it back at once, which keeps the pool smaller and
/// saves the collections.
/// </remarks>
public sealed class TensorScope : IDisposable
{
    private static readonly AsyncLocal<TensorScope?> CurrentScope = new();
    // Scopes not yet disposed, in any flow: while there are none, registering a tensor skips the AsyncLocal read.
    private static int _liveScopes;
    private readonly TensorScope? _outer;
    private readonly Lock _lock = new();
    private List<Tensor?>? _owned = [];

    internal TensorScope()
    {
        Interlocked.Increment(ref _liveScopes);
        _outer = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    /// <summary>The innermost scope of the calling flow, or null.</summary>
    public static TensorScope? Current => CurrentScope.Value;

    internal static void Register(Tensor t)
    {
        if (Volatile.Read(ref _liveScopes) != 0) CurrentScope.Value?.Add(t);
    }

    /// <summary>Takes back a just-created tensor that the library owns itself (autograd's saved tensors).</summary>
    internal static void Unregister(Tensor t)
    {
        var scope = t.OwnerScope;
        if (scope is null) return;
        lock (scope._lock)
        {
            scope.RemoveLocked(t);
        }
    }

    // Returns false when the scope was already disposed (a tensor created then belongs to nobody).
    private bool Add(Tensor t)
    {
        lock (_lock)
        {
            if (_owned is null) return false;
            t.OwnerScope = this;
            t.OwnerSlot = _owned.Count;
            _owned.Add(t);
            return true;
        }
    }

    // O(1): each tensor knows its slot; the slot is cleared, not removed (the list is dropped with the scope).
    private bool RemoveLocked(Tensor t)
    {
        if (_owned is null || !ReferenceEquals(t.OwnerScope, this)) return false;
        _owned[t.OwnerSlot] = null;
        t.OwnerScope = null;
        return true;
    }

    /// <summary>Leaves <paramref name="tensor"/> alive when this scope ends (the caller must dispose it).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        lock (_lock)
        {
            RemoveLocked(tensor);
        }
        return tensor;
    }

    /// <summary>
    /// Hands <paramref name="tensor"/> to the enclosing scope (or to nobody at the outermost level). A tensor this scope
    /// does not own (created outside it, or already kept) is left as it is: whoever owns it keeps it.
    /// </summary>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    public Tensor MoveToOuter(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        bool owned;
        lock (_lock)
        {
            owned = RemoveLocked(tensor);
        }
        if (owned) _outer?.Add(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors this scope owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        List<Tensor?>? owned;
        lock (_lock)
        {
            owned = _owned;
            _owned = null;
            if (owned is not null)
            {
                foreach (var t in owned)
                {
                    if (t is not null) t.OwnerScope = null;
                }
            }
        }
        if (owned is null) return;
        Interlocked.Decrement(ref _liveScopes);
        if (CurrentScope.Value == this) CurrentScope.Value = _outer;
        foreach (var t in owned) t?.Dispose();
    }
}
