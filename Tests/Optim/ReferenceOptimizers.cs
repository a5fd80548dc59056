namespace CudaTensor.Tests.Optim;

/// <summary>
/// Scalar float64 transcriptions of the update rules in PyTorch's documentation (the "Algorithm" boxes of
/// torch.optim.SGD, Adam, AdamW and RMSprop), one element at a time. They are the oracle for the tensor
/// optimizers: same inputs, values equal up to the rounding of the tensor dtype.
/// </summary>
public static partial class ReferenceOptimizers
{
    public sealed record SgdArgs(double Lr, double Momentum = 0, double Dampening = 0, double WeightDecay = 0, bool Nesterov = false, bool Maximize = false);

    public sealed record AdamArgs(double Lr = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0,
        bool Amsgrad = false, bool Maximize = false, bool Decoupled = false);

    public sealed record RmspropArgs(double Lr = 1e-2, double Alpha = 0.99, double Eps = 1e-8, double WeightDecay = 0, double Momentum = 0,
        bool Centered = false, bool Maximize = false);

    /// <summary>Parameters after each step: result[t] is θ_t (t = 1..steps).</summary>
    public static double[][] Sgd(double[] theta0, double[][] grads, SgdArgs a)
    {
        var theta = (double[])theta0.Clone();
        var b = new double[theta.Length];
        var result = new double[grads.Length][];
        for (int t = 1; t <= grads.Length; t++)
        {
            for (int i = 0; i < theta.Length; i++)
            {
                double g = a.Maximize ? -grads[t - 1][i] : grads[t - 1][i];
                if (a.WeightDecay != 0) g += a.WeightDecay * theta[i];
                if (a.Momentum != 0)
                {
                    b[i] = t > 1 ? a.Momentum * b[i] + (1 - a.Dampening) * g : g;
                    g = a.Nesterov ? g + a.Momentum * b[i] : b[i];
                }
                theta[i] -= a.Lr * g;
            }
            result[t - 1] = (double[])theta.Clone();
        }
        return result;
    }

    public static double[][] Adam(double[] theta0, double[][] grads, AdamArgs a)
    {
        var theta = (double[])theta0.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var vMax = new double[theta.Length];
        var result = new double[grads.Length][];
        for (int t = 1; t <= grads.Length; t++)
        {
            for (int i = 0; i < theta.Length; i++)
            {
                double g = a.Maximize ? -grads[t - 1][i] : grads[t - 1][i];
                if (a.Decoupled) theta[i] *= 1 - a.Lr * a.WeightDecay;
                else if (a.WeightDecay != 0) g += a.WeightDecay * theta[i];
                m[i] = a.Beta1 * m[i] + (1 - a.Beta1) * g;
                v[i] = a.Beta2 * v[i] + (1 - a.Beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(a.Beta1, t));
                double vUsed = v[i];
                if (a.Amsgrad)
                {
                    vMax[i] = Math.Max(vMax[i], v[i]);
                    vUsed = vMax[i];
                }
                double vHat = vUsed / (1 - Math.Pow(a.Beta2, t));
                theta[i] -= a.Lr * mHat / (Math.Sqrt(vHat) + a.Eps);
            }
            result[t - 1] = (double[])theta.Clone();
        }
        return result;
    }

    public static double[][] Rmsprop(double[] theta0, double[][] grads, RmspropArgs a)
    {
        var theta = (double[])theta0.Clone();
        var v = new double[theta.Length];
        var gAvg = new double[theta.Length];
        var b = new double[theta.Length];
        var result = new double[grads.Length][];
        for (int t = 1; t <= grads.Length; t++)
        {
            for (int i = 0; i < theta.Length; i++)
            {
                double g = a.Maximize ? -grads[t - 1][i] : grads[t - 1][i];
                if (a.WeightDecay != 0) g += a.WeightDecay * theta[i];
                v[i] = a.Alpha * v[i] + (1 - a.Alpha) * g * g;
                double vTilde = v[i];
                if (a.Centered)
                {
                    gAvg[i] = a.Alpha * gAvg[i] + (1 - a.Alpha) * g;
                    vTilde -= gAvg[i] * gAvg[i];
                }
                if (a.Momentum > 0)
                {
                    b[i] = a.Momentum * b[i] + g / (Math.Sqrt(vTilde) + a.Eps);
                    theta[i] -= a.Lr * b[i];
                }
                else
                {
                    theta[i] -= a.Lr * g / (Math.Sqrt(vTilde) + a.Eps);
                }
            }
            result[t - 1] = (double[])theta.Clone();
        }
        return result;
    }
}
