using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Benchmarks;

/// <summary>
/// The machine's physical limits, measured in the same run as the workloads: the core clock (a chain of
/// dependent 1-cycle integer ops), the FMA peak (independent <see cref="Vector512"/> FMAs on 1 and on all
/// cores) and memory bandwidth at each array size the elementwise workloads use (copy-scale y = s·x, 8 bytes
/// per element; triad y = a + s·b, 12 bytes; read-only sum, 4 bytes — bytes counted as STREAM does, without
/// write-allocate traffic). Each workload's headline number is shown as a share of the matching limit.
/// </summary>
public sealed unsafe class MachineLimits
{
    private readonly Dictionary<string, double> _values = [];

    /// <summary>Estimated core clock in GHz.</summary>
    public double ClockGHz { get; private set; }

    /// <summary>FMA peak on one core, GFLOP/s.</summary>
    public double FmaPeak1 { get; private set; }

    /// <summary>FMA peak on all cores, GFLOP/s.</summary>
    public double FmaPeakAll { get; private set; }

    /// <summary>FMA units per core implied by the one-core peak and the clock.</summary>
    public double FmaUnits => ClockGHz > 0 ? FmaPeak1 / (ClockGHz * Lanes * 2) : 0;

    /// <summary>Vector lanes of float32 used by the FMA loop.</summary>
    public static int Lanes => Vector512<float>.Count;

    /// <summary>A limit by key (<c>fma</c>, <c>scale/N</c>, <c>triad/N</c>, <c>read/N</c>, in GFLOP/s or GB/s), or null.</summary>
    public double? this[string key] => _values.TryGetValue(key, out var v) ? v : null;

    /// <summary>Every measured limit, by key.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>Element counts at which bandwidth is measured (those of the elementwise workloads).</summary>
    public static IReadOnlyList<long> Sizes { get; } = [1L << 10, 1L << 16, 1L << 20, 1L << 24];

    /// <summary>Measures everything; about 2 s (0.5 s with <paramref name="quick"/>).</summary>
    public static MachineLimits Measure(bool quick)
    {
        var limits = new MachineLimits();
        double seconds = quick ? 0.05 : 0.2;
        limits.ClockGHz = Best(3, () => MeasureClock(seconds));
        limits.FmaPeak1 = Best(3, () => MeasureFma(1, seconds));
        limits.FmaPeakAll = Best(3, () => MeasureFma(Environment.ProcessorCount, seconds));
        limits._values["fma"] = limits.FmaPeakAll;
        foreach (var n in Sizes)
        {
            limits._values[$"scale/{n}"] = Best(3, () => MeasureStream(n, StreamKind.Scale, seconds));
            limits._values[$"triad/{n}"] = Best(3, () => MeasureStream(n, StreamKind.Triad, seconds));
            limits._values[$"read/{n}"] = Best(3, () => MeasureStream(n, StreamKind.Read, seconds));
        }
        return limits;
    }

    private static double Best(int tries, Func<double> f)
    {
        double best = 0;
        for (int i = 0; i < tries; i++) best = Math.Max(best, f());
        return best;
    }

    // Dependent integer adds and xors retire one per cycle: ops per second is the clock.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double MeasureClock(double seconds)
    {
        long x = Environment.TickCount64, k = x | 1;
        long iterations = 0;
        long start = Stopwatch.GetTimestamp();
        double elapsed;
        do
        {
            for (int i = 0; i < 1 << 16; i++)
            {
                x += k; x ^= i; x += k; x ^= i; x += k; x ^= i; x += k; x ^= i;
                x += k; x ^= i; x += k; x ^= i; x += k; x ^= i; x += k; x ^= i;
            }
            iterations += 1 << 16;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        while (elapsed < seconds);
        GC.KeepAlive(x);
        Sink = x;
        return iterations * 16 / elapsed / 1e9;
    }

    // Results of the probes land here so the JIT cannot drop the loops.
    private static long Sink;

    private static double MeasureFma(int threads, double seconds)
    {
        const long Iterations = 1 << 20;
        // Size the run from a one-thread probe so it lasts about `seconds` (the first call also compiles the loop).
        TimedFma(Iterations / 16);
        double probe = TimedFma(Iterations / 16) / (Iterations / 16);
        long iterations = Math.Max(Iterations / 16, (long)(seconds / probe));
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                ready.SignalAndWait();
                Interlocked.Add(ref Sink, (long)FmaLoop(iterations));
            });
            workers[t].Start();
        }
        ready.SignalAndWait();
        long start = Stopwatch.GetTimestamp();
        foreach (var w in workers) w.Join();
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return threads * iterations * (double)FmaPerIteration * Lanes * 2 / elapsed / 1e9;
    }

    private static double TimedFma(long iterations)
    {
        long start = Stopwatch.GetTimestamp();
        Sink += (long)FmaLoop(iterations);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>FMAs per iteration of <see cref="FmaLoop"/>: 12 independent chains, the body unrolled twice.</summary>
    private const int FmaPerIteration = 24;

    // 12 independent accumulators hide the FMA latency (4 cycles x 2 units = 8 in flight, plus slack). The loop makes
    // no call: a call clobbers every vector register under the SysV ABI, so the JIT would keep the accumulators on
    // the stack and each FMA would wait on a store and a reload (that is what made an earlier version of this probe
    // read 0.8 FMA units per core). Checked with DOTNET_JitDisasm=FmaLoop: 12 zmm accumulators, no stack traffic.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector512.Sum(sum);
    }

    private enum StreamKind { Scale, Triad, Read }

    // GB/s of the best of one thread and all threads (small arrays do better on one: no hand-off).
    private static double MeasureStream(long n, StreamKind kind, double seconds)
    {
        var a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        var b = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        var y = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        try
        {
            new Span<float>(a, (int)n).Fill(1f);
            new Span<float>(b, (int)n).Fill(2f);
            new Span<float>(y, (int)n).Clear();
            double bytes = n * 4.0 * kind switch { StreamKind.Scale => 2, StreamKind.Triad => 3, _ => 1 };
            double best = 0;
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
            {
                if (threads > 1 && n < 1 << 14) continue;
                // Warm up, then time repeated passes.
                Pass(a, b, y, n, kind, threads);
                long passes = 0;
                long start = Stopwatch.GetTimestamp();
                double elapsed;
                do
                {
                    Pass(a, b, y, n, kind, threads);
                    passes++;
                    elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
                while (elapsed < seconds);
                best = Math.Max(best, bytes * passes / elapsed / 1e9);
            }
            return best;
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(a);
            System.Runtime.InteropServices.NativeMemory.AlignedFree(b);
            System.Runtime.InteropServices.NativeMemory.AlignedFree(y);
        }
    }

    private static void Pass(float* a, float* b, float* y, long n, StreamKind kind, int threads)
    {
        if (threads == 1)
        {
            Kernel(a, b, y, 0, n, kind);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, py = (nint)y;
        Parallel.For(0, threads, t => Kernel((float*)pa, (float*)pb, (float*)py, n * t / threads, n * (t + 1) / threads, kind));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float* a, float* b, float* y, long start, long end, StreamKind kind)
    {
        var s = Vector512.Create(1.0001f);
        long i = start;
        switch (kind)
        {
            case StreamKind.Scale:
                for (; i + 16 <= end; i += 16) Vector512.Store(Vector512.Load(a + i) * s, y + i);
                break;
            case StreamKind.Triad:
                for (; i + 16 <= end; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(b + i), s, Vector512.Load(a + i)), y + i);
                break;
            default:
                Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
                for (; i + 64 <= end; i += 64)
                {
                    acc0 += Vector512.Load(a + i);
                    acc1 += Vector512.Load(a + i + 16);
                    acc2 += Vector512.Load(a + i + 32);
                    acc3 += Vector512.Load(a + i + 48);
                }
                y[start] = Vector512.Sum(acc0 + acc1 + acc2 + acc3);
                break;
        }
    }
}
