using CudaTensor.Backends;

namespace CudaTensor.Optim;

/// <summary>
/// Adam (Kingma and Ba), exactly as <c>torch.optim.Adam</c>, with L2 weight decay added to the gradient and the
/// AMSGrad variant:
/// <code>
/// t = t + 1;  g = grad (negated when maximize) + weight_decay·p
/// m = lerp(m, g, 1 - β1);  v = β2·v + (1 - β2)·g²;  v_max = max(v_max, v)   (AMSGrad)
/// denom = √v (or √v_max) / √(1 - β2^t) + eps
/// p = p - lr / (1 - β1^t) · m / denom
/// </code>
/// State per parameter: <c>"exp_avg"</c>, <c>"exp_avg_sq"</c> and, with AMSGrad, <c>"max_exp_avg_sq"</c>; the step
/// count is <see cref="ParameterState.Step"/>.
/// <para>
/// <c>capturable: true</c> (PyTorch's <c>capturable=True</c>) keeps the step count on the parameter's device, as the
/// state tensor <c>"step"</c> (a 0-d Float32, PyTorch's format), incremented there by each step, and the update
/// computes the bias corrections from it on the device: no host number changes from one step to the next, so a
/// captured CUDA graph (<c>CudaGraph</c>, or a compiled training step replayed as one graph) replays real steps.
/// <see cref="ParameterState.Step"/> then stays as loaded (reading the count would synchronize; read
/// <c>state.Tensors["step"]</c>). The learning rate stays a host number: a graph captured with one learning rate
/// replays it (a compiled function captures its graph again when a scheduler changes it). Results equal those of
/// <c>capturable: false</c> (the same formulas in the same precision).
/// </para>
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>
    /// Adam over one group of parameters, with PyTorch's arguments and defaults: lr 1e-3, <paramref name="betas"/>
    /// (β1, β2) = (0.9, 0.999) when null, eps 1e-8, no weight decay.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weight decay negative, or a beta outside [0, 1).</exception>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false, bool capturable = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, amsgrad, maximize, capturable)
    {
    }

    /// <summary>Adam over several groups; the arguments are the defaults for options a group does not set (a group's betas are its options <c>"beta1"</c> and <c>"beta2"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weight decay negative, or a beta outside [0, 1).</exception>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false, bool capturable = false)
        : base(paramGroups, AdamUpdate.Options(lr, betas, eps, weightDecay, amsgrad, maximize, capturable))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
        => AdamUpdate.Apply(group, param, grad, state, decoupledWeightDecay: false);

    /// <inheritdoc/>
    protected override bool AcceptsStateShape(string key, long[] shape, Tensor param) => AdamUpdate.IsStepShape(key, shape);
}

/// <summary>
/// AdamW (Loshchilov and Hutter), exactly as <c>torch.optim.AdamW</c>: Adam whose weight decay is decoupled from the
/// gradient — each step first shrinks the parameter, <c>p = p·(1 - lr·weight_decay)</c>, then applies Adam's update
/// without weight decay. State as <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>
    /// AdamW over one group of parameters, with PyTorch's arguments and defaults: lr 1e-3, <paramref name="betas"/>
    /// (β1, β2) = (0.9, 0.999) when null, eps 1e-8, weight decay 1e-2.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weight decay negative, or a beta outside [0, 1).</exception>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false, bool capturable = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, amsgrad, maximize, capturable)
    {
    }

    /// <summary>AdamW over several groups; the arguments are the defaults for options a group does not set (a group's betas are its options <c>"beta1"</c> and <c>"beta2"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weight decay negative, or a beta outside [0, 1).</exception>
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false, bool capturable = false)
        : base(paramGroups, AdamUpdate.Options(lr, betas, eps, weightDecay, amsgrad, maximize, capturable))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
        => AdamUpdate.Apply(group, param, grad, state, decoupledWeightDecay: true);

    /// <inheritdoc/>
    protected override bool AcceptsStateShape(string key, long[] shape, Tensor param) => AdamUpdate.IsStepShape(key, shape);
}

/// <summary>The update shared by <see cref="Adam"/> and <see cref="AdamW"/> (PyTorch's <c>_single_tensor_adam</c>).</summary>
internal static class AdamUpdate
{
    public static OptimizerOptions Options(double lr, (double Beta1, double Beta2)? betas, double eps, double weightDecay, bool amsgrad, bool maximize, bool capturable)
        => new OptimizerOptions().NonNegative("lr", lr).Betas(betas).NonNegative("eps", eps).NonNegative("weight_decay", weightDecay)
            .Flag("amsgrad", amsgrad).Flag("maximize", maximize).Flag("capturable", capturable);

    /// <summary>A capturable Adam's state "step" is a 0-d (or one-element) tensor.</summary>
    public static bool IsStepShape(string key, long[] shape) => key == "step" && shape.Aggregate(1L, (a, b) => a * b) == 1;

    /// <summary>One update: fused into one pass when <see cref="FusedStep.Applies"/>, else composed from elementwise ops.</summary>
    public static void Apply(ParamGroup group, Tensor param, Tensor grad, ParameterState state, bool decoupledWeightDecay)
    {
        bool amsgrad = group.Flag("amsgrad");
        var (expAvg, expAvgSq, maxExpAvgSq) = States(param, state, amsgrad);
        if (!FusedStep.Applies(param, grad, expAvg, expAvgSq, maxExpAvgSq))
        {
            ApplyComposed(group, param, grad, state, decoupledWeightDecay);
            return;
        }
        if (Capturable(group))
        {
            var step = DeviceStep(param, state);
            using (Autograd.NoGrad()) step.AddInPlace(1);
            step.BumpVersion();
            // Only the learning rate can change on the host (a scheduler): a replay reads it again.
            if (BackendInterception.Current is { } recorder) recorder.LiveArguments(() => CapturableArgs(group, decoupledWeightDecay, amsgrad));
            FusedStep.Adam(param, grad, expAvg, expAvgSq, maxExpAvgSq, CapturableArgs(group, decoupledWeightDecay, amsgrad), step);
            return;
        }
        HostStep(state);
        var args = Args(group, state, decoupledWeightDecay, amsgrad);
        // A replay of a captured graph counts the step and reads the learning rate (a scheduler's) again.
        if (BackendInterception.Current is { } interceptor) LiveArguments(interceptor, group, state, decoupledWeightDecay, amsgrad);
        FusedStep.Adam(param, grad, expAvg, expAvgSq, maxExpAvgSq, args);
    }

    // Separate, so the closure is allocated only while a graph is being captured.
    private static void LiveArguments(IBackendInterceptor interceptor, ParamGroup group, ParameterState state, bool decoupledWeightDecay, bool amsgrad)
        => interceptor.LiveArguments(() => Args(group, state, decoupledWeightDecay, amsgrad));

    private static AdamStepArgs Args(ParamGroup group, ParameterState state, bool decoupledWeightDecay, bool amsgrad)
        => new(group.Lr, group["beta1"], group["beta2"], group["eps"], group["weight_decay"],
            decoupledWeightDecay, amsgrad, group.Flag("maximize"), ++state.Step);

    // The step's bias corrections come from the device count; the 1 here is never used.
    private static AdamStepArgs CapturableArgs(ParamGroup group, bool decoupledWeightDecay, bool amsgrad)
        => new(group.Lr, group["beta1"], group["beta2"], group["eps"], group["weight_decay"],
            decoupledWeightDecay, amsgrad, group.Flag("maximize"), 1);

    // Groups loaded from a state dict of an older format may lack the option.
    private static bool Capturable(ParamGroup group) => group.Contains("capturable") && group.Flag("capturable");

    /// <summary>
    /// The device step count of a capturable Adam: state "step" as a 0-d Float32 on the parameter's device, made from
    /// <see cref="ParameterState.Step"/> on first use (or moved there when a state dict brought it elsewhere).
    /// </summary>
    private static Tensor DeviceStep(Tensor param, ParameterState state)
    {
        var step = state.Get("step");
        if (step is not null && step.Device == param.Device && step.DType == DType.Float32 && step.Dim == 0) return step;
        using (Autograd.NoGrad())
        {
            var made = step is null ? Tensor.Full([], state.Step, DType.Float32, param.Device) : step.To(param.Device).To(DType.Float32).Reshape([]).Clone();
            step?.Dispose();
            return state.Tensors["step"] = ParameterState.KeepOutsideScopes(made);
        }
    }

    /// <summary>A non-capturable step counts on the host; a device count left by a capturable state dict comes back there first.</summary>
    private static void HostStep(ParameterState state)
    {
        if (state.Get("step") is not { } device) return;
        state.Step = (long)device.ToDouble();
        state.Tensors.Remove("step");
        device.Dispose();
    }

    // The state tensors, created (zero) on first use; max_exp_avg_sq only with AMSGrad.
    private static (Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq) States(Tensor param, ParameterState state, bool amsgrad)
    {
        var expAvg = state.GetOrZeros("exp_avg", param);
        var expAvgSq = state.GetOrZeros("exp_avg_sq", param);
        var maxExpAvgSq = amsgrad ? state.GetOrZeros("max_exp_avg_sq", param) : null;
        return (expAvg, expAvgSq, maxExpAvgSq);
    }

    /// <summary>The update composed from elementwise ops: any layout; the reference the fused path is tested against.</summary>
    public static void ApplyComposed(ParamGroup group, Tensor param, Tensor grad, ParameterState state, bool decoupledWeightDecay)
    {
        BackendInterception.Current?.Untraceable("Adam (the composed update bakes in its step count)");
        double lr = group.Lr, beta1 = group["beta1"], beta2 = group["beta2"], eps = group["eps"], weightDecay = group["weight_decay"];
        bool amsgrad = group.Flag("amsgrad");
        var (expAvg, expAvgSq, maxExpAvgSq) = States(param, state, amsgrad);

        var g = group.Flag("maximize") ? -grad : grad;
        long step;
        if (Capturable(group))
        {
            // The composed update (a layout the fused kernel does not take) reads the device count on the host.
            var count = DeviceStep(param, state);
            using (Autograd.NoGrad()) count.AddInPlace(1);
            step = (long)count.ToDouble();
        }
        else
        {
            HostStep(state);
            step = ++state.Step;
        }
        if (weightDecay != 0)
        {
            if (decoupledWeightDecay) param.MulInPlace(1 - lr * weightDecay);
            else g = g.Add(param, weightDecay);
        }

        UpdateOps.LerpInPlace(expAvg, g, 1 - beta1);
        expAvgSq.MulInPlace(beta2);
        UpdateOps.AddcmulInPlace(expAvgSq, g, g, 1 - beta2);

        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

        Tensor denom;
        if (amsgrad)
        {
            maxExpAvgSq!.MaximumInPlace(expAvgSq);
            denom = maxExpAvgSq.Sqrt();
        }
        else
        {
            denom = expAvgSq.Sqrt();
        }
        denom.DivInPlace(biasCorrection2Sqrt).AddInPlace(eps);
        UpdateOps.AddcdivInPlace(param, expAvg, denom, -stepSize);
    }
}
