namespace CudaTensor.Optim;

/// <summary>
/// The strong-Wolfe line search of <c>torch.optim.LBFGS</c> (PyTorch's <c>_strong_wolfe</c>, ported from
/// torch/optim's lswolfe.lua): bracket a step satisfying the sufficient-decrease and curvature conditions, then
/// zoom in by safeguarded cubic interpolation. Scalars are doubles; the gradients stay tensors.
/// </summary>
internal static class StrongWolfe
{
    /// <summary>The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds (midpoint when the cubic has no minimum).</summary>
    public static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, (double Min, double Max)? bounds = null)
    {
        var (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1));
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0)
        {
            double d2 = Math.Sqrt(d2Square);
            double minPos = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.Min(Math.Max(minPos, lo), hi);
        }
        return (lo + hi) / 2.0;
    }

    /// <summary>
    /// Searches along <paramref name="d"/> from step <paramref name="t"/>; <paramref name="f"/>, <paramref name="g"/> and
    /// <paramref name="gtd"/> are the loss, gradient and directional derivative at step 0.
    /// </summary>
    /// <returns>The loss and gradient at the chosen step, the step, and the number of evaluations.</returns>
    public static (double Loss, Tensor Grad, double T, int Evals) Search(Func<double, Tensor, (double, Tensor)> objective, double t, Tensor d,
        double f, Tensor g, double gtd, double c1 = 1e-4, double c2 = 0.9, double toleranceChange = 1e-9, int maxLs = 25)
    {
        double dNorm = d.Abs().Max().ToDouble();
        g = g.Clone();
        var (fNew, gNew) = objective(t, d);
        int evals = 1;
        double gtdNew = Tensor.Dot(gNew, d).ToDouble();

        // Bracket an interval containing a point that satisfies the Wolfe conditions.
        double tPrev = 0, fPrev = f, gtdPrev = gtd;
        Tensor gPrev = g;
        bool done = false;
        int lsIter = 0;
        double[] bracket = [], bracketF = [], bracketGtd = [];
        Tensor[] bracketG = [];
        while (lsIter < maxLs)
        {
            if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev))
            {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew.Clone()], [gtdPrev, gtdNew]);
                break;
            }
            if (Math.Abs(gtdNew) <= -c2 * gtd)
            {
                (bracket, bracketF, bracketG) = ([t], [fNew], [gNew]);
                done = true;
                break;
            }
            if (gtdNew >= 0)
            {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew.Clone()], [gtdPrev, gtdNew]);
                break;
            }
            double minStep = t + 0.01 * (t - tPrev);
            double maxStep = t * 10;
            double tmp = t;
            t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, (minStep, maxStep));
            tPrev = tmp;
            fPrev = fNew;
            gPrev = gNew.Clone();
            gtdPrev = gtdNew;
            (fNew, gNew) = objective(t, d);
            evals++;
            gtdNew = Tensor.Dot(gNew, d).ToDouble();
            lsIter++;
        }
        if (lsIter == maxLs)
        {
            // As PyTorch: the bracket keeps no directional derivatives here, and the zoom below does not run.
            (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew]);
        }

        // Zoom: shrink the bracket until a point satisfies the conditions.
        bool insufficientProgress = false;
        var (lowPos, highPos) = bracketF[0] <= bracketF[^1] ? (0, 1) : (1, 0);
        while (!done && lsIter < maxLs)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);

            // Too close to a boundary after an insufficient step (or outside): move to 0.1 of the bracket inside it.
            double bMax = Math.Max(bracket[0], bracket[1]), bMin = Math.Min(bracket[0], bracket[1]);
            double eps = 0.1 * (bMax - bMin);
            if (Math.Min(bMax - t, t - bMin) < eps)
            {
                if (insufficientProgress || t >= bMax || t <= bMin)
                {
                    t = Math.Abs(t - bMax) < Math.Abs(t - bMin) ? bMax - eps : bMin + eps;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }

            (fNew, gNew) = objective(t, d);
            evals++;
            gtdNew = Tensor.Dot(gNew, d).ToDouble();
            lsIter++;

            if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos])
            {
                bracket[highPos] = t;
                bracketF[highPos] = fNew;
                bracketG[highPos] = gNew.Clone();
                bracketGtd[highPos] = gtdNew;
                (lowPos, highPos) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -c2 * gtd)
                {
                    done = true;
                }
                else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0)
                {
                    bracket[highPos] = bracket[lowPos];
                    bracketF[highPos] = bracketF[lowPos];
                    bracketG[highPos] = bracketG[lowPos];
                    bracketGtd[highPos] = bracketGtd[lowPos];
                }
                bracket[lowPos] = t;
                bracketF[lowPos] = fNew;
                bracketG[lowPos] = gNew.Clone();
                bracketGtd[lowPos] = gtdNew;
            }
        }
        return (bracketF[lowPos], bracketG[lowPos], bracket[lowPos], evals);
    }
}
