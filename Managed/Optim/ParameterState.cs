namespace CudaTensor.Optim;

/// <summary>
/// What an optimizer remembers about one parameter: the number of updates applied to it and its state tensors
/// (e.g. Adam's <c>"exp_avg"</c> and <c>"exp_avg_sq"</c>, SGD's <c>"momentum_buffer"</c>), named as in PyTorch.
/// </summary>
public sealed class ParameterState : IDisposable
{
    /// <summary>How many updates have been applied (PyTorch's <c>state["step"]</c>).</summary>
    public long Step { get; set; }

    /// <summary>The state tensors by name. The owner (an optimizer or a state dict) disposes them.</summary>
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>The state tensor called <paramref name="name"/>, or null.</summary>
    public Tensor? Get(string name) => Tensors.TryGetValue(name, out var t) ? t : null;

    /// <summary>Stores <paramref name="created"/> as state <paramref name="name"/>, kept outside the step's dispose scope, and returns it.</summary>
    internal Tensor Keep(string name, Tensor created) => Tensors[name] = KeepOutsideScopes(created);

    /// <summary>The state tensor called <paramref name="name"/>, created as zeros shaped like <paramref name="param"/> on first use.</summary>
    internal Tensor GetOrZeros(string name, Tensor param) => Get(name) ?? Keep(name, Tensor.ZerosLike(param));

    /// <summary>A deep copy: the tensors are cloned.</summary>
    public ParameterState Clone()
    {
        var copy = new ParameterState { Step = Step };
        using (Autograd.NoGrad())
        {
            foreach (var (k, t) in Tensors) copy.Tensors[k] = KeepOutsideScopes(t.Clone());
        }
        return copy;
    }

    /// <summary>Disposes the state tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
        Tensors.Clear();
    }

    /// <summary>State tensors live as long as their owner, not as long as the caller's dispose scope.</summary>
    internal static Tensor KeepOutsideScopes(Tensor t)
    {
        TensorScope.Current?.Keep(t);
        return t;
    }
}
