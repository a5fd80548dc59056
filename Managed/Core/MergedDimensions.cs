namespace CudaTensor.Core;

/// <summary>
/// An iteration space with size-1 dimensions dropped and neighbours merged where every operand steps exactly over the
/// inner one, so that same-shape contiguous operands (and numbers broadcast by stride 0) walk a rank-1 space. Kernels
/// (the CUDA elementwise layout, the fused programs' tiles) index the merged space instead of the tensor's.
/// </summary>
internal static class MergedDimensions
{
    /// <summary>
    /// Merges the dimensions of <paramref name="shape"/> for operands with the element strides
    /// <paramref name="operandStrides"/> (one array per operand, each of <paramref name="shape"/>'s rank). Returns the
    /// merged sizes, outermost first, and for each merged dimension the strides of every operand.
    /// </summary>
    public static (List<long> Sizes, List<long[]> Strides) Merge(ReadOnlySpan<long> shape, ReadOnlySpan<long[]> operandStrides)
    {
        int n = operandStrides.Length;
        var sizes = new List<long>(shape.Length);
        var strides = new List<long[]>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            var s = new long[n];
            for (int k = 0; k < n; k++) s[k] = operandStrides[k][d];
            if (sizes.Count > 0)
            {
                // Merge with the previous (outer) dimension when it steps exactly over this one in every operand.
                var prev = strides[^1];
                bool merge = true;
                for (int k = 0; k < n && merge; k++) merge = prev[k] == s[k] * shape[d];
                if (merge)
                {
                    sizes[^1] *= shape[d];
                    strides[^1] = s;
                    continue;
                }
            }
            sizes.Add(shape[d]);
            strides.Add(s);
        }
        return (sizes, strides);
    }
}
