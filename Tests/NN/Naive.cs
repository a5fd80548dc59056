namespace CudaTensor.Tests.NN;

/// <summary>Straightforward loop implementations of the layers, in double, used as oracles.</summary>
internal static class Naive
{
    /// <summary>Cross-correlation of x [N, C, H, W] with w [O, C/groups, kh, kw], as PyTorch defines Conv2d.</summary>
    public static double[] Conv2d(double[] x, long[] xs, double[] w, long[] ws, double[]? bias, long sh, long sw, long ph, long pw, long dh, long dw, long groups,
        out long[] outShape)
    {
        long n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        long o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        long oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        outShape = [n, o, oh, ow];
        var y = new double[n * o * oh * ow];
        long og = o / groups;
        for (long b = 0; b < n; b++)
        for (long oc = 0; oc < o; oc++)
        for (long i = 0; i < oh; i++)
        for (long j = 0; j < ow; j++)
        {
            double acc = bias?[oc] ?? 0;
            long g = oc / og;
            for (long ic = 0; ic < cg; ic++)
            for (long u = 0; u < kh; u++)
            for (long v = 0; v < kw; v++)
            {
                long yy = i * sh - ph + u * dh, xx = j * sw - pw + v * dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                long cin = g * cg + ic;
                acc += x[((b * c + cin) * h + yy) * wd + xx] * w[((oc * cg + ic) * kh + u) * kw + v];
            }
            y[((b * o + oc) * oh + i) * ow + j] = acc;
        }
        return y;
    }

    /// <summary>Max over each window, padding ignored (it is -inf), output size per PyTorch (ceil mode included).</summary>
    public static double[] MaxPool2d(double[] x, long[] xs, long kh, long kw, long sh, long sw, long ph, long pw, long dh, long dw, bool ceil, out long[] outShape)
    {
        long n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        long oh = OutSize(h, kh, sh, ph, dh, ceil), ow = OutSize(wd, kw, sw, pw, dw, ceil);
        outShape = [n, c, oh, ow];
        var y = new double[n * c * oh * ow];
        for (long b = 0; b < n * c; b++)
        for (long i = 0; i < oh; i++)
        for (long j = 0; j < ow; j++)
        {
            double m = double.NegativeInfinity;
            for (long u = 0; u < kh; u++)
            for (long v = 0; v < kw; v++)
            {
                long yy = i * sh - ph + u * dh, xx = j * sw - pw + v * dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                m = Math.Max(m, x[(b * h + yy) * wd + xx]);
            }
            y[(b * oh + i) * ow + j] = m;
        }
        return y;

        static long OutSize(long size, long k, long s, long p, long d, bool ceil)
        {
            double exact = (double)(size + 2 * p - d * (k - 1) - 1) / s + 1;
            long o = ceil ? (long)Math.Ceiling(exact) : (long)Math.Floor(exact);
            if (ceil && (o - 1) * s >= size + p) o--;
            return o;
        }
    }

    /// <summary>log-softmax of each row of a [rows, classes] array.</summary>
    public static double[] LogSoftmax(double[] x, long rows, long classes)
    {
        var r = new double[x.Length];
        for (long i = 0; i < rows; i++)
        {
            double max = double.NegativeInfinity;
            for (long k = 0; k < classes; k++) max = Math.Max(max, x[i * classes + k]);
            double sum = 0;
            for (long k = 0; k < classes; k++) sum += Math.Exp(x[i * classes + k] - max);
            double lse = max + Math.Log(sum);
            for (long k = 0; k < classes; k++) r[i * classes + k] = x[i * classes + k] - lse;
        }
        return r;
    }

    /// <summary>
    /// PyTorch's cross-entropy with class indices, written from its definition: per-sample
    /// (1 - ε)·(-w[t]·logp[t]) + ε/C·(-Σ_c w[c]·logp[c]), mean divided by Σ w[t] over counted samples.
    /// </summary>
    public static double CrossEntropyMean(double[] logits, long rows, long classes, long[] target, double[]? weight, long ignore, double eps)
    {
        var logp = LogSoftmax(logits, rows, classes);
        double nll = 0, smooth = 0, denom = 0;
        for (long i = 0; i < rows; i++)
        {
            long t = target[i];
            if (t == ignore) continue;
            double wt = weight?[t] ?? 1;
            nll += -wt * logp[i * classes + t];
            for (long k = 0; k < classes; k++) smooth += -(weight?[k] ?? 1) * logp[i * classes + k];
            denom += wt;
        }
        return (1 - eps) * nll / denom + eps / classes * smooth / denom;
    }
}
