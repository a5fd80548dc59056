using System.Diagnostics;
using System.Runtime.InteropServices;
using CudaTensor.Backends.Cuda;
using CudaTensor.CudaRuntime;
using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Ptx;

namespace CudaTensor.Benchmarks;

using Dim3 = CudaTensor.VirtualDevice.Ptx.Dim3;

/// <summary>
/// Speed of the virtual device's PTX engine: thread-instructions per second (lanes times instructions executed) on
/// real kernels of <c>Kernels/</c>, compiled by NVRTC to compute_90 PTX as for a virtual device and launched as the
/// CUDA backend launches them, with blocks on every core. Run with <c>--ptx-throughput</c> (needs NVRTC).
/// </summary>
public static class PtxThroughput
{
    private sealed record Case(string Name, string Program, DType DType, string Kernel, Dim3 Grid, Dim3 Block, Func<Arena, byte[]> Arguments);

    /// <summary>Runs each case for about <paramref name="seconds"/> seconds and prints one line per case.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(double seconds = 2)
    {
        const int n = 1 << 20;
        const int rows = 512, len = 2048;
        var cases = new List<Case>
        {
            new("add/f32/1M contiguous", "elementwise.cu", DType.Float32, "ct_binary_Add_c32", new(1024, 1, 1), new(256, 1, 1),
                a => Pack(a.Floats(n), a.Floats(n), a.Floats(n), (ulong)n, new byte[328])),
            new("add/f32/1M strided 2-D", "elementwise.cu", DType.Float32, "ct_binary_Add_s32", new(1024, 1, 1), new(256, 1, 1),
                a => Pack(a.Floats(n), a.Floats(n), a.Floats(n), (ulong)n, Layout2D(1024, n / 1024))),
            new("sum/f32/512x2048 rows", "reduce.cu", DType.Float32, "ct_reduce_Sum_rows", new(rows, 1, 1), new(256, 1, 1),
                a => Pack(a.Floats(rows), a.Floats(rows * len), (long)rows, (long)len)),
            new("softmax/f32/512x2048", "softmax.cu", DType.Float32, "ct_softmax_rows", new(rows, 1, 1), new(256, 1, 1),
                a => Pack(a.Floats(rows * len), a.Floats(rows * len), (long)rows, (long)len)),
            // A tiny launch: what each of the test suite's many small launches costs beyond its instructions.
            new("add/f32/256 (one block)", "elementwise.cu", DType.Float32, "ct_binary_Add_c32", new(1, 1, 1), new(256, 1, 1),
                a => Pack(a.Floats(256), a.Floats(256), a.Floats(256), 256UL, new byte[328])),
        };
        int parallelism = Environment.ProcessorCount;
        Console.WriteLine($"PTX engine throughput ({parallelism} host threads; thread-instructions per second)");
        foreach (Case c in cases)
        {
            var target = new KernelTarget(90, Cubin: false);
            CompiledKernel compiled = KernelCompiler.Compile(c.Program, KernelSources.Read(c.Program), KernelCompiler.Options(target, extra: CudaKernels.Defines(c.DType)), target);
            var parse = Stopwatch.StartNew();
            PtxModule module = PtxModule.Parse(System.Text.Encoding.ASCII.GetString(compiled.Image).TrimEnd('\0'));
            parse.Stop();
            PtxKernel kernel = module.FindKernel(c.Kernel) ?? throw new InvalidOperationException($"{c.Kernel} is not in {c.Program}");
            using var arena = new Arena();
            byte[] args = c.Arguments(arena);
            ulong[] globals = module.Globals.Select(g => arena.Bytes(g.InitialBytes)).ToArray();
            var settings = new LaunchSettings(c.Grid, c.Block, 0, parallelism);
            PtxExecutor.Run(kernel, settings, args, arena, globals);
            long executed = 0;
            int launches = 0;
            using var process = Process.GetCurrentProcess();
            TimeSpan cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                executed += PtxExecutor.Run(kernel, settings, args, arena, globals);
                launches++;
            }
            clock.Stop();
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            double rate = executed / clock.Elapsed.TotalSeconds;
            // Per CPU-second as well: on a shared machine the wall-clock rate depends on what else runs.
            Console.WriteLine($"{c.Name,-26} {rate / 1e6,8:0.0} M thread-instr/s  ({executed / cpu / 1e6:0.0} M per CPU-second)  {executed / launches / 1e6,7:0.00} M per launch  {clock.Elapsed.TotalMilliseconds * 1000 / launches,9:0} us/launch  (module parsed in {parse.Elapsed.TotalMilliseconds:0} ms)");
        }
        return 0;
    }

    private static byte[] Pack(params object[] args)
    {
        var bytes = new List<byte>();
        foreach (object a in args)
        {
            byte[] b = a switch
            {
                ulong v => BitConverter.GetBytes(v),
                long v => BitConverter.GetBytes(v),
                byte[] v => v,
                _ => throw new ArgumentException(a.GetType().Name),
            };
            while (bytes.Count % Math.Min(8, b.Length) != 0) bytes.Add(0);
            bytes.AddRange(b);
        }
        return [.. bytes];
    }

    /// <summary>A ct_layout (rank, pad, size[8], stride[4][8]) for a rows x cols view read column-major: a real stride walk.</summary>
    private static byte[] Layout2D(long rows, long cols)
    {
        var layout = new long[1 + 8 + 32];
        layout[0] = 2;
        layout[1] = rows;
        layout[2] = cols;
        for (int arg = 0; arg < 3; arg++)
        {
            layout[9 + arg * 8 + 0] = 1;
            layout[9 + arg * 8 + 1] = rows;
        }
        return MemoryMarshal.AsBytes(layout.AsSpan()).ToArray();
    }

    /// <summary>Device memory for the benchmark: allocations at synthetic addresses from 2^40, 64 KiB apart.</summary>
    private sealed unsafe class Arena : IGlobalMemory, IDisposable
    {
        private readonly List<MemoryRegion> _regions = [];
        private ulong _next = IGlobalMemory.LowestAddress;

        public ulong Floats(int count)
        {
            ulong address = Allocate(count * 4L);
            var span = new Span<float>(Resolve(address).Host, count);
            for (int i = 0; i < count; i++) span[i] = (i % 1000) * 0.001f;
            return address;
        }

        public ulong Bytes(byte[] data)
        {
            ulong address = Allocate(data.Length);
            data.CopyTo(new Span<byte>(Resolve(address).Host, data.Length));
            return address;
        }

        private ulong Allocate(long bytes)
        {
            ulong start = _next;
            _regions.Add(new MemoryRegion(start, (ulong)bytes, (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, bytes))));
            _next = (start + (ulong)bytes + 0x2_0000) & ~0xFFFFUL;
            return start;
        }

        public MemoryRegion Resolve(ulong address)
        {
            foreach (MemoryRegion r in _regions)
            {
                if (address >= r.Start && address < r.Start + r.Length) return r;
            }
            throw new DeviceFaultException(CudaErrorCode.IllegalAddress, $"address 0x{address:X} is in no allocation");
        }

        public DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write)
            => new(CudaErrorCode.IllegalAddress, $"{(write ? "write" : "read")} of {bytes} bytes at 0x{address:X} is outside every allocation");

        public void Dispose()
        {
            foreach (MemoryRegion r in _regions) NativeMemory.Free(r.Host);
        }
    }
}
