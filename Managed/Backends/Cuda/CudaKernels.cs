using System.Collections.Concurrent;
using CudaTensor.Native;
using CudaTensor.Ops;
using CudaTensor.CudaRuntime;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// Which kernel programs of <c>Kernels/</c> exist for which dtype, the NVRTC options that instantiate them, and the
/// kernel names the backend launches. Kernel names come from the op enums (<c>ct_unary_{UnaryOp}_{variant}</c>), and the
/// formulas from the one table in <c>Kernels/ops.cuh</c>; <see cref="Instantiations"/> lists every (program, dtype,
/// kernel) the backend can launch, so the kernel-compile test covers a new op without being edited.
/// </summary>
internal static partial class CudaKernels
{
    /// <summary>Programs compiled once per dtype (CT_T defined), with the dtypes each supports.</summary>
    public static IReadOnlyDictionary<string, DType[]> TypedPrograms { get; } = new Dictionary<string, DType[]>
    {
        ["elementwise.cu"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool],
        ["reduce.cu"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool],
        ["softmax.cu"] = [DType.Float32, DType.Float64],
        ["layernorm.cu"] = FusedDTypes,
        ["cross_entropy.cu"] = FusedDTypes,
        ["index.cu"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool],
        ["matmul_int.cu"] = [DType.Int32, DType.Int64],
        [OptimProgram] = OptimDTypes,
        [WindowProgram] = WindowDTypes,
        [SortProgram] = SortDTypes,
        [AttentionProgram] = AttentionDTypes,
        [RecurrentProgram] = FusedDTypes,
        [BatchNormProgram] = FusedDTypes,
    };

    /// <summary>Programs compiled once, with no dtype.</summary>
    public static IReadOnlyList<string> UntypedPrograms { get; } = ["random.cu"];

    /// <summary>The elementwise variants: contiguous or strided, 32- or 64-bit indexing.</summary>
    public static IReadOnlyList<string> ElementwiseVariants { get; } = ["c32", "c64", "s32", "s64"];

    /// <summary>The NVRTC defines that instantiate a typed program for <paramref name="dtype"/>.</summary>
    public static IReadOnlyList<string> Defines(DType dtype) => dtype switch
    {
        DType.Float32 => ["-DCT_T=float", "-DCT_IS_FLOAT=1", "-DCT_IS_BOOL=0", "-DCT_IS_INT64=0"],
        DType.Float64 => ["-DCT_T=double", "-DCT_IS_FLOAT=1", "-DCT_IS_BOOL=0", "-DCT_IS_INT64=0"],
        DType.Int32 => ["-DCT_T=int", "-DCT_IS_FLOAT=0", "-DCT_IS_BOOL=0", "-DCT_IS_INT64=0"],
        DType.Int64 => ["-DCT_T=long long", "-DCT_IS_FLOAT=0", "-DCT_IS_BOOL=0", "-DCT_IS_INT64=1"],
        DType.Bool => ["-DCT_T=unsigned char", "-DCT_IS_FLOAT=0", "-DCT_IS_BOOL=1", "-DCT_IS_INT64=0"],
        _ => throw new NotSupportedException($"The CUDA backend has no kernels for dtype {dtype.Name()}."),
    };

    /// <summary>Suffix naming a dtype in conversion kernels: ct_convert_{suffix}.</summary>
    public static string Suffix(DType dtype) => dtype switch
    {
        DType.Float32 => "f32",
        DType.Float64 => "f64",
        DType.Int32 => "i32",
        DType.Int64 => "i64",
        DType.Bool => "b8",
        _ => throw new NotSupportedException($"The CUDA backend has no kernels for dtype {dtype.Name()}."),
    };

    public static string Unary(UnaryOp op, string variant) => $"ct_unary_{op}_{variant}";
    public static string Binary(BinaryOp op, string variant) => $"ct_binary_{op}_{variant}";
    /// <summary>A binary op with a number argument (variants c32, s32, s64).</summary>
    public static string BinaryWithNumber(BinaryOp op, string variant) => $"ct_binnum_{op}_{variant}";
    public static string Predicate(PredicateOp op, string variant) => $"ct_predicate_{op}_{variant}";
    public static string Convert(DType to, string variant) => $"ct_convert_{Suffix(to)}_{variant}";
    public static string ReduceRows(ReduceOp op) => $"ct_reduce_{op}_rows";
    public static string ReducePartial(ReduceOp op) => $"ct_reduce_{op}_partial";

    /// <summary>Whether <paramref name="op"/> has kernels for <paramref name="dtype"/> (the CPU's support, mirrored).</summary>
    public static bool Supports(UnaryOp op, DType dtype) => dtype != DType.Bool && (!op.NeedsFloat() || dtype.IsFloatingPoint());

    /// <summary>Whether <paramref name="op"/> has kernels for inputs of <paramref name="dtype"/>.</summary>
    public static bool Supports(BinaryOp op, DType dtype) => op.IsLogical() ? dtype == DType.Bool : true;

    /// <summary>Every kernel the backend can launch: (program, dtype or null, kernel name).</summary>
    public static IEnumerable<(string Program, DType? DType, string Kernel)> Instantiations()
    {
        foreach (var dtype in TypedPrograms["elementwise.cu"])
        {
            foreach (var variant in ElementwiseVariants)
            {
                foreach (var op in Enum.GetValues<UnaryOp>().Where(o => Supports(o, dtype))) yield return ("elementwise.cu", dtype, Unary(op, variant));
                foreach (var op in Enum.GetValues<BinaryOp>().Where(o => Supports(o, dtype)))
                {
                    yield return ("elementwise.cu", dtype, Binary(op, variant));
                    if (variant != "c64") yield return ("elementwise.cu", dtype, BinaryWithNumber(op, variant));
                }
                if (dtype.IsFloatingPoint())
                {
                    foreach (var op in Enum.GetValues<PredicateOp>()) yield return ("elementwise.cu", dtype, Predicate(op, variant));
                }
                foreach (var to in TypedPrograms["elementwise.cu"]) yield return ("elementwise.cu", dtype, Convert(to, variant));
            }
            foreach (var k in new[] { "ct_where_s32", "ct_where_s64", "ct_fill_c64", "ct_fill_s64" }) yield return ("elementwise.cu", dtype, k);
        }
        foreach (var dtype in TypedPrograms["reduce.cu"])
        {
            foreach (var op in Enum.GetValues<ReduceOp>())
            {
                yield return ("reduce.cu", dtype, ReduceRows(op));
                yield return ("reduce.cu", dtype, ReducePartial(op));
            }
            yield return ("reduce.cu", dtype, "ct_argmax_rows");
            yield return ("reduce.cu", dtype, "ct_argmin_rows");
            if (dtype != DType.Bool) yield return ("reduce.cu", dtype, "ct_cumsum_rows");
        }
        foreach (var dtype in TypedPrograms["softmax.cu"])
        {
            yield return ("softmax.cu", dtype, "ct_softmax_rows");
            yield return ("softmax.cu", dtype, "ct_log_softmax_rows");
        }
        foreach (var fused in FusedInstantiations()) yield return fused;
        foreach (var dtype in TypedPrograms["index.cu"])
        {
            yield return ("index.cu", dtype, "ct_gather");
            yield return ("index.cu", dtype, "ct_scatter");
            if (dtype != DType.Bool) yield return ("index.cu", dtype, "ct_scatter_add");
        }
        foreach (var dtype in TypedPrograms["matmul_int.cu"]) yield return ("matmul_int.cu", dtype, "ct_matmul_int");
        foreach (var k in new[] { "ct_uniform_f32", "ct_uniform_f64", "ct_normal_f32", "ct_normal_f64", "ct_integers_i32", "ct_integers_i64", "ct_bernoulli_f32", "ct_bernoulli_f64" })
            yield return ("random.cu", null, k);
        foreach (var k in OptimInstantiations()) yield return k;
        foreach (var k in WindowInstantiations()) yield return k;
        foreach (var k in SortInstantiations()) yield return k;
        foreach (var k in AttentionInstantiations()) yield return k;
        foreach (var k in RecurrentInstantiations()) yield return k;
        foreach (var k in BatchNormInstantiations()) yield return k;
    }

    /// <summary>Compiles (or finds in the cache) one program instantiation for a target.</summary>
    public static CompiledKernel Compile(string program, DType? dtype, KernelTarget target)
        => KernelCache.Shared.GetOrCompile(program, KernelSources.Read(program), target, fastMath: false, dtype is { } d ? Defines(d) : null);

    private static readonly ConcurrentDictionary<(nint Context, string Program, DType? DType, string Kernel), nint> Functions = new();

    /// <summary>The CUfunction of a kernel in the device's context (compiling and loading its program on first use).</summary>
    public static nint Function(CudaDeviceContext device, string program, DType? dtype, string kernel)
    {
        var key = (device.Context, program, dtype, kernel);
        if (Functions.TryGetValue(key, out nint f)) return f;
        device.MakeCurrent();
        CompiledKernel compiled = Compile(program, dtype, device.Target);
        try
        {
            f = LoadedModules.GetFunction(compiled, kernel);
        }
        catch (CudaException e) when (e.Result == CuResult.CUDA_ERROR_NOT_FOUND)
        {
            throw new NotSupportedException($"The CUDA kernel {kernel} does not exist in {program}"
                + (dtype is { } d ? $" for dtype {d.Name()}" : "") + ": the op is not implemented for this dtype on CUDA.", e);
        }
        Functions[key] = f;
        return f;
    }
}
