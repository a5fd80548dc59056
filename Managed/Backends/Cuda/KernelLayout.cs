using System.Runtime.InteropServices;
using CudaTensor.Core;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// The iteration space and operand strides passed by value to elementwise kernels; byte for byte the
/// <c>ct_layout</c> of <c>Kernels/ct_common.cuh</c>. Built from the destination's shape and each operand's strides,
/// with size-1 dimensions dropped and neighbours merged where every operand is contiguous across them, so most
/// tensors reach the kernel with rank 1 or 2.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KernelLayout
{
    public const int MaxDims = 8;
    public const int MaxArgs = 4;

    public int Rank;
    private int _pad;
    public fixed long Size[MaxDims];
    public fixed long Stride[MaxArgs * MaxDims];

    /// <summary>Whether every operand walks its elements densely in order (the _c kernels apply).</summary>
    public bool IsContiguous { get; private set; }

    /// <summary>Whether indices and every offset fit the 32-bit kernels.</summary>
    public bool Fits32 { get; private set; }

    /// <summary>Builds the layout of <paramref name="operands"/> (element strides) over <paramref name="shape"/>.</summary>
    /// <exception cref="NotSupportedException">More than <see cref="MaxDims"/> dimensions remain after merging.</exception>
    public static KernelLayout Build(ReadOnlySpan<long> shape, params ReadOnlySpan<long[]> operands)
    {
        int n = operands.Length;
        var (sizes, strides) = MergedDimensions.Merge(shape, operands);
        if (sizes.Count > MaxDims)
            throw new NotSupportedException($"The CUDA backend handles at most {MaxDims} dimensions that cannot be merged; got {sizes.Count}. Make an operand contiguous first.");
        var layout = new KernelLayout { Rank = sizes.Count };
        long count = 1;
        long maxOffset = 0;
        bool contiguous = true;
        for (int d = 0; d < sizes.Count; d++)
        {
            layout.Size[d] = sizes[d];
            count *= sizes[d];
            for (int k = 0; k < n; k++)
            {
                layout.Stride[k * MaxDims + d] = strides[d][k];
                maxOffset = Math.Max(maxOffset, Math.Abs(strides[d][k]) * (sizes[d] - 1));
            }
        }
        if (sizes.Count > 1) contiguous = false;
        else if (sizes.Count == 1)
        {
            for (int k = 0; k < n; k++) contiguous &= strides[0][k] == 1;
        }
        layout.IsContiguous = contiguous;
        // Offsets are sums over dimensions; bound each by its largest term times the rank.
        layout.Fits32 = count < int.MaxValue && maxOffset * Math.Max(1, sizes.Count) < int.MaxValue;
        return layout;
    }
}
