using System.Numerics;

namespace CudaTensor.Backends.Cpu;

// Fused batch normalization over a contiguous [N, C, S] tensor (ChannelPasses runs it per channel). Statistics come from
// one pass of shifted sums Σ(x - k), Σ(x - k)² with k the channel's first element, added in float64 (BatchNormLanes):
// the shift keeps E[(x-k)²] - E[x-k]² free of cancellation when the mean is large next to the spread. The output and
// the input gradient are one multiply-add per element with per-channel coefficients (PyTorch's CPU kernel's form:
// y = x·α + β with α = invstd·weight, β = bias - mean·α), computed in float64 from the statistics.
internal sealed unsafe partial class CpuBackend : IFusedBatchNorm
{
    public void BatchNormForward(Strided y, Strided mean, Strided invstd, Strided x, Strided? weight, Strided? bias,
        Strided? runningMean, Strided? runningVar, bool training, double momentum, double eps)
    {
        using var alive = new OperandsAlive(x.Storage, weight?.Storage, bias?.Storage, runningMean?.Storage, runningVar?.Storage);
        switch (x.DType)
        {
            case DType.Float32: BatchNormForward<float>(y, mean, invstd, x, weight, bias, runningMean, runningVar, training, momentum, eps); break;
            case DType.Float64: BatchNormForward<double>(y, mean, invstd, x, weight, bias, runningMean, runningVar, training, momentum, eps); break;
            default: throw Unsupported("BatchNorm", x.DType);
        }
    }

    public void BatchNormBackward(Strided? dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided invstd,
        Strided? weight, bool training)
    {
        using var alive = new OperandsAlive(dy.Storage, x.Storage, mean.Storage, invstd.Storage, weight?.Storage);
        switch (x.DType)
        {
            case DType.Float32: BatchNormBackward<float>(dx, dweight, dbias, dy, x, mean, invstd, weight, training); break;
            case DType.Float64: BatchNormBackward<double>(dx, dweight, dbias, dy, x, mean, invstd, weight, training); break;
            default: throw Unsupported("BatchNormBackward", x.DType);
        }
    }

    private static void BatchNormForward<T>(Strided y, Strided mean, Strided invstd, Strided x, Strided? weight, Strided? bias,
        Strided? runningMean, Strided? runningVar, bool training, double momentum, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Shape[0], c = x.Shape[1], s = x.Shape[2];
        // Planar: every channel's scale, then every channel's shift, so the [N, C] loops load them as vectors.
        var coefficients = new T[2 * c];
        fixed (T* coef = coefficients)
        {
            var kernel = new BatchNormForwardChannels<T>((T*)Address(y), (T*)Address(x), (T*)Address(mean), (T*)Address(invstd),
                (T*)AddressOrZero(weight), (T*)AddressOrZero(bias), (T*)AddressOrZero(runningMean), (T*)AddressOrZero(runningVar), coef,
                c, s, n * s, training, momentum, eps);
            ChannelPasses.Run(kernel, n, c, s, sums: training, apply: true, workPerElement: 3);
        }
    }

    private static void BatchNormBackward<T>(Strided? dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided invstd,
        Strided? weight, bool training) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Shape[0], c = x.Shape[1], s = x.Shape[2];
        // Planar, as in the forward pass: a, then b, then c of every channel.
        var coefficients = new T[3 * c];
        fixed (T* coef = coefficients)
        {
            var kernel = new BatchNormBackwardChannels<T>((T*)AddressOrZero(dx), (T*)AddressOrZero(dweight), (T*)AddressOrZero(dbias),
                (T*)Address(dy), (T*)Address(x), (T*)Address(mean), (T*)Address(invstd), (T*)AddressOrZero(weight), coef, c, s, n * s, training);
            bool sums = dweight is not null || dbias is not null || (training && dx is not null);
            ChannelPasses.Run(kernel, n, c, s, sums, apply: dx is not null, workPerElement: 4);
        }
    }

    private static double D<T>(T v) where T : INumberBase<T> => double.CreateTruncating(v);

    private static T FromDouble<T>(double v) where T : INumberBase<T> => T.CreateTruncating(v);

    private readonly struct BatchNormForwardChannels<T>(T* y, T* x, T* mean, T* invstd, T* weight, T* bias, T* runningMean, T* runningVar, T* coef,
        long channels, long s, long count, bool training, double momentum, double eps) : IChannelPassKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The shift of a channel's sums: its first element (any value near the mean will do; this one is at hand).
        private T Shift(long c) => x[c * s];

        public void Sums(long c, long i0, long i1, ref double s1, ref double s2)
        {
            T k = Shift(c);
            for (long i = i0; i < i1;)
            {
                long len = ChannelPasses.Segment(i, i1, c, channels, s, out long offset);
                BatchNormLanes<T>.ShiftedSums(x + offset, len, k, ref s1, ref s2);
                i += len;
            }
        }

        public void Finish(long c, double s1, double s2)
        {
            double mu, rs;
            if (training)
            {
                double shifted = s1 / count;
                double variance = Math.Max(0, (s2 - s1 * shifted) / count);
                mu = D(Shift(c)) + shifted;
                rs = 1 / Math.Sqrt(variance + eps);
                if (runningMean != null && runningVar != null)
                {
                    runningMean[c] = FromDouble<T>((1 - momentum) * D(runningMean[c]) + momentum * mu);
                    runningVar[c] = FromDouble<T>((1 - momentum) * D(runningVar[c]) + momentum * variance * count / (count - 1));
                }
            }
            else
            {
                mu = D(runningMean[c]);
                rs = 1 / Math.Sqrt(D(runningVar[c]) + eps);
            }
            mean[c] = FromDouble<T>(mu);
            invstd[c] = FromDouble<T>(rs);
            double alpha = weight == null ? rs : rs * D(weight[c]);
            coef[c] = FromDouble<T>(alpha);
            coef[channels + c] = FromDouble<T>((bias == null ? 0 : D(bias[c])) - mu * alpha);
        }

        // For S = 1 the shifts of channels [c0, c1) are the first row's values there.
        public void ColumnSums(long c0, long c1, long n, double* s1, double* s2)
        {
            var scratch = new T[2 * (c1 - c0)];
            fixed (T* acc = scratch) BatchNormLanes<T>.ColumnShiftedSums(x + c0, n, channels, c1 - c0, x + c0, acc, s1, s2);
        }

        public void ColumnApply(long c0, long c1, long n)
        {
            BatchNormLanes<T>.ColumnAffine(x + c0, y + c0, n, channels, c1 - c0, coef + c0, coef + channels + c0);
        }

        public void Apply(long c, long i0, long i1)
        {
            T alpha = coef[c], beta = coef[channels + c];
            for (long i = i0; i < i1;)
            {
                long len = ChannelPasses.Segment(i, i1, c, channels, s, out long offset);
                BatchNormLanes<T>.Affine(x + offset, y + offset, len, alpha, beta);
                i += len;
            }
        }
    }

    // dx = a·dy + b·(x - mean) + c per channel: a = weight·invstd; in training b = -a·invstd·k and c = -a·Σdy/M with
    // k = Σ(dy·x̂)/M, which is dx = a·(dy - Σdy/M - x̂·k); in evaluation b = c = 0.
    private readonly struct BatchNormBackwardChannels<T>(T* dx, T* dweight, T* dbias, T* dy, T* x, T* mean, T* invstd, T* weight, T* coef,
        long channels, long s, long count, bool training) : IChannelPassKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Sums(long c, long i0, long i1, ref double s1, ref double s2)
        {
            T mu = mean[c];
            for (long i = i0; i < i1;)
            {
                long len = ChannelPasses.Segment(i, i1, c, channels, s, out long offset);
                BatchNormLanes<T>.GradSums(dy + offset, x + offset, len, mu, ref s1, ref s2);
                i += len;
            }
        }

        public void Finish(long c, double s1, double s2)
        {
            double rs = D(invstd[c]);
            if (dbias != null) dbias[c] = FromDouble<T>(s1);
            if (dweight != null) dweight[c] = FromDouble<T>(s2 * rs);
            double a = weight == null ? rs : rs * D(weight[c]);
            double b = 0, shift = 0;
            if (training)
            {
                double k = s2 * rs / count;
                b = -a * rs * k;
                shift = -a * s1 / count;
            }
            coef[c] = FromDouble<T>(a);
            coef[channels + c] = FromDouble<T>(b);
            coef[2 * channels + c] = FromDouble<T>(shift);
        }

        public void ColumnSums(long c0, long c1, long n, double* s1, double* s2)
        {
            var scratch = new T[2 * (c1 - c0)];
            fixed (T* acc = scratch) BatchNormLanes<T>.ColumnGradSums(dy + c0, x + c0, n, channels, c1 - c0, mean + c0, acc, s1, s2);
        }

        public void ColumnApply(long c0, long c1, long n)
        {
            BatchNormLanes<T>.ColumnGradApply(dy + c0, x + c0, dx + c0, n, channels, c1 - c0, mean + c0, coef + c0, coef + channels + c0,
                coef + 2 * channels + c0);
        }

        public void Apply(long c, long i0, long i1)
        {
            T mu = mean[c], a = coef[c], b = coef[channels + c], shift = coef[2 * channels + c];
            for (long i = i0; i < i1;)
            {
                long len = ChannelPasses.Segment(i, i1, c, channels, s, out long offset);
                BatchNormLanes<T>.GradApply(dy + offset, x + offset, dx + offset, len, mu, a, b, shift);
                i += len;
            }
        }
    }
}
