using System.Globalization;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// torch.optim's Adadelta, Adagrad, Adamax, NAdam and RAdam, two settings each, on one [2, 3] float64 parameter fed a
/// fixed sequence of gradients: the parameter after every step and the state after the last. Settings are named
/// {optimizer}{n}; the test builds the same optimizer from the notes. The gradient of step s is "grad.{s}".
/// </summary>
internal sealed class OptimizersCase : IReferenceCase
{
    public const int Steps = 8;

    public string Name => "optimizers";

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        using var theta0 = randn(2, 3, dtype: float64);
        var grads = Enumerable.Range(0, Steps).Select(s => randn(2, 3, dtype: float64) * (1.0 / (1 + s))).ToList();
        w.Add("theta0", theta0);
        for (int s = 0; s < Steps; s++) w.Add($"grad.{s}", grads[s]);

        Run(w, "adadelta0", "", p => optim.Adadelta(p));
        Run(w, "adadelta1", "lr=0.5 rho=0.8 eps=1e-4 weight_decay=0.1", p => optim.Adadelta(p, lr: 0.5, rho: 0.8, eps: 1e-4, weight_decay: 0.1));
        Run(w, "adagrad0", "", p => optim.Adagrad(p));
        Run(w, "adagrad1", "lr=0.1 lr_decay=0.05 weight_decay=0.1 initial_accumulator_value=0.2 eps=1e-6",
            p => optim.Adagrad(p, lr: 0.1, lr_decay: 0.05, weight_decay: 0.1, initial_accumulator_value: 0.2, eps: 1e-6));
        Run(w, "adamax0", "", p => optim.Adamax(p));
        Run(w, "adamax1", "lr=0.05 beta1=0.5 beta2=0.9 eps=1e-3 weight_decay=0.1",
            p => optim.Adamax(p, lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-3, weight_decay: 0.1));
        Run(w, "nadam0", "", p => optim.NAdam(p));
        Run(w, "nadam1", "lr=0.05 beta1=0.8 beta2=0.95 eps=1e-6 weight_decay=0.1 momentum_decay=0.01",
            p => optim.NAdam(p, lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 0.1, momentum_decay: 0.01));
        // PyTorch's RAdam default lr is 1e-3 (TorchSharp's 2e-3): pass it. β2 = 0.8 reaches ρ_t > 5 (the rectified
        // step) within the eight steps; the default β2 does not.
        Run(w, "radam0", "", p => optim.RAdam(p, lr: 1e-3));
        Run(w, "radam1", "lr=0.05 beta1=0.7 beta2=0.8 eps=1e-6 weight_decay=0.1",
            p => optim.RAdam(p, lr: 0.05, beta1: 0.7, beta2: 0.8, eps: 1e-6, weight_decay: 0.1));
        foreach (var g in grads) g.Dispose();

        void Run(ReferenceWriter writer, string name, string settings, Func<IEnumerable<Parameter>, OptimizerHelper> make)
        {
            writer.Note(name, settings);
            using var p = new Parameter(theta0.clone(), requires_grad: true);
            using var opt = make([p]);
            for (int s = 0; s < Steps; s++)
            {
                opt.zero_grad();
                // d/dp sum(p·g) = g: the gradient of step s, exactly.
                using (var loss = (p * grads[s]).sum()) loss.backward();
                opt.step();
                writer.Add($"{name}.param.{s}", p);
            }
            WriteState(writer, name, opt);
        }
    }

    // TorchSharp's optimizer states are objects with public fields named as PyTorch's state keys.
    private static void WriteState(ReferenceWriter w, string name, OptimizerHelper opt)
    {
        var dict = opt.state_dict();
        var state = dict.State[0];
        foreach (var f in state.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = f.GetValue(state);
            if (value is Tensor t) w.Add($"{name}.state.{f.Name}", t);
            else if (value is long or int or double or float) w.Note($"{name}.state.{f.Name}", Convert.ToString(value, CultureInfo.InvariantCulture)!);
        }
    }
}
