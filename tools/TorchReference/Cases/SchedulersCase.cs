using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.optim.lr_scheduler;

namespace TorchReference.Cases;

/// <summary>
/// torch.optim.lr_scheduler's learning-rate sequences: for each named setting, the SGD learning rate after construction
/// and after each of N steps ("{name}.lr", float64 [N + 1]); for OneCycleLR also SGD's momentum ("{name}.momentum").
/// ReduceLROnPlateau is fed the metric sequence "plateau.metrics".
/// TorchSharp's schedulers are C# ports of PyTorch's: where they differ from lr_scheduler.py (MultiStepLR ignores a
/// milestone listed twice; OneCycleLR's step number total_steps, which PyTorch still computes, gives 0), the settings
/// avoid the difference and the tests check PyTorch's behaviour by hand.
/// </summary>
internal sealed class SchedulersCase : IReferenceCase
{
    public string Name => "schedulers";

    private static readonly double[] Metrics =
        [1.0, 0.9, 0.95, 0.93, 0.9, 0.91, 0.8, 0.80005, 0.8001, 0.7999, 0.81, 0.82, 0.83, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0];

    public void Write(ReferenceWriter w)
    {
        Record(w, "exponential", 12, o => ExponentialLR(o, gamma: 0.8));
        Record(w, "multistep", 12, o => MultiStepLR(o, [3, 7, 9], gamma: 0.5));
        Record(w, "polynomial", 12, o => PolynomialLR(o, total_iters: 8, power: 2.0));
        Record(w, "constant", 8, o => ConstantLR(o, factor: 0.25, total_iters: 3));
        Record(w, "linear", 8, o => LinearLR(o, start_factor: 0.1, end_factor: 0.9, total_iters: 5));
        Record(w, "cosine", 25, o => CosineAnnealingLR(o, T_max: 10, eta_min: 0.001));
        Record(w, "warmup_cosine", 20, o => SequentialLR(o, [LinearLR(o, start_factor: 0.1, total_iters: 4), CosineAnnealingLR(o, T_max: 15, eta_min: 0.0)], [4]));
        // ChainedScheduler steps each scheduler's chainable (recursive) form on the rate the previous one left, so a chained
        // cosine differs from its closed form; TorchSharp's ChainedLR and CosineAnnealingLR port lr_scheduler.py's.
        Record(w, "chained_cosine_exponential", 20, o => new impl.ChainedLR([CosineAnnealingLR(o, T_max: 8, eta_min: 0.01), ExponentialLR(o, gamma: 0.9)]));
        Record(w, "chained_constant_cosine", 20, o => new impl.ChainedLR([ConstantLR(o, factor: 0.5, total_iters: 4), CosineAnnealingLR(o, T_max: 8, eta_min: 0.01)]));
        Record(w, "onecycle_cos", 30, o => OneCycleLR(o, max_lr: 1.0, total_steps: 30));
        Record(w, "onecycle_linear", 30, o => OneCycleLR(o, max_lr: 0.5, total_steps: 30, pct_start: 0.25, anneal_strategy: impl.OneCycleLR.AnnealStrategy.Linear,
            base_momentum: 0.8, max_momentum: 0.9, div_factor: 10, final_div_factor: 100));
        Record(w, "onecycle_three_phase", 30, o => OneCycleLR(o, max_lr: 0.5, total_steps: 30, three_phase: true));

        using (var metrics = tensor(Metrics, dtype: float64)) w.Add("plateau.metrics", metrics);
        RecordPlateau(w, "plateau_min_rel", o => ReduceLROnPlateau(o, mode: "min", factor: 0.5, patience: 2, threshold: 1e-3, cooldown: 1, min_lr: [0.02]));
        RecordPlateau(w, "plateau_min_abs", o => ReduceLROnPlateau(o, mode: "min", factor: 0.3, patience: 1, threshold: 0.05, threshold_mode: "abs"));
        RecordPlateau(w, "plateau_max_rel", o => ReduceLROnPlateau(o, mode: "max", factor: 0.5, patience: 3, cooldown: 2));
    }

    private static SGD NewSgd(Parameter p) => optim.SGD([p], learningRate: 0.1, momentum: 0.9);

    private static void Record(ReferenceWriter w, string name, int steps, Func<SGD, LRScheduler> make)
    {
        using var p = new Parameter(zeros(2, dtype: float64), requires_grad: true);
        using var opt = NewSgd(p);
        var scheduler = make(opt);
        var lrs = new double[steps + 1];
        var momenta = new double[steps + 1];
        for (int s = 0; s <= steps; s++)
        {
            if (s > 0)
            {
                opt.step();
                scheduler.step();
            }
            lrs[s] = opt.ParamGroups.First().LearningRate;
            momenta[s] = Momentum(opt);
        }
        using (var t = tensor(lrs, dtype: float64)) w.Add($"{name}.lr", t);
        if (name.StartsWith("onecycle", StringComparison.Ordinal))
        {
            using var m = tensor(momenta, dtype: float64);
            w.Add($"{name}.momentum", m);
        }
    }

    private static void RecordPlateau(ReferenceWriter w, string name, Func<SGD, LRScheduler> make)
    {
        using var p = new Parameter(zeros(2, dtype: float64), requires_grad: true);
        using var opt = NewSgd(p);
        var scheduler = make(opt);
        var lrs = new double[Metrics.Length];
        for (int s = 0; s < Metrics.Length; s++)
        {
            opt.step();
            scheduler.step(Metrics[s]);
            lrs[s] = opt.ParamGroups.First().LearningRate;
        }
        using var t = tensor(lrs, dtype: float64);
        w.Add($"{name}.lr", t);
    }

    // SGD's momentum option of the first group (TorchSharp's SGD groups implement IMomentum).
    private static double Momentum(SGD opt)
        => opt.ParamGroups.First() is optim.IMomentum m ? m.Momentum : double.NaN;
}
