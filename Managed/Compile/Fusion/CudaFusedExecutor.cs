using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using CudaTensor.Backends;
using CudaTensor.Backends.Cuda;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Runs an <see cref="ElementwiseProgram"/> on a CUDA device as one kernel launch: the program's generated source
/// (<see cref="CudaFusedSource"/>) goes through the backend's kernel cache (NVRTC, memory and disk, keyed by a hash of
/// the source, headers, options and target), loads once per context, and launches on the device's current stream,
/// asynchronously, like every backend primitive. Every driver call is checked by the driver binding.
/// </summary>
internal static unsafe class CudaFusedExecutor
{
    private const uint BlockSize = 256;
    private static readonly bool SyncEveryLaunch = Environment.GetEnvironmentVariable(CudaBackend.SyncVariable) == "1";
    private static readonly ConditionalWeakTable<ElementwiseProgram, Plan> Plans = new();

    /// <summary>The source, the numbers passed as arguments and, per CUDA context, the two loaded kernels of one program.</summary>
    private sealed class Plan(ElementwiseProgram program)
    {
        public readonly string Source = CudaFusedSource.Generate(program);
        public readonly long[] Numbers = [.. CudaFusedSource.Numbers(program).Take(CudaFusedSource.MaxNumbers(program.Outputs.Count + program.Inputs.Count))];
        public readonly ConcurrentDictionary<nint, (nint Contiguous, nint Strided)> Functions = new();

        // NVRTC's program name: it appears in compile errors and the cache's file names.
        public string Name => "fused_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Source)))[..16] + ".cu";
    }

    /// <summary>The CUDA C a program compiles to (what Explain and the tests show).</summary>
    public static string SourceOf(ElementwiseProgram program) => Plans.GetValue(program, p => new Plan(p)).Source;

    /// <summary>
    /// Queues <paramref name="program"/> on the operands' device: <paramref name="outputs"/>[k] = output k over the
    /// outputs' shape; inputs already broadcast to it (stride 0).
    /// </summary>
    /// <exception cref="ArgumentException">Counts, dtypes, shapes or devices do not match the program.</exception>
    /// <exception cref="NotSupportedException">More than <see cref="CudaFusedSource.MaxDims"/> dimensions remain after merging, or too many operands.</exception>
    /// <exception cref="KernelCompilationException">NVRTC rejected the generated source (a bug: the message has the source).</exception>
    public static void Run(ElementwiseProgram program, ReadOnlySpan<Strided> inputs, ReadOnlySpan<Strided> outputs)
    {
        FusedOperands.Check(program, inputs, outputs, "CudaFusedExecutor.Run", expectCpu: false);
        int nops = outputs.Length + inputs.Length;
        var operands = new Strided[nops];
        outputs.CopyTo(operands);
        inputs.CopyTo(operands.AsSpan(outputs.Length));
        var layout = FusedLayout.Build(outputs[0].Shape, operands, "CudaFusedExecutor.Run");
        if (layout.Count == 0) return;
        var plan = Plans.GetValue(program, p => new Plan(p));
        if (layout.Rank > CudaFusedSource.MaxDims)
            throw new NotSupportedException($"A fused CUDA kernel handles at most {CudaFusedSource.MaxDims} dimensions that cannot be merged; got {layout.Rank}. Make an operand contiguous first.");

        var device = ((CudaStorage)operands[0].Storage).DeviceContext;
        device.MakeCurrent();
        nint stream = device.CurrentStream.Handle;
        var functions = plan.Functions.GetOrAdd(device.Context, _ => Load(plan, device));

        // The parameter block of ct_fused_params: pointers, rank, sizes[8], strides[nops][8], numbers, all 8-byte fields.
        int dims = CudaFusedSource.MaxDims, numbersAt = nops + 1 + dims + nops * dims;
        var block = new long[numbersAt + plan.Numbers.Length];
        plan.Numbers.CopyTo(block, numbersAt);
        for (int k = 0; k < nops; k++)
        {
            var s = (CudaStorage)operands[k].Storage;
            s.UseOn(stream);
            block[k] = (long)(s.Address + (ulong)(operands[k].Offset * operands[k].DType.ElementSize()));
        }
        block[nops] = layout.Rank;
        for (int d = 0; d < layout.Rank; d++)
        {
            block[nops + 1 + d] = layout.Sizes[d];
            for (int k = 0; k < nops; k++) block[nops + 1 + dims + k * dims + d] = layout.Strides[k][d];
        }
        ulong count = (ulong)layout.Count;
        nint function = layout.Rank <= 1 ? functions.Contiguous : functions.Strided;
        uint grid = (uint)Math.Clamp((layout.Count + BlockSize - 1) / BlockSize, 1, Math.Max(1, device.Info.MultiprocessorCount * 32));
        fixed (long* p = block)
        {
            Driver.Launch(function, (grid, 1, 1), (BlockSize, 1, 1), 0, stream, [(nint)p, (nint)(&count)]);
        }
        if (SyncEveryLaunch) Driver.SynchronizeStream(stream);
        foreach (var o in operands) GC.KeepAlive(o.Storage);
    }

    private static (nint, nint) Load(Plan plan, CudaDeviceContext device)
    {
        // The defines only instantiate ops.cuh's global table for one dtype; the program's own dtypes have namespaces.
        // No FMA contraction: eager mode rounds a * b before + c (two kernels), and so does the fused kernel.
        var compiled = KernelCache.Shared.GetOrCompile(plan.Name, plan.Source, device.Target, fastMath: false, [.. CudaKernels.Defines(DType.Float32), "--fmad=false"]);
        return (LoadedModules.GetFunction(compiled, CudaFusedSource.ContiguousKernel), LoadedModules.GetFunction(compiled, CudaFusedSource.StridedKernel));
    }
}
