namespace CudaTensor.Tests.Optim;

/// <summary>
/// Scalar float64 transcriptions of torch.optim's radam.py and nadam.py (single-tensor paths), including
/// <c>decoupled_weight_decay</c> and <c>maximize</c>, which the libtorch reference file does not cover.
/// </summary>
public static partial class ReferenceOptimizers
{
    public sealed record RAdamArgs(double Lr = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0,
        bool Decoupled = false, bool Maximize = false);

    public sealed record NAdamArgs(double Lr = 2e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0,
        double MomentumDecay = 4e-3, bool Decoupled = false, bool Maximize = false);

    public static double[][] RAdam(double[] theta0, double[][] grads, RAdamArgs a)
    {
        var theta = (double[])theta0.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var result = new double[grads.Length][];
        double rhoInf = 2 / (1 - a.Beta2) - 1;
        for (int t = 1; t <= grads.Length; t++)
        {
            double bc1 = 1 - Math.Pow(a.Beta1, t), bc2 = 1 - Math.Pow(a.Beta2, t);
            double rhoT = rhoInf - 2 * t * Math.Pow(a.Beta2, t) / bc2;
            for (int i = 0; i < theta.Length; i++)
            {
                double g = a.Maximize ? -grads[t - 1][i] : grads[t - 1][i];
                if (a.WeightDecay != 0)
                {
                    if (a.Decoupled) theta[i] *= 1 - a.Lr * a.WeightDecay;
                    else g += a.WeightDecay * theta[i];
                }
                m[i] = a.Beta1 * m[i] + (1 - a.Beta1) * g;
                v[i] = a.Beta2 * v[i] + (1 - a.Beta2) * g * g;
                double mHat = m[i] / bc1;
                if (rhoT > 5)
                {
                    double rect = Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
                    double adaptive = Math.Sqrt(bc2) / (Math.Sqrt(v[i]) + a.Eps);
                    theta[i] -= mHat * a.Lr * adaptive * rect;
                }
                else
                {
                    theta[i] -= mHat * a.Lr;
                }
            }
            result[t - 1] = (double[])theta.Clone();
        }
        return result;
    }

    public static double[][] NAdam(double[] theta0, double[][] grads, NAdamArgs a)
    {
        var theta = (double[])theta0.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var result = new double[grads.Length][];
        double muProduct = 1;
        for (int t = 1; t <= grads.Length; t++)
        {
            double bc2 = 1 - Math.Pow(a.Beta2, t);
            double mu = a.Beta1 * (1 - 0.5 * Math.Pow(0.96, t * a.MomentumDecay));
            double muNext = a.Beta1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * a.MomentumDecay));
            muProduct *= mu;
            for (int i = 0; i < theta.Length; i++)
            {
                double g = a.Maximize ? -grads[t - 1][i] : grads[t - 1][i];
                if (a.WeightDecay != 0)
                {
                    if (a.Decoupled) theta[i] *= 1 - a.Lr * a.WeightDecay;
                    else g += a.WeightDecay * theta[i];
                }
                m[i] = a.Beta1 * m[i] + (1 - a.Beta1) * g;
                v[i] = a.Beta2 * v[i] + (1 - a.Beta2) * g * g;
                double denom = Math.Sqrt(v[i] / bc2) + a.Eps;
                theta[i] -= a.Lr * (1 - mu) / (1 - muProduct) * g / denom;
                theta[i] -= a.Lr * muNext / (1 - muProduct * muNext) * m[i] / denom;
            }
            result[t - 1] = (double[])theta.Clone();
        }
        return result;
    }
}
