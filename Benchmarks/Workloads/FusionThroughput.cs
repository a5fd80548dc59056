using System.Diagnostics;

namespace CudaTensor.Benchmarks;

/// <summary>
/// The fusion target of issue 16: <c>((a*b + 1).Sigmoid() * a - b).Tanh()</c> on 2^24 float32, as one
/// <see cref="ElementwiseKernel"/> pass, eagerly (six ops, six passes over memory), and a plain copy of one operand
/// (the bandwidth the fused pass is measured against: it moves 3 x 64 MiB, the copy 2 x 64 MiB). Medians in one run;
/// ratios are what to compare across machines. Run with <c>--fusion</c> (and <c>--device cuda</c> on a GPU).
/// </summary>
public static class FusionThroughput
{
    private const int N = 1 << 24;

    /// <summary>Prints the three medians, the bandwidths and the ratios.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(bool quick, string deviceText)
    {
        var device = deviceText == "cpu" ? Device.Cpu : Device.Parse(deviceText);
        int samples = quick ? 7 : 21;
        var gen = new Generator(42);
        using var a = Tensor.Randn([N], DType.Float32, device, generator: gen);
        using var b = Tensor.Randn([N], DType.Float32, device, generator: gen);
        using var dst = Tensor.Empty([N], DType.Float32, device);
        var fused = ElementwiseKernel.Create((x, y) => ((x * y + 1).Sigmoid() * x - y).Tanh());

        double tEager = Median(samples, device, () =>
        {
            using var scope = Tensor.NewScope();
            _ = ((a * b + 1).Sigmoid() * a - b).Tanh();
        });
        double tFused = Median(samples, device, () => fused(a, b).Dispose());
        double tCopy = Median(samples, device, () => dst.CopyFrom(a));
        // The two transcendental ops alone, eagerly: what the chain costs in arithmetic rather than memory.
        double tSigmoid = Median(samples, device, () => a.Sigmoid().Dispose());
        double tTanh = Median(samples, device, () => a.Tanh().Dispose());

        const double MiB = 1 << 20, Bytes = 4.0 * N;
        double bwFused = 3 * Bytes / tFused, bwEager = 3 * Bytes / tEager, bwCopy = 2 * Bytes / tCopy;
        Console.WriteLine($"Fused chain ((a*b + 1).Sigmoid() * a - b).Tanh(), {N} float32 on {device}, median of {samples}");
        Console.WriteLine("| variant | median ms | GB/s (useful bytes) |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| fused (ElementwiseKernel) | {tFused * 1e3:F2} | {bwFused / 1e9:F1} |");
        Console.WriteLine($"| eager (6 ops) | {tEager * 1e3:F2} | {bwEager / 1e9:F1} |");
        Console.WriteLine($"| copy of {Bytes / MiB:F0} MiB | {tCopy * 1e3:F2} | {bwCopy / 1e9:F1} |");
        Console.WriteLine($"| eager Sigmoid alone | {tSigmoid * 1e3:F2} | {2 * Bytes / tSigmoid / 1e9:F1} |");
        Console.WriteLine($"| eager Tanh alone | {tTanh * 1e3:F2} | {2 * Bytes / tTanh / 1e9:F1} |");
        Console.WriteLine($"fused / eager speed-up: {tEager / tFused:F2}x (goal >= 3x)");
        Console.WriteLine($"fused bandwidth / copy bandwidth: {100 * bwFused / bwCopy:F0}% (goal >= 70%)");
        LinearGelu(quick, device);
        return 0;
    }

    /// <summary>
    /// <c>Linear</c> + bias + GELU on [4096, 1024] x [1024, 1024] float32: compiled (the bias and the GELU applied in the
    /// GEMM's epilogue) against eager (product, bias pass, GELU pass). Samples alternate between the two so that both
    /// see the same machine load; the reported ratio is the median of the per-pair ratios.
    /// </summary>
    public static void LinearGelu(bool quick, Device device)
    {
        int pairs = quick ? 7 : 15;
        var gen = new Generator(43);
        using var x = Tensor.Randn([4096, 1024], DType.Float32, device, generator: gen);
        using var w = Tensor.Randn([1024, 1024], DType.Float32, device, generator: gen);
        using var bias = Tensor.Randn([1024], DType.Float32, device, generator: gen);
        Func<Tensor, Tensor> layer = input => NN.Functional.Linear(input, w, bias).Gelu();
        var compiled = Compile.Function(layer);
        void Eager()
        {
            using var scope = Tensor.NewScope();
            _ = layer(x);
        }
        void Compiled() => compiled(x).Dispose();
        // Warm-up and trace (the compiled function captures on its second call).
        for (int i = 0; i < 3; i++)
        {
            Eager();
            Compiled();
        }
        Sync(device);
        var eager = new double[pairs];
        var fused = new double[pairs];
        var ratios = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            eager[i] = Time(device, Eager);
            fused[i] = Time(device, Compiled);
            ratios[i] = eager[i] / fused[i];
        }
        Array.Sort(eager);
        Array.Sort(fused);
        Array.Sort(ratios);
        Console.WriteLine($"Linear + bias + GELU, [4096, 1024] x [1024, 1024] float32 on {device}, {pairs} alternating pairs");
        Console.WriteLine("| variant | median ms |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| compiled (GEMM epilogue) | {fused[pairs / 2] * 1e3:F2} |");
        Console.WriteLine($"| eager (3 ops) | {eager[pairs / 2] * 1e3:F2} |");
        Console.WriteLine($"compiled / eager speed-up: median of pairs {ratios[pairs / 2]:F2}x (range {ratios[0]:F2}-{ratios[^1]:F2}; goal >= 1.15x)");
    }

    private static double Time(Device device, Action body)
    {
        var sw = Stopwatch.StartNew();
        body();
        Sync(device);
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(int samples, Device device, Action body)
    {
        body();
        Sync(device);
        var times = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            var sw = Stopwatch.StartNew();
            body();
            Sync(device);
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[samples / 2];
    }

    private static void Sync(Device device)
    {
        if (device.IsCuda) Cuda.Synchronize(device);
    }
}
