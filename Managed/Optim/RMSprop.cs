using CudaTensor.Backends;

namespace CudaTensor.Optim;

/// <summary>
/// RMSprop (Hinton), exactly as <c>torch.optim.RMSprop</c>:
/// <code>
/// g = grad (negated when maximize) + weight_decay·p
/// v = α·v + (1 - α)·g²
/// centered: ḡ = lerp(ḡ, g, 1 - α);  avg = √(v - ḡ²) + eps;   otherwise avg = √v + eps
/// momentum > 0: b = momentum·b + g / avg;  p = p - lr·b;     otherwise p = p - lr·g / avg
/// </code>
/// State per parameter: <c>"square_avg"</c>, <c>"momentum_buffer"</c> (momentum &gt; 0), <c>"grad_avg"</c> (centered).
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>RMSprop over one group of parameters.</summary>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, alpha, eps, weightDecay, momentum, centered, maximize)
    {
    }

    /// <summary>RMSprop over several groups; the arguments are the defaults for options a group does not set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, alpha, eps, weight decay or momentum.</exception>
    public RMSprop(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).NonNegative("alpha", alpha).NonNegative("eps", eps)
            .NonNegative("weight_decay", weightDecay).NonNegative("momentum", momentum).Flag("centered", centered).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        // One pass over the operands when their layouts allow it; the composed formulas for everything else.
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        var (squareAvg, gradAvg, buf) = States(group, param, state);
        if (!FusedStep.Applies(param, grad, squareAvg, gradAvg, buf))
        {
            ApplyComposed(group, param, grad, state);
            return;
        }
        state.Step++;
        var args = new RmspropStepArgs(group.Lr, group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
            group.Flag("centered"), group.Flag("maximize"));
        if (BackendInterception.Current is { } interceptor) LiveArguments(interceptor, group, state, args);
        FusedStep.Rmsprop(param, grad, squareAvg, gradAvg, buf, args);
    }

    // The state tensors, created (zero) on first use: momentum_buffer only with momentum, grad_avg only when centered.
    private static (Tensor SquareAvg, Tensor? GradAvg, Tensor? MomentumBuffer) States(ParamGroup group, Tensor param, ParameterState state)
    {
        var squareAvg = state.GetOrZeros("square_avg", param);
        var buf = group["momentum"] > 0 ? state.GetOrZeros("momentum_buffer", param) : null;
        var gradAvg = group.Flag("centered") ? state.GetOrZeros("grad_avg", param) : null;
        return (squareAvg, gradAvg, buf);
    }

    /// <summary>The update composed from elementwise ops: any layout; the reference the fused path is tested against.</summary>
    // Separate, so the closure is allocated only while a graph is being captured: a replay reads the learning rate again.
    private static void LiveArguments(IBackendInterceptor interceptor, ParamGroup group, ParameterState state, RmspropStepArgs args)
        => interceptor.LiveArguments(() =>
        {
            state.Step++;
            return args with { Lr = group.Lr };
        });

    internal static void ApplyComposed(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        BackendInterception.Current?.Untraceable("RMSprop (the composed update bakes in its learning rate)");
        double lr = group.Lr, alpha = group["alpha"], eps = group["eps"], weightDecay = group["weight_decay"], momentum = group["momentum"];
        var (squareAvg, gradAvg, buf) = States(group, param, state);

        var g = group.Flag("maximize") ? -grad : grad;
        state.Step++;
        if (weightDecay != 0) g = g.Add(param, weightDecay);

        squareAvg.MulInPlace(alpha);
        UpdateOps.AddcmulInPlace(squareAvg, g, g, 1 - alpha);
        Tensor avg;
        if (gradAvg is not null)
        {
            UpdateOps.LerpInPlace(gradAvg, g, 1 - alpha);
            avg = squareAvg.Clone();
            UpdateOps.AddcmulInPlace(avg, gradAvg, gradAvg, -1);
            avg.SqrtInPlace();
        }
        else
        {
            avg = squareAvg.Sqrt();
        }
        avg.AddInPlace(eps);
        if (buf is not null)
        {
            buf.MulInPlace(momentum);
            UpdateOps.AddcdivInPlace(buf, g, avg, 1);
            param.AddInPlace(buf, -lr);
        }
        else
        {
            UpdateOps.AddcdivInPlace(param, g, avg, -lr);
        }
    }
}
