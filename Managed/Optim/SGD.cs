using CudaTensor.Backends;

namespace CudaTensor.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay,
/// exactly as <c>torch.optim.SGD</c>:
/// <code>
/// g = grad (negated when maximize) + weight_decay·p
/// b = g on the first step, else momentum·b + (1 - dampening)·g      (when momentum ≠ 0)
/// g = g + momentum·b with Nesterov, else b
/// p = p - lr·g
/// </code>
/// State per parameter: <c>"momentum_buffer"</c> (when momentum ≠ 0).
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>SGD over one group of parameters.</summary>
    public SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <summary>SGD over several groups; the arguments are the defaults for options a group does not set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative learning rate, momentum or weight decay.</exception>
    /// <exception cref="ArgumentException">Nesterov momentum without momentum or with dampening.</exception>
    public SGD(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).NonNegative("momentum", momentum).Value("dampening", dampening)
            .NonNegative("weight_decay", weightDecay).Flag("nesterov", nesterov).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group)
    {
        base.ValidateGroup(group);
        ArgumentNullException.ThrowIfNull(group);
        if (group.Flag("nesterov") && (group["momentum"] <= 0 || group["dampening"] != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum {group["momentum"]} and dampening {group["dampening"]}.", nameof(group));
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
        => SgdUpdate.Apply(group, param, grad, state);
}

/// <summary>The update of <see cref="SGD"/>: fused when <see cref="FusedStep.Applies"/>, else composed from elementwise ops.</summary>
internal static class SgdUpdate
{
    public static void Apply(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        double momentum = group["momentum"];
        var buf = momentum != 0 ? state.Get("momentum_buffer") : null;
        bool first = momentum != 0 && buf is null;
        // The first buffer is written whole by the kernel (a copy of the gradient), so it needs no zeroing.
        var fresh = first ? ParameterState.KeepOutsideScopes(Tensor.EmptyLike(param)) : null;
        if (!FusedStep.Applies(param, grad, buf ?? fresh))
        {
            fresh?.Dispose();
            ApplyComposed(group, param, grad, state);
            return;
        }
        if (fresh is not null) state.Tensors["momentum_buffer"] = buf = fresh;
        var args = new SgdStepArgs(group.Lr, momentum, group["dampening"], group["weight_decay"], group.Flag("nesterov"), group.Flag("maximize"), first);
        // A replay of a captured graph reads the learning rate (a scheduler's) again; the buffer exists by then.
        if (BackendInterception.Current is { } interceptor) LiveArguments(interceptor, group, state, args);
        FusedStep.Sgd(param, grad, buf, args);
        state.Step++;
    }

    // Separate, so the closure is allocated only while a graph is being captured.
    private static void LiveArguments(IBackendInterceptor interceptor, ParamGroup group, ParameterState state, SgdStepArgs args)
        => interceptor.LiveArguments(() =>
        {
            state.Step++;
            return args with { Lr = group.Lr, FirstStep = false };
        });

    /// <summary>The update composed from elementwise ops: any layout; the reference the fused path is tested against.</summary>
    public static void ApplyComposed(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        BackendInterception.Current?.Untraceable("SGD (the composed update bakes in its learning rate)");
        double lr = group.Lr, momentum = group["momentum"], dampening = group["dampening"], weightDecay = group["weight_decay"];
        var g = group.Flag("maximize") ? -grad : grad;
        if (weightDecay != 0) g = g.Add(param, weightDecay);
        if (momentum != 0)
        {
            var buf = state.Get("momentum_buffer");
            if (buf is null)
            {
                buf = ParameterState.KeepOutsideScopes(g.Clone());
                state.Tensors["momentum_buffer"] = buf;
            }
            else
            {
                buf.MulInPlace(momentum).AddInPlace(g, 1 - dampening);
            }
            g = group.Flag("nesterov") ? g.Add(buf, momentum) : buf;
        }
        param.AddInPlace(g, -lr);
        state.Step++;
    }
}
