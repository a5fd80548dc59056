using System.Diagnostics;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Benchmarks;

/// <summary>
/// The CPU unary operators with vector span forms against their scalar formulas, on one thread, 1M elements of each
/// floating dtype (and int32 for Sign and LeakyRelu): median ns per element of the scalar loop (the strided path's
/// per-element call) and of the span form (the contiguous path), and their ratio, in the same run. Run with
/// <c>--unary-lanes</c>.
/// </summary>
public static class UnaryLaneThroughput
{
    private const int N = 1 << 20;

    /// <summary>Prints one line per operator and dtype.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(bool quick)
    {
        int samples = quick ? 5 : 15;
        Console.WriteLine($"Unary operators, {N} elements, one thread, median of {samples} (ns per element)");
        Console.WriteLine("| op | dtype | scalar | vector | speed-up |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        Float<SignOp<float>, SignOp<double>>("Sign", -5, 5, 0, 0, samples);
        Float<LeakyReluOp<float>, LeakyReluOp<double>>("LeakyRelu", -5, 5, 0.01, 0, samples);
        Float<Log1pOp<float>, Log1pOp<double>>("Log1p", -0.9, 10, 0, 0, samples);
        Float<Expm1Op<float>, Expm1Op<double>>("Expm1", -5, 5, 0, 0, samples);
        Float<GeluTanhOp<float>, GeluTanhOp<double>>("GeluTanh", -5, 5, 0, 0, samples);
        Float<SoftplusOp<float>, SoftplusOp<double>>("Softplus", -10, 10, 1, 20, samples);
        Float<ErfOp<float>, ErfOp<double>>("Erf", -4, 4, 0, 0, samples);
        Float<ExpOp<float>, ExpOp<double>>("Exp", -10, 10, 0, 0, samples);
        Float<SigmoidOp<float>, SigmoidOp<double>>("Sigmoid", -10, 10, 0, 0, samples);
        Float<TanhOp<float>, TanhOp<double>>("Tanh", -5, 5, 0, 0, samples);
        Float<SiluOp<float>, SiluOp<double>>("Silu", -10, 10, 0, 0, samples);
        Float<GeluOp<float>, GeluOp<double>>("Gelu", -5, 5, 0, 0, samples);
        var ints = Data(-1000, 1000, x => (int)x);
        Row<int, SignOp<int>>("Sign", "int32", ints, 0, 0, samples);
        Row<int, LeakyReluOp<int>>("LeakyRelu", "int32", ints, 3, 0, samples);
        return 0;
    }

    private static void Float<TOp32, TOp64>(string name, double lo, double hi, double p0, double p1, int samples)
        where TOp32 : IUnaryOperator<TOp32, float> where TOp64 : IUnaryOperator<TOp64, double>
    {
        Row<float, TOp32>(name, "float32", Data(lo, hi, x => (float)x), (float)p0, (float)p1, samples);
        Row<double, TOp64>(name, "float64", Data(lo, hi, x => x), p0, p1, samples);
    }

    private static T[] Data<T>(double lo, double hi, Func<double, T> convert)
    {
        var rng = new Random(42);
        var x = new T[N];
        for (int i = 0; i < N; i++) x[i] = convert(lo + (hi - lo) * rng.NextDouble());
        return x;
    }

    private static void Row<T, TOp>(string name, string dtype, T[] x, T p0, T p1, int samples)
        where T : unmanaged where TOp : IUnaryOperator<TOp, T>
    {
        var y = new T[N];
        double scalar = Median(samples, () =>
        {
            for (int i = 0; i < x.Length; i++) y[i] = TOp.Invoke(x[i], p0, p1);
        });
        double vector = Median(samples, () => TOp.Invoke(x, y, p0, p1));
        Console.WriteLine($"| {name} | {dtype} | {scalar:0.00} | {vector:0.00} | {scalar / vector:0.0}x |");
    }

    // Median ns per element over the samples, after a second of warm-up: tiered compilation promotes the vector
    // helpers of CoreLib that the span forms call (Vector512.Exp, .Log) only after they have run a while, and until
    // then they run unoptimized, several times slower.
    private static double Median(int samples, Action body)
    {
        var warm = Stopwatch.StartNew();
        do body(); while (warm.Elapsed.TotalSeconds < 1);
        var t = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            t[s] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / N;
        }
        Array.Sort(t);
        return t[samples / 2];
    }
}
