using System.Globalization;
using System.Text;
using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Generates the CUDA C of a fused program: one kernel body that reads each input once, evaluates every instruction
/// in registers and writes each output once. Each op is a call of its named device function from Kernels/ops.cuh
/// (<c>ct_op_Tanh(x, p0, p1)</c>, <c>ct_op_Mul(a, b)</c>), the functions the elementwise template calls: the X-macro
/// table is expanded once per dtype the program uses, inside a namespace per dtype (<c>ct_f32::ct_op_Mul</c>), so a
/// program may mix dtypes and there is no second copy of any formula. Numbers (constants and unary-op parameters) are
/// kernel arguments, not text: the source, and so the NVRTC cache key, depends on the program's shape alone, and one
/// compiled kernel serves every value (a changed learning rate or scale costs no compilation). Each number travels as
/// its bit pattern in one 8-byte slot of the parameter block (<see cref="Numbers"/> says which, in order); beyond
/// the room CUDA's 4 KiB of kernel parameters leaves, the rest are spelled in the source as exact bit patterns.
/// Two kernels: <c>ct_fused_c</c> for a rank-1 space (offset = i * stride: contiguous or broadcast numbers) and
/// <c>ct_fused_s</c> for any strided layout up to <see cref="MaxDims"/> merged dimensions.
/// </summary>
internal static class CudaFusedSource
{
    /// <summary>Most merged dimensions a fused kernel handles (as the elementwise template).</summary>
    public const int MaxDims = 8;

    /// <summary>Most operands (inputs plus outputs): the parameter block stays far below CUDA's 4 KiB of kernel parameters.</summary>
    public const int MaxOperands = 32;

    /// <summary>The kernel for rank-1 layouts.</summary>
    public const string ContiguousKernel = "ct_fused_c";

    /// <summary>The kernel for strided layouts.</summary>
    public const string StridedKernel = "ct_fused_s";

    /// <summary>The C type of a dtype's elements.</summary>
    public static string CType(DType d) => d switch
    {
        DType.Float32 => "float",
        DType.Float64 => "double",
        DType.Int32 => "int",
        DType.Int64 => "long long",
        _ => "unsigned char",
    };

    private static string Space(DType d) => d switch
    {
        DType.Float32 => "ct_f32",
        DType.Float64 => "ct_f64",
        DType.Int32 => "ct_i32",
        DType.Int64 => "ct_i64",
        _ => "ct_b8",
    };

    /// <summary>The program's CUDA C source.</summary>
    /// <exception cref="NotSupportedException">The program has more than <see cref="MaxOperands"/> operands.</exception>
    public static string Generate(ElementwiseProgram program)
    {
        int outputs = program.Outputs.Count, nops = outputs + program.Inputs.Count;
        if (nops > MaxOperands)
            throw new NotSupportedException($"A fused CUDA kernel takes at most {MaxOperands} inputs and outputs together; this program has {nops}. Split the expression.");
        int passed = Math.Min(Numbers(program).Count, MaxNumbers(nops));
        var sb = new StringBuilder();
        sb.Append("// Fused elementwise kernel generated from this program (Managed/Compile/Fusion/CudaFusedSource.cs);\n")
          .Append("// #k is number k of the parameter block:\n");
        foreach (var line in Listing(program, passed).Split('\n')) sb.Append("//   ").Append(line).Append('\n');
        sb.Append("#include \"ops.cuh\"\n\n");
        // The formula table once per dtype in use, each in its own namespace (T is that namespace's element type).
        var dtypes = new SortedSet<DType>();
        foreach (var ins in program.Instructions)
        {
            if (ins.Kind is FusedOpKind.Unary or FusedOpKind.Predicate) dtypes.Add(program.Instructions[ins.A].DType);
            if (ins.Kind == FusedOpKind.Binary) dtypes.Add(program.Instructions[ins.A].DType);
        }
        foreach (var d in dtypes)
        {
            sb.Append("namespace ").Append(Space(d)).Append(" {\ntypedef ").Append(CType(d)).Append(" T;\n");
            if (d != DType.Bool) sb.Append("CT_UNARY_NUMERIC_OPS(CT_DEFINE_UNARY_OP)\n");
            if (d.IsFloatingPoint()) sb.Append("CT_UNARY_FLOAT_OPS(CT_DEFINE_UNARY_OP)\nCT_PREDICATE_OPS(CT_DEFINE_PREDICATE_OP)\n");
            sb.Append("CT_BINARY_ARITHMETIC_OPS(CT_DEFINE_BINARY_OP)\nCT_BINARY_COMPARISON_OPS(CT_DEFINE_COMPARISON_OP)\n");
            if (d == DType.Bool) sb.Append("CT_BINARY_LOGICAL_OPS(CT_DEFINE_BINARY_OP)\n");
            sb.Append("}\n");
        }
        // Must match the parameter block CudaFusedExecutor builds: 8-byte fields, no padding.
        sb.Append(CultureInfo.InvariantCulture, $"\n#define CT_FUSED_OPS {nops}\n");
        sb.Append("struct ct_fused_params { void* p[CT_FUSED_OPS]; long long rank; long long size[").Append(MaxDims)
          .Append("]; long long stride[CT_FUSED_OPS][").Append(MaxDims).Append("];");
        if (passed > 0) sb.Append(CultureInfo.InvariantCulture, $" long long num[{passed}];");
        sb.Append(" };\n\n");
        sb.Append("__device__ __forceinline__ void ct_fused_body(const ct_fused_params& P, const long long (&off)[CT_FUSED_OPS])\n{\n");
        Body(program, sb, passed);
        sb.Append("}\n\n");
        sb.Append("extern \"C\" __global__ void ").Append(ContiguousKernel).Append("(ct_fused_params P, unsigned long long n)\n{\n")
          .Append("    CT_LOOP64(i, n)\n    {\n        long long off[CT_FUSED_OPS];\n")
          .Append("#pragma unroll\n        for (int k = 0; k < CT_FUSED_OPS; ++k) off[k] = (long long)i * P.stride[k][0];\n")
          .Append("        ct_fused_body(P, off);\n    }\n}\n\n");
        sb.Append("extern \"C\" __global__ void ").Append(StridedKernel).Append("(ct_fused_params P, unsigned long long n)\n{\n")
          .Append("    CT_LOOP64(i, n)\n    {\n        long long off[CT_FUSED_OPS];\n")
          .Append("#pragma unroll\n        for (int k = 0; k < CT_FUSED_OPS; ++k) off[k] = 0;\n")
          .Append("        unsigned long long r = i;\n")
          .Append("        for (int d = (int)P.rank - 1; d >= 0; --d)\n        {\n")
          .Append("            unsigned long long sz = (unsigned long long)P.size[d], q = r / sz;\n")
          .Append("            long long rem = (long long)(r - q * sz);\n")
          .Append("#pragma unroll\n            for (int k = 0; k < CT_FUSED_OPS; ++k) off[k] += rem * P.stride[k][d];\n")
          .Append("            r = q;\n        }\n        ct_fused_body(P, off);\n    }\n}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The numbers of a program in parameter-block order, as 8-byte bit patterns: each constant's bits in its dtype,
    /// then (for a unary op) P0 and P1 as doubles. The executor passes the first <see cref="MaxNumbers"/> of them.
    /// </summary>
    public static List<long> Numbers(ElementwiseProgram program)
    {
        var numbers = new List<long>();
        foreach (var x in program.Instructions)
        {
            if (x.Kind == FusedOpKind.Constant) numbers.Add(x.Bits);
            else if (x.Kind == FusedOpKind.Unary)
            {
                numbers.Add(BitConverter.DoubleToInt64Bits(x.P0));
                numbers.Add(BitConverter.DoubleToInt64Bits(x.P1));
            }
        }
        return numbers;
    }

    /// <summary>
    /// How many numbers fit the parameter block of a kernel of <paramref name="nops"/> operands next to its pointers,
    /// rank, sizes, strides and the element count: CUDA passes at most 4,096 bytes of kernel parameters.
    /// </summary>
    public static int MaxNumbers(int nops) => (4096 - 8 - 8 * (nops + 1 + MaxDims + nops * MaxDims)) / 8;

    /// <summary>The program without its numbers (they are block slots <c>#k</c>): the generated source's comment.</summary>
    private static string Listing(ElementwiseProgram program, int passed)
    {
        var sb = new StringBuilder();
        sb.Append("inputs: ").AppendJoin(", ", program.Inputs.Select(d => d.Name())).Append('\n');
        int slot = 0;
        var ins = program.Instructions;
        for (int i = 0; i < ins.Count; i++)
        {
            var x = ins[i];
            if (x.Kind == FusedOpKind.Constant && slot < passed) sb.Append(CultureInfo.InvariantCulture, $"%{i} = const {x.DType.Name()} #{slot++}");
            else if (x.Kind == FusedOpKind.Unary && slot + 1 < passed)
            {
                sb.Append(CultureInfo.InvariantCulture, $"%{i} = {x.UnaryOp} {x.DType.Name()} %{x.A} (#{slot}, #{slot + 1})");
                slot += 2;
            }
            else
            {
                sb.Append(x.Format(i));
                if (x.Kind == FusedOpKind.Constant) slot++;
                else if (x.Kind == FusedOpKind.Unary) slot += 2;
            }
            sb.Append('\n');
        }
        sb.Append("outputs: ").AppendJoin(", ", program.Outputs.Select(o => "%" + o));
        return sb.ToString();
    }

    private static void Body(ElementwiseProgram program, StringBuilder sb, int passed)
    {
        int outputs = program.Outputs.Count, slot = 0;
        var ins = program.Instructions;
        for (int i = 0; i < ins.Count; i++)
        {
            var x = ins[i];
            string type = CType(x.DType);
            sb.Append("    const ").Append(type).Append(" v").Append(i).Append(" = ");
            switch (x.Kind)
            {
                case FusedOpKind.Input:
                {
                    int k = outputs + x.A;
                    sb.Append("((const ").Append(type).Append("*)P.p[").Append(k).Append("])[off[").Append(k).Append("]]");
                    break;
                }
                case FusedOpKind.Constant:
                    sb.Append(slot < passed ? FromSlot(x.DType, slot) : Literal(x.DType, x.Bits));
                    slot++;
                    break;
                case FusedOpKind.Unary:
                {
                    string p0 = slot < passed ? $"__longlong_as_double(P.num[{slot}])" : DoubleLiteral(x.P0);
                    string p1 = slot + 1 < passed ? $"__longlong_as_double(P.num[{slot + 1}])" : DoubleLiteral(x.P1);
                    slot += 2;
                    string p = $"ct_param<{type}>({p0}), ct_param<{type}>({p1})";
                    sb.Append(Space(x.DType)).Append("::ct_op_").Append(x.UnaryOp).Append("(v").Append(x.A).Append(", ").Append(p).Append(')');
                    break;
                }
                case FusedOpKind.Predicate:
                    sb.Append(Space(ins[x.A].DType)).Append("::ct_op_").Append(x.PredicateOp).Append("(v").Append(x.A).Append(')');
                    break;
                case FusedOpKind.Binary:
                    sb.Append(Space(ins[x.A].DType)).Append("::ct_op_").Append(x.BinaryOp).Append("(v").Append(x.A).Append(", v").Append(x.B).Append(')');
                    break;
                case FusedOpKind.Where:
                    sb.Append('v').Append(x.A).Append(" ? v").Append(x.B).Append(" : v").Append(x.C);
                    break;
                default:
                    // As elementwise.cu's ct_convert: a C conversion (truncating, saturating on the GPU), non-zero to 1 for Bool.
                    if (x.DType == DType.Bool) sb.Append("(unsigned char)(v").Append(x.A).Append(" != 0 ? 1 : 0)");
                    else sb.Append('(').Append(type).Append(")v").Append(x.A);
                    break;
            }
            sb.Append(";\n");
        }
        for (int o = 0; o < outputs; o++)
        {
            int v = program.Outputs[o];
            sb.Append("    ((").Append(CType(ins[v].DType)).Append("*)P.p[").Append(o).Append("])[off[").Append(o).Append("]] = v").Append(v).Append(";\n");
        }
    }

    // A constant read from slot k of the block: the low bits reinterpreted in the dtype (as Literal spells them).
    private static string FromSlot(DType d, int k) => d switch
    {
        DType.Float32 => $"__int_as_float((int)P.num[{k}])",
        DType.Float64 => $"__longlong_as_double(P.num[{k}])",
        DType.Int32 => $"(int)P.num[{k}]",
        DType.Int64 => $"P.num[{k}]",
        _ => $"(unsigned char)(P.num[{k}] != 0 ? 1 : 0)",
    };

    private static string DoubleLiteral(double d)
        => "__longlong_as_double(0x" + BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture) + "ull)";

    private static string Literal(DType d, long bits) => d switch
    {
        DType.Float32 => "__int_as_float(0x" + ((uint)bits).ToString("x8", CultureInfo.InvariantCulture) + ")",
        DType.Float64 => "__longlong_as_double(0x" + bits.ToString("x16", CultureInfo.InvariantCulture) + "ull)",
        DType.Int32 => "(int)0x" + ((uint)bits).ToString("x8", CultureInfo.InvariantCulture) + "u",
        DType.Int64 => "(long long)0x" + bits.ToString("x16", CultureInfo.InvariantCulture) + "ull",
        _ => bits != 0 ? "(unsigned char)1" : "(unsigned char)0",
    };
}
