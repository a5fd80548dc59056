namespace CudaTensor.NN;

public abstract partial class Module
{
    private List<Action<Module, Tensor, Tensor>>? _forwardHooks;

    // Hooks on every module's Call on this thread, for the length of one Summary (torchinfo's recording pass).
    [ThreadStatic]
    private static List<Action<Module, Tensor, Tensor>>? t_everyModuleHooks;

    /// <summary>
    /// Runs <see cref="Forward"/> on <paramref name="input"/> and then the forward hooks, as PyTorch's <c>module(input)</c>:
    /// call sub-modules this way so that hooks (and <see cref="Summary"/>) see each call. <see cref="Sequential"/> calls
    /// its layers through it; a direct <see cref="Forward"/> call runs no hooks, as <c>module.forward(input)</c> in PyTorch.
    /// </summary>
    /// <returns>The output of <see cref="Forward"/>.</returns>
    public Tensor Call(Tensor input)
    {
        var output = Forward(input);
        if (_forwardHooks is { Count: > 0 } || t_everyModuleHooks is { Count: > 0 }) RunForwardHooks(input, output);
        return output;
    }

    private void RunForwardHooks(Tensor input, Tensor output)
    {
        // Copies, so a hook may remove itself.
        if (_forwardHooks is { Count: > 0 } own)
        {
            foreach (var hook in own.ToArray()) hook(this, input, output);
        }
        if (t_everyModuleHooks is { Count: > 0 } every)
        {
            foreach (var hook in every.ToArray()) hook(this, input, output);
        }
    }

    /// <summary>
    /// Registers <paramref name="hook"/>(module, input, output) to run after every <see cref="Call"/> of this module
    /// (PyTorch's <c>register_forward_hook</c>); hooks run in registration order. Dispose the returned handle to remove it.
    /// </summary>
    /// <returns>A handle whose <see cref="IDisposable.Dispose"/> removes the hook.</returns>
    public IDisposable RegisterForwardHook(Action<Module, Tensor, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (_forwardHooks ??= []).Add(hook);
        return new HookHandle(() => _forwardHooks.Remove(hook));
    }

    // A hook on every module's Call on this thread until the handle is disposed.
    private static HookHandle HookEveryModule(Action<Module, Tensor, Tensor> hook)
    {
        (t_everyModuleHooks ??= []).Add(hook);
        var hooks = t_everyModuleHooks;
        return new HookHandle(() => hooks.Remove(hook));
    }

    private sealed class HookHandle(Func<bool> remove) : IDisposable
    {
        private Func<bool>? _remove = remove;

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }
}
