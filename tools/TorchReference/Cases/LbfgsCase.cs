using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// torch.optim.LBFGS (fixed step, no line search) on a Rosenbrock function of a [2] parameter plus a weighted
/// quadratic of a [3] parameter, so the flat vector spans two parameters: the loss each step returns and both
/// parameters after each of four steps, for two settings ("lbfgs0": defaults; "lbfgs1": lr 0.5, max_iter 6,
/// history_size 3, which drops old pairs).
/// </summary>
internal sealed class LbfgsCase : IReferenceCase
{
    public const int Steps = 4;

    public string Name => "lbfgs";

    private static readonly double[] A0 = [-1.2, 1.0];
    private static readonly double[] B0 = [0.5, -0.3, 2.0];
    private static readonly double[] C = [1.0, 2.0, -1.0];
    private static readonly double[] Weight = [1.0, 3.0, 0.5];

    public void Write(ReferenceWriter w)
    {
        var a0 = tensor(A0, dtype: float64);
        var b0 = tensor(B0, dtype: float64);
        var c = tensor(C, dtype: float64);
        var weight = tensor(Weight, dtype: float64);
        w.Add("a0", a0);
        w.Add("b0", b0);
        w.Add("c", c);
        w.Add("weight", weight);
        // PyTorch's lr default is 1 and tolerance_grad 1e-7 (TorchSharp's 0.01 and 1e-5): pass PyTorch's.
        Run("lbfgs0", (a, b) => optim.LBFGS([a, b], lr: 1, tolerange_grad: 1e-7));
        Run("lbfgs1", (a, b) => optim.LBFGS([a, b], lr: 0.5, max_iter: 6, tolerange_grad: 1e-7, history_size: 3));
        Run("lbfgs2", (a, b) => optim.LBFGS([a, b], lr: 1, max_iter: 1, tolerange_grad: 1e-7), 20);

        void Run(string name, Func<Parameter, Parameter, LBFGS> make, int steps = Steps)
        {
            using var a = new Parameter(a0.clone(), requires_grad: true);
            using var b = new Parameter(b0.clone(), requires_grad: true);
            using var opt = make(a, b);
            Tensor Closure()
            {
                opt.zero_grad();
                var loss = (1 - a[0]).pow(2) + 100 * (a[1] - a[0].pow(2)).pow(2) + (weight * (b - c).pow(2)).sum();
                loss.backward();
                return loss;
            }
            for (int s = 0; s < steps; s++)
            {
                var loss = opt.step(Closure);
                w.Add($"{name}.loss.{s}", loss);
                w.Add($"{name}.a.{s}", a);
                w.Add($"{name}.b.{s}", b);
            }
        }
    }
}
