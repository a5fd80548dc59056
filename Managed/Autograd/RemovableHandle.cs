namespace CudaTensor;

/// <summary>
/// Removes a registered autograd hook (PyTorch's <c>RemovableHandle</c>): <see cref="Remove"/> or <see cref="Dispose"/>,
/// so a hook can live in a <c>using</c> block. Removing twice does nothing.
/// </summary>
public sealed class RemovableHandle : IDisposable
{
    private Action? _remove;

    internal RemovableHandle(Action remove) => _remove = remove;

    /// <summary>Unregisters the hook; later backward passes no longer call it.</summary>
    public void Remove() => Interlocked.Exchange(ref _remove, null)?.Invoke();

    /// <summary>Same as <see cref="Remove"/>.</summary>
    public void Dispose() => Remove();
}
