using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// One row of layer norm, forward and backward, as explicit <see cref="Vector512{T}"/> loops (float or double lanes):
/// three passes forward (mean, variance, output) and two backward (the two row sums, then dx), reading x̂ = (x - mean)·rstd
/// afresh in each pass instead of storing it. A row of a transformer is a few KiB, so the passes run from L1; what
/// costs is the number of passes and calls, which this keeps to the minimum. Elements past the last whole vector take
/// the same formulas in scalar form.
/// </summary>
internal static unsafe class LayerNormRows<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector512<T>.Count;

    // a·b + c in one rounding; the typeof tests fold away in each instantiation.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    /// <summary>y = (x - mean)·rstd·w + b (w, b optional); returns (mean, rstd). Variance by two passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (T Mean, T Rstd) Forward(T* x, T* y, T* w, T* b, int len, T eps)
    {
        T n = T.CreateChecked(len);
        int full = len - len % Lanes;
        var acc = Vector512<T>.Zero;
        for (int j = 0; j < full; j += Lanes) acc += Vector512.Load(x + j);
        T sum = Vector512.Sum(acc);
        for (int j = full; j < len; j++) sum += x[j];
        // An empty row has mean 0/0 = NaN, as the composed mean.
        T mu = sum / n;
        var vmu = Vector512.Create(mu);
        acc = Vector512<T>.Zero;
        for (int j = 0; j < full; j += Lanes)
        {
            var d = Vector512.Load(x + j) - vmu;
            acc = Fma(d, d, acc);
        }
        T squares = Vector512.Sum(acc);
        for (int j = full; j < len; j++) squares += (x[j] - mu) * (x[j] - mu);
        T rs = T.One / T.Sqrt(squares / n + eps);
        var vrs = Vector512.Create(rs);
        for (int j = 0; j < full; j += Lanes)
        {
            var v = (Vector512.Load(x + j) - vmu) * vrs;
            if (w != null) v *= Vector512.Load(w + j);
            if (b != null) v += Vector512.Load(b + j);
            v.Store(y + j);
        }
        for (int j = full; j < len; j++)
        {
            T v = (x[j] - mu) * rs;
            if (w != null) v *= w[j];
            if (b != null) v += b[j];
            y[j] = v;
        }
        return (mu, rs);
    }

    /// <summary>
    /// dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) with ĝ = dy·w; adds dy·x̂ to dw and dy to db when they are given.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(T* dx, T* dy, T* x, T* w, T* dw, T* db, T mu, T rs, int len)
    {
        T n = T.CreateChecked(len);
        int full = len - len % Lanes;
        Vector512<T> vmu = Vector512.Create(mu), vrs = Vector512.Create(rs), sg = Vector512<T>.Zero, sgx = Vector512<T>.Zero;
        for (int j = 0; j < full; j += Lanes)
        {
            var xh = (Vector512.Load(x + j) - vmu) * vrs;
            var g = Vector512.Load(dy + j);
            var gh = w != null ? g * Vector512.Load(w + j) : g;
            sg += gh;
            sgx = Fma(gh, xh, sgx);
            if (dw != null) Fma(g, xh, Vector512.Load(dw + j)).Store(dw + j);
            if (db != null) (Vector512.Load(db + j) + g).Store(db + j);
        }
        T sumG = Vector512.Sum(sg), sumGX = Vector512.Sum(sgx);
        for (int j = full; j < len; j++)
        {
            T xh = (x[j] - mu) * rs, g = dy[j], gh = w != null ? g * w[j] : g;
            sumG += gh;
            sumGX += gh * xh;
            if (dw != null) dw[j] += g * xh;
            if (db != null) db[j] += g;
        }
        T meanG = sumG / n, meanGX = sumGX / n;
        Vector512<T> vmg = Vector512.Create(meanG), vmgx = Vector512.Create(-meanGX);
        for (int j = 0; j < full; j += Lanes)
        {
            var xh = (Vector512.Load(x + j) - vmu) * vrs;
            var g = Vector512.Load(dy + j);
            var gh = w != null ? g * Vector512.Load(w + j) : g;
            ((Fma(xh, vmgx, gh) - vmg) * vrs).Store(dx + j);
        }
        for (int j = full; j < len; j++)
        {
            T xh = (x[j] - mu) * rs, gh = w != null ? dy[j] * w[j] : dy[j];
            dx[j] = (xh * -meanGX + gh - meanG) * rs;
        }
    }
}
