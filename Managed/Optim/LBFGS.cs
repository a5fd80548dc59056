namespace CudaTensor.Optim;

/// <summary>
/// L-BFGS, exactly as <c>torch.optim.LBFGS</c> (after minFunc): each <see cref="Optimizer.Step(Func{Tensor})"/> runs up to
/// <c>maxIter</c> quasi-Newton iterations on all parameters taken as one vector, re-evaluating the model with the
/// closure, with a fixed step <c>lr</c> or a strong-Wolfe line search (<c>lineSearchFn: "strong_wolfe"</c>).
/// <code>
/// var lbfgs = new LBFGS(model.Parameters(), lineSearchFn: "strong_wolfe");
/// lbfgs.Step(() => { lbfgs.ZeroGrad(); var loss = lossFn(model.Forward(x), y); loss.Backward(); return loss; });
/// </code>
/// </summary>
/// <remarks>
/// One parameter group only, all parameters of one dtype on one device (as in PyTorch). The state is global and,
/// as in PyTorch, kept under the first parameter: <see cref="ParameterState.Step"/> is <c>n_iter</c>, and the tensors
/// are <c>"func_evals"</c>, <c>"d"</c>, <c>"t"</c>, <c>"prev_flat_grad"</c>, <c>"prev_loss"</c>, <c>"H_diag"</c> and,
/// once the history is not empty, <c>"old_dirs"</c> and <c>"old_stps"</c> (PyTorch's lists stacked as
/// [history, numel] matrices) and <c>"ro"</c>. The scalars (loss, step length, curvature) are read on the host, so
/// every iteration synchronizes with the device, as in PyTorch.
/// </remarks>
public sealed class LBFGS : Optimizer
{
    private readonly IReadOnlyList<Tensor> _params;

    /// <summary>
    /// L-BFGS with PyTorch's defaults: lr 1, 20 iterations per step, at most ⌊maxIter·5/4⌋ closure evaluations when
    /// <paramref name="maxEval"/> is null, tolerances 1e-7 (gradient) and 1e-9 (change), history 100, no line search.
    /// </summary>
    /// <exception cref="ArgumentException">A line search other than "strong_wolfe" or null, parameters of several dtypes or devices.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive lr, iteration, evaluation or history count, or a negative tolerance.</exception>
    public LBFGS(IEnumerable<Tensor> parameters, double lr = 1, int maxIter = 20, int? maxEval = null, double toleranceGrad = 1e-7,
        double toleranceChange = 1e-9, int historySize = 100, string? lineSearchFn = null)
        : base([new ParamGroup(parameters)], new OptimizerOptions().NonNegative("lr", lr).Count("max_iter", maxIter).Count("max_eval", maxEval ?? maxIter * 5 / 4)
            .NonNegative("tolerance_grad", toleranceGrad).NonNegative("tolerance_change", toleranceChange).Count("history_size", historySize)
            .Value("line_search_fn", LineSearchCode(lineSearchFn)))
    {
        _params = ParamGroups[0].Params;
        for (int i = 1; i < _params.Count; i++)
        {
            if (_params[i].DType != _params[0].DType || _params[i].Device != _params[0].Device)
                throw new ArgumentException(
                    $"LBFGS: all parameters must share one dtype and device; parameter 0 is {_params[0].Describe()} but parameter {i} is {_params[i].Describe()}.", nameof(parameters));
        }
    }

    // Options are numbers: 1 stands for "strong_wolfe", 0 for no line search.
    private static double LineSearchCode(string? lineSearchFn) => lineSearchFn switch
    {
        null => 0,
        "strong_wolfe" => 1,
        _ => throw new ArgumentException($"LBFGS: unknown lineSearchFn '{lineSearchFn}'; pass \"strong_wolfe\" or null (a fixed step).", nameof(lineSearchFn)),
    };

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (ParamGroups.Count > 0)
            throw new ArgumentException("LBFGS: parameter groups are not supported (as in PyTorch); optimize one list of parameters.", nameof(group));
        base.ValidateGroup(group);
    }

    /// <inheritdoc/>
    protected override bool AcceptsStateShape(string key, long[] shape, Tensor param)
        => key is "func_evals" or "d" or "t" or "prev_flat_grad" or "prev_loss" or "H_diag" or "old_dirs" or "old_stps" or "ro";

    /// <summary>L-BFGS re-evaluates the model several times per step: use <see cref="Optimizer.Step(Func{Tensor})"/>.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
        => throw new InvalidOperationException("LBFGS.Step: L-BFGS needs a closure that re-evaluates the loss; call Step(closure) " +
            "with a function that zeroes the gradients, computes the loss, calls Backward and returns the loss.");

    /// <summary>
    /// One L-BFGS step (up to <c>max_iter</c> iterations), run by <see cref="Optimizer.Step(Func{Tensor})"/>. <paramref name="closure"/> must zero the gradients,
    /// compute the loss, call Backward and return the loss; it runs with autograd enabled.
    /// </summary>
    /// <returns>The loss of the first evaluation (before this step moved the parameters), as PyTorch returns it.</returns>
    protected override Tensor StepWithClosure(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        var group = ParamGroups[0];
        double lr = group.Lr, toleranceGrad = group["tolerance_grad"], toleranceChange = group["tolerance_change"];
        int maxIter = (int)group["max_iter"], maxEval = (int)group["max_eval"], historySize = (int)group["history_size"];
        bool strongWolfe = group["line_search_fn"] == 1;

        using var noGrad = Autograd.NoGrad();
        using var scope = Tensor.NewScope();
        var memory = Memory.Load(State.GetValueOrDefault(_params[0]));

        Tensor origLoss = Evaluate(closure);
        scope.Keep(origLoss);
        double loss = origLoss.ToDouble();
        int currentEvals = 1;
        memory.FuncEvals++;
        var flatGrad = GatherFlatGrad();
        bool optCond = flatGrad.Abs().Max().ToDouble() <= toleranceGrad;
        if (optCond)
        {
            Save(memory);
            return origLoss;
        }

        var d = memory.D;
        double t = memory.T;
        int nIter = 0;
        while (nIter < maxIter)
        {
            nIter++;
            memory.NIter++;

            // The descent direction: steepest descent first, then the two-loop recursion over the history.
            if (memory.NIter == 1)
            {
                d = -flatGrad;
                memory.OldDirs.Clear();
                memory.OldStps.Clear();
                memory.Ro.Clear();
                memory.HDiag = 1;
            }
            else
            {
                var y = flatGrad - memory.PrevFlatGrad!;
                var s = d! * t;
                double ys = Tensor.Dot(y, s).ToDouble();
                if (ys > 1e-10)
                {
                    if (memory.OldDirs.Count == historySize)
                    {
                        memory.OldDirs.RemoveAt(0);
                        memory.OldStps.RemoveAt(0);
                        memory.Ro.RemoveAt(0);
                    }
                    memory.OldDirs.Add(y);
                    memory.OldStps.Add(s);
                    memory.Ro.Add(1.0 / ys);
                    memory.HDiag = ys / Tensor.Dot(y, y).ToDouble();
                }
                int numOld = memory.OldDirs.Count;
                var al = new double[numOld];
                var q = -flatGrad;
                for (int i = numOld - 1; i >= 0; i--)
                {
                    al[i] = Tensor.Dot(memory.OldStps[i], q).ToDouble() * memory.Ro[i];
                    q.AddInPlace(memory.OldDirs[i], -al[i]);
                }
                d = q * memory.HDiag;
                for (int i = 0; i < numOld; i++)
                {
                    double be = Tensor.Dot(memory.OldDirs[i], d).ToDouble() * memory.Ro[i];
                    d.AddInPlace(memory.OldStps[i], al[i] - be);
                }
            }
            memory.PrevFlatGrad = flatGrad.Clone();
            memory.PrevLoss = loss;

            // The step length: scaled by the gradient's size on the very first iteration, lr afterwards.
            t = memory.NIter == 1 ? Math.Min(1.0, 1.0 / flatGrad.Abs().Sum().ToDouble()) * lr : lr;
            double gtd = Tensor.Dot(flatGrad, d).ToDouble();
            if (gtd > -toleranceChange) break;

            int lsFuncEvals = 0;
            if (strongWolfe)
            {
                var xInit = _params.Select(p => p.Clone()).ToList();
                (double, Tensor) Objective(double step, Tensor direction) => DirectionalEvaluate(closure, xInit, step, direction);
                (loss, flatGrad, t, lsFuncEvals) = StrongWolfe.Search(Objective, t, d, loss, flatGrad, gtd, toleranceChange: toleranceChange);
                AddGrad(t, d);
                optCond = flatGrad.Abs().Max().ToDouble() <= toleranceGrad;
            }
            else
            {
                AddGrad(t, d);
                if (nIter != maxIter)
                {
                    // Re-evaluated only when another iteration follows (in a stochastic setting the last one is wasted).
                    loss = Evaluate(closure).ToDouble();
                    flatGrad = GatherFlatGrad();
                    optCond = flatGrad.Abs().Max().ToDouble() <= toleranceGrad;
                    lsFuncEvals = 1;
                }
            }
            currentEvals += lsFuncEvals;
            memory.FuncEvals += lsFuncEvals;

            if (nIter == maxIter) break;
            if (currentEvals >= maxEval) break;
            if (optCond) break;
            if ((d * t).Abs().Max().ToDouble() <= toleranceChange) break;
            if (Math.Abs(loss - memory.PrevLoss) < toleranceChange) break;
        }
        memory.D = d;
        memory.T = t;
        Save(memory);
        return origLoss;
    }

    private static Tensor Evaluate(Func<Tensor> closure)
    {
        using var grad = Autograd.EnableGrad();
        return closure() ?? throw new InvalidOperationException("LBFGS.Step: the closure returned null; it must return the loss.");
    }

    // The gradients as one vector, zeros for parameters without a gradient (PyTorch's _gather_flat_grad).
    private Tensor GatherFlatGrad()
        => Tensor.Cat(_params.Select(p => p.Grad is { } g ? g.Reshape([-1]) : Tensor.Zeros([p.NumElements], p.DType, p.Device)).ToList());

    // p += step · direction, the direction split into the parameters' shapes.
    private void AddGrad(double step, Tensor direction)
    {
        long offset = 0;
        foreach (var p in _params)
        {
            p.AddInPlace(direction.Narrow(0, offset, p.NumElements).Reshape(p.Shape.ToArray()), step);
            offset += p.NumElements;
        }
    }

    // The loss and gradient at x + step·direction; the parameters are put back to x afterwards.
    private (double Loss, Tensor FlatGrad) DirectionalEvaluate(Func<Tensor> closure, List<Tensor> x, double step, Tensor direction)
    {
        AddGrad(step, direction);
        double loss = Evaluate(closure).ToDouble();
        var flatGrad = GatherFlatGrad();
        for (int i = 0; i < _params.Count; i++) _params[i].CopyFrom(x[i]);
        return (loss, flatGrad);
    }

    // Writes the working memory into the first parameter's state (replacing what was there), so StateDict sees it.
    private void Save(Memory memory)
    {
        var p0 = _params[0];
        var state = new ParameterState { Step = memory.NIter };
        void Put(string key, Tensor value) => state.Tensors[key] = ParameterState.KeepOutsideScopes(value.Clone());
        Put("func_evals", Tensor.Scalar(memory.FuncEvals, DType.Int64, p0.Device));
        if (memory.D is not null) Put("d", memory.D);
        Put("t", Tensor.Scalar(memory.T, p0.DType, p0.Device));
        if (memory.PrevFlatGrad is not null) Put("prev_flat_grad", memory.PrevFlatGrad);
        Put("prev_loss", Tensor.Scalar(memory.PrevLoss, p0.DType, p0.Device));
        Put("H_diag", Tensor.Scalar(memory.HDiag, p0.DType, p0.Device));
        if (memory.OldDirs.Count > 0)
        {
            Put("old_dirs", Tensor.Stack(memory.OldDirs));
            Put("old_stps", Tensor.Stack(memory.OldStps));
            Put("ro", Tensor.FromArray(memory.Ro.ToArray(), [memory.Ro.Count], p0.Device).To(p0.DType));
        }
        ReplaceState(p0, state);
    }

    /// <summary>L-BFGS's working memory during a step, read from and written back to the first parameter's state.</summary>
    private sealed class Memory
    {
        public long NIter;
        public long FuncEvals;
        public Tensor? D;
        public double T;
        public Tensor? PrevFlatGrad;
        public double PrevLoss;
        public double HDiag = 1;
        public List<Tensor> OldDirs { get; } = [];
        public List<Tensor> OldStps { get; } = [];
        public List<double> Ro { get; } = [];

        // The tensors are copies inside the step's scope, so the saved state is never written in place.
        public static Memory Load(ParameterState? state)
        {
            var m = new Memory();
            if (state is null) return m;
            m.NIter = state.Step;
            m.FuncEvals = state.Get("func_evals") is { } fe ? (long)fe.ToDouble() : 0;
            m.D = state.Get("d")?.Clone();
            m.T = state.Get("t")?.ToDouble() ?? 0;
            m.PrevFlatGrad = state.Get("prev_flat_grad")?.Clone();
            m.PrevLoss = state.Get("prev_loss")?.ToDouble() ?? 0;
            m.HDiag = state.Get("H_diag")?.ToDouble() ?? 1;
            if (state.Get("old_dirs") is { } dirs && state.Get("old_stps") is { } stps && state.Get("ro") is { } ro)
            {
                for (int i = 0; i < dirs.Shape[0]; i++)
                {
                    m.OldDirs.Add(dirs.Select(0, i).Clone());
                    m.OldStps.Add(stps.Select(0, i).Clone());
                }
                using var ro64 = ro.To(DType.Float64);
                m.Ro.AddRange(ro64.ToArray<double>());
            }
            return m;
        }
    }
}
