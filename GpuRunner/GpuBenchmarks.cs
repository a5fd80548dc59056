using System.Diagnostics;
using System.Globalization;
using CudaTensor.Backends.Cpu;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;

namespace CudaTensor.GpuRunner;

/// <summary>
/// GPU micro-benchmarks of the binding: copy bandwidth, cuBLAS SGEMM, kernel launch latency, the random
/// kernel's fill rate, with the CPU GEMM measured in the same run for reference. Medians of repeated runs,
/// timed with CUDA events (wall clock for launch latency).
/// </summary>
internal static unsafe class GpuBenchmarks
{
    public static int Run(StreamWriter stdout, BenchSizes sizes)
    {
        int Repeats = sizes.Repeats;
        if (!Cuda.IsAvailable)
        {
            stdout.WriteLine("benchmarks skipped: " + Cuda.UnavailableReason);
            return 0;
        }
        var rows = new List<(string Name, string Shape, string Value)>();
        CudaDeviceInfo device = Cuda.GetDeviceProperties(0);
        using PrimaryContextHandle context = Driver.RetainPrimaryContext(Driver.GetDevice(0));
        context.MakeCurrent();
        using StreamHandle stream = Driver.CreateStream();
        IntPtr s = stream.DangerousGetHandle();
        using EventHandle start = Driver.CreateEvent(Driver.EventDefault), end = Driver.CreateEvent(Driver.EventDefault);

        float Time(Action work)
        {
            var times = new float[Repeats];
            work(); // warm-up
            for (int i = 0; i < Repeats; i++)
            {
                Driver.RecordEvent(start.DangerousGetHandle(), s);
                work();
                Driver.RecordEvent(end.DangerousGetHandle(), s);
                Driver.SynchronizeEvent(end.DangerousGetHandle());
                times[i] = Driver.ElapsedMilliseconds(start.DangerousGetHandle(), end.DangerousGetHandle());
            }
            Array.Sort(times);
            return times[Repeats / 2];
        }

        // Copy bandwidth, pinned host memory.
        ulong Bytes = sizes.CopyBytes;
        string copyShape = $"{Bytes >> 20} MiB";
        using (PinnedHostBuffer host = Driver.AllocateHost(Bytes))
        using (var a = new DeviceBuffer(Bytes))
        using (var b = new DeviceBuffer(Bytes))
        {
            host.AsSpan<byte>().Fill(1);
            float h2d = Time(() => Driver.CopyToDeviceAsync(a.Pointer, host.Pointer, Bytes, s));
            float d2h = Time(() => Driver.CopyToHostAsync(host.Pointer, a.Pointer, Bytes, s));
            float d2d = Time(() => Driver.CopyDeviceToDeviceAsync(b.Pointer, a.Pointer, Bytes, s));
            rows.Add(("copy host->device (pinned)", copyShape, Rate(Bytes, h2d)));
            rows.Add(("copy device->host (pinned)", copyShape, Rate(Bytes, d2h)));
            rows.Add(("copy device->device (read+write)", copyShape, Rate(2 * Bytes, d2d)));
        }

        // cuBLAS SGEMM, FP32 (no TF32), and the CPU GEMM at 1024 for reference.
        using (CublasHandle blas = Cublas.Create())
        {
            Cublas.SetStream(blas, s);
            foreach (int n in sizes.GemmSizes)
            {
                ulong bytes = (ulong)n * (ulong)n * 4;
                using var a = new DeviceBuffer(bytes);
                using var b = new DeviceBuffer(bytes);
                using var c = new DeviceBuffer(bytes);
                Driver.SetWordsAsync(a.Pointer, 0x3F800000, (ulong)n * (ulong)n, s); // 1.0f
                Driver.SetWordsAsync(b.Pointer, 0x3F800000, (ulong)n * (ulong)n, s);
                float ms = Time(() => Cublas.Sgemm(blas, CublasOperation.None, CublasOperation.None, n, n, n, 1f, a.Pointer, n, b.Pointer, n, 0f, c.Pointer, n));
                rows.Add(("cuBLAS SGEMM (FP32)", $"{n}^3", Gflops(n, ms)));
            }
            Cublas.SetMathMode(blas, CublasMath.Tf32TensorOp);
            {
                int N = sizes.Tf32GemmSize;
                ulong bytes = (ulong)N * (ulong)N * 4;
                using var a = new DeviceBuffer(bytes);
                using var b = new DeviceBuffer(bytes);
                using var c = new DeviceBuffer(bytes);
                float ms = Time(() => Cublas.Sgemm(blas, CublasOperation.None, CublasOperation.None, N, N, N, 1f, a.Pointer, N, b.Pointer, N, 0f, c.Pointer, N));
                rows.Add(("cuBLAS SGEMM (TF32 opt-in)", $"{N}^3", Gflops(N, ms)));
            }
        }
        rows.Add(("CPU GEMM (managed, same run)", "1024^3", CpuGemm(1024)));

        // Kernel launch latency and the random fill rate, with random.cu from Kernels/.
        KernelTarget target = KernelTarget.ForDevice(device.Architecture, KernelCompiler.SupportedArchitectures.ToArray());
        var compile = Stopwatch.StartNew();
        CompiledKernel kernel = new KernelCache(null).GetOrCompile("random.cu", KernelSources.Read("random.cu"), target);
        rows.Add(("NVRTC compile random.cu (uncached)", target.ToString(), $"{compile.Elapsed.TotalMilliseconds:F0} ms"));
        IntPtr function = LoadedModules.GetFunction(kernel, "ct_uniform_f32");
        int Elements = sizes.RandomElements;
        using (var output = new DeviceBuffer((ulong)Elements * 4))
        {
            ulong ptr = output.Pointer, count = 0, seed = 42, block = 0;
            float low = 0f, high = 1f;
            IntPtr* args = stackalloc IntPtr[6];
            args[0] = (IntPtr)(&ptr);
            args[1] = (IntPtr)(&count);
            args[2] = (IntPtr)(&seed);
            args[3] = (IntPtr)(&block);
            args[4] = (IntPtr)(&low);
            args[5] = (IntPtr)(&high);
            var argSpan = new IntPtr[6];
            new ReadOnlySpan<IntPtr>(args, 6).CopyTo(argSpan);
            int Launches = sizes.Launches;
            Driver.Launch(function, (1, 1, 1), (32, 1, 1), 0, s, argSpan);
            Driver.SynchronizeStream(s);
            var wall = Stopwatch.StartNew();
            for (int i = 0; i < Launches; i++)
            {
                Driver.Launch(function, (1, 1, 1), (32, 1, 1), 0, s, argSpan);
            }
            double submit = wall.Elapsed.TotalMicroseconds / Launches;
            Driver.SynchronizeStream(s);
            double total = wall.Elapsed.TotalMicroseconds / Launches;
            rows.Add(("kernel launch, empty (host submit)", "1x32 threads", $"{submit:F2} us"));
            rows.Add(("kernel launch, empty (submit+run)", "1x32 threads", $"{total:F2} us"));

            count = (ulong)Elements;
            var (_, blockSize) = Driver.MaxPotentialBlockSize(function);
            uint grid = (uint)(device.MultiprocessorCount * 8);
            float ms = Time(() => Driver.Launch(function, (grid, 1, 1), ((uint)blockSize, 1, 1), 0, s, argSpan));
            rows.Add(("random uniform float32 fill", $"{Elements / 1024} Ki elements", $"{Elements / (ms * 1e-3) / 1e9:F1} G elem/s ({Rate((ulong)Elements * 4, ms)})"));
        }

        stdout.WriteLine();
        stdout.WriteLine($"GPU benchmarks on {device.Name} (sm_{device.Architecture}, {device.MultiprocessorCount} SMs), driver CUDA "
            + $"{Driver.GetVersion() / 1000}.{Driver.GetVersion() % 1000 / 10}, NVRTC {Nvrtc.GetVersion().Major}.{Nvrtc.GetVersion().Minor}; medians of {Repeats}");
        stdout.WriteLine($"| {"benchmark",-36} | {"shape",-14} | {"result",-34} |");
        stdout.WriteLine($"|{new string('-', 38)}|{new string('-', 16)}|{new string('-', 36)}|");
        foreach (var (name, shape, value) in rows)
        {
            stdout.WriteLine($"| {name,-36} | {shape,-14} | {value,-34} |");
        }
        return 0;
    }

    private static string Rate(ulong bytes, float ms) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (ms * 1e-3) / 1e9:F1} GB/s");

    private static string Gflops(int n, float ms) => string.Create(CultureInfo.InvariantCulture, $"{2.0 * n * n * n / (ms * 1e-3) / 1e9:F0} GFLOP/s ({ms:F3} ms)");

    private static string CpuGemm(int n)
    {
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        a.AsSpan().Fill(1f);
        b.AsSpan().Fill(1f);
        var times = new double[5];
        fixed (float* pa = a, pb = b, pc = c)
        {
            Gemm.Run<float>(n, n, n, pa, n, 1, pb, n, 1, pc, n, 1f, 0f);
            for (int i = 0; i < times.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                Gemm.Run<float>(n, n, n, pa, n, 1, pb, n, 1, pc, n, 1f, 0f);
                times[i] = sw.Elapsed.TotalMilliseconds;
            }
        }
        Array.Sort(times);
        return Gflops(n, (float)times[times.Length / 2]) + $" x{Environment.ProcessorCount} cores";
    }
}
