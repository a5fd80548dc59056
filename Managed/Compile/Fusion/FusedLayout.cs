using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// The iteration space of a fused program and every operand's element strides over it: size-1 dimensions dropped and
/// neighbours merged where every operand is contiguous across them (so same-shape contiguous operands, and numbers
/// broadcast by stride 0, make a rank-1 space). Operands are the outputs first, then the inputs, each already
/// broadcast to the output shape.
/// </summary>
internal sealed class FusedLayout
{
    private FusedLayout(long[] sizes, long[][] strides, long count)
    {
        Sizes = sizes;
        Strides = strides;
        Count = count;
    }

    /// <summary>Sizes of the merged dimensions, outermost first (empty for one element).</summary>
    public long[] Sizes { get; }

    /// <summary>Strides[k][d]: operand k's element stride in merged dimension d.</summary>
    public long[][] Strides { get; }

    /// <summary>Number of elements.</summary>
    public long Count { get; }

    /// <summary>Merged rank.</summary>
    public int Rank => Sizes.Length;

    /// <summary>Builds the layout of <paramref name="operands"/> over <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">An operand's shape is not <paramref name="shape"/> (callers broadcast first).</exception>
    public static FusedLayout Build(ReadOnlySpan<long> shape, ReadOnlySpan<Strided> operands, string op)
    {
        int n = operands.Length;
        for (int k = 0; k < n; k++)
        {
            if (!operands[k].Shape.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"{op}: operand {k} has shape {Shapes.Format(operands[k].Shape)}, not the iteration shape {Shapes.Format(shape)}; broadcast it first.");
        }
        var operandStrides = new long[n][];
        for (int k = 0; k < n; k++) operandStrides[k] = operands[k].Strides;
        var (sizes, strides) = MergedDimensions.Merge(shape, operandStrides);
        var perOperand = new long[n][];
        for (int k = 0; k < n; k++)
        {
            perOperand[k] = new long[sizes.Count];
            for (int d = 0; d < sizes.Count; d++) perOperand[k][d] = strides[d][k];
        }
        return new FusedLayout([.. sizes], perOperand, Shapes.NumElements(shape));
    }

    /// <summary>Whether operand <paramref name="k"/> walks its elements densely in iteration order.</summary>
    public bool IsDense(int k)
    {
        long expected = 1;
        for (int d = Rank - 1; d >= 0; d--)
        {
            if (Strides[k][d] != expected) return false;
            expected *= Sizes[d];
        }
        return true;
    }

    /// <summary>Whether operand <paramref name="k"/> is one element broadcast everywhere (every stride 0).</summary>
    public bool IsBroadcastNumber(int k)
    {
        foreach (long s in Strides[k]) if (s != 0) return false;
        return true;
    }
}
