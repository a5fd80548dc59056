namespace CudaTensor.Backends.Cpu;

// Index range checks inside the primitive: the CPU reads the index's memory directly, before anything is written, so
// the op layer needs no host read of the index's minimum and maximum (which made compiled functions run eagerly), and
// a bad index is reported at once, naming the op the user called, exactly as the op layer's check words it.
internal sealed unsafe partial class CpuBackend : IDeferredIndexChecks
{
    /// <inheritdoc/>
    public void Gather(Strided dst, Strided src, Strided index, int dim, string op)
    {
        CheckIndices(index, src.Shape[dim], dim, op);
        Gather(dst, src, index, dim);
    }

    /// <inheritdoc/>
    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate, string op)
    {
        CheckIndices(index, dst.Shape[dim], dim, op);
        Scatter(dst, index, src, dim, accumulate);
    }

    private static void CheckIndices(Strided index, long size, int dim, string op)
    {
        if (index.NumElements == 0) return;
        // Dimensions the index is broadcast along (stride 0) hold no new values: each stored element is visited once.
        var shape = new List<long>();
        var strides = new List<long>();
        for (int i = 0; i < index.Rank; i++)
        {
            if (index.Strides[i] == 0 || index.Shape[i] == 1) continue;
            shape.Add(index.Shape[i]);
            strides.Add(index.Strides[i]);
        }
        long count = 1;
        foreach (long s in shape) count *= s;
        var counter = new long[shape.Count];
        byte* p = Address(index);
        bool wide = index.DType == DType.Int64;
        long lo = long.MaxValue, hi = long.MinValue, offset = 0;
        using var alive = new OperandsAlive(index.Storage);
        for (long e = 0; e < count; e++)
        {
            long v = wide ? ((long*)p)[offset] : ((int*)p)[offset];
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
            for (int k = shape.Count - 1; k >= 0; k--)
            {
                offset += strides[k];
                if (++counter[k] < shape[k]) break;
                offset -= strides[k] * shape[k];
                counter[k] = 0;
            }
        }
        if (lo < 0 || hi >= size)
            throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {(lo < 0 ? lo : hi)} is out of bounds for dimension {dim} with size {size}; valid indices are 0..{size - 1}.");
    }
}
