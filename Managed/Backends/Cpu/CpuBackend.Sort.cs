using System.Numerics;
using CudaTensor.Core;

namespace CudaTensor.Backends.Cpu;

// Sort along the last dimension of contiguous rows: each row's positions are sorted by (value, position), which is a
// total order, so the result is stable and the same whatever sort algorithm runs; rows are shared among the workers.
internal sealed unsafe partial class CpuBackend
{
    public void Sort(Strided values, Strided indices, Strided src, bool descending)
    {
        using var alive = new OperandsAlive(values.Storage, indices.Storage, src.Storage);
        if (!src.IsContiguous || !values.IsContiguous || !indices.IsContiguous || indices.DType != DType.Int64 || values.DType != src.DType)
            throw new ArgumentException("Sort needs contiguous rows: values and src of one dtype, indices Int64.");
        switch (src.DType)
        {
            case DType.Float32: SortRows<float>(values, indices, src, descending); break;
            case DType.Float64: SortRows<double>(values, indices, src, descending); break;
            case DType.Int32: SortRows<int>(values, indices, src, descending); break;
            case DType.Int64: SortRows<long>(values, indices, src, descending); break;
            default: throw Unsupported("Sort", src.DType);
        }
    }

    private static void SortRows<T>(Strided values, Strided indices, Strided src, bool descending) where T : unmanaged, INumber<T>
    {
        long n = src.Rank == 0 ? 1 : src.Shape[^1];
        long rows = n == 0 ? 0 : src.NumElements / n;
        if (rows == 0) return;
        if (n > int.MaxValue) throw new NotSupportedException($"Sort: rows of {n} elements are longer than the CPU backend sorts (2^31 - 1).");
        var job = new SortJob<T>((T*)Address(values), (long*)Address(indices), (T*)Address(src), rows, (int)n, descending);
        CpuWorkers.For(job, (int)Math.Min(rows, 4L * Environment.ProcessorCount));
    }

    private readonly struct SortJob<T>(T* values, long* indices, T* src, long rows, int n, bool descending) : IChunkJob
        where T : unmanaged, INumber<T>
    {
        public void Run(int chunk, int chunks)
        {
            var keys = new T[n];
            var order = new int[n];
            for (long r = rows * chunk / chunks, end = rows * (chunk + 1) / chunks; r < end; r++)
            {
                new ReadOnlySpan<T>(src + r * n, n).CopyTo(keys);
                for (int i = 0; i < n; i++) order[i] = i;
                order.AsSpan().Sort(new RowOrder<T>(keys, descending));
                T* v = values + r * n;
                long* ix = indices + r * n;
                for (int i = 0; i < n; i++)
                {
                    v[i] = keys[order[i]];
                    ix[i] = order[i];
                }
            }
        }
    }

    // Positions ordered by value (NaN largest, as PyTorch), ties by position: a total order, hence stable.
    private readonly struct RowOrder<T>(T[] keys, bool descending) : IComparer<int> where T : unmanaged, INumber<T>
    {
        public int Compare(int a, int b)
        {
            T x = keys[a], y = keys[b];
            bool nx = T.IsNaN(x), ny = T.IsNaN(y);
            int c = nx || ny ? nx.CompareTo(ny) : x < y ? -1 : x > y ? 1 : 0;
            if (descending) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
