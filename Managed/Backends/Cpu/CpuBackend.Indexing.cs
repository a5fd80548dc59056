using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

// Gather and scatter along one dimension. The strided loop walks the index tensor's shape; the source (for
// gather) or destination (for scatter) is passed with stride 0 along `dim`, and the kernel adds
// index * stride[dim]. Indices are checked; a bad one throws before or without corrupting memory outside the tensor.
internal sealed unsafe partial class CpuBackend
{
    public void Gather(Strided dst, Strided src, Strided index, int dim)
    {
        using var alive = new OperandsAlive(src.Storage, index.Storage);
        var srcBase = src.WithLayout(dst.Shape, WithZero(src.Strides, dim));
        var kernel = new GatherRows(src.Shape[dim], src.Strides[dim], src.DType.ElementSize(), dim);
        StridedLoop.Run(kernel, dst.Shape, [dst, index, srcBase]);
    }

    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate)
    {
        using var alive = new OperandsAlive(index.Storage, src.Storage);
        var dstBase = dst.WithLayout(index.Shape, WithZero(dst.Strides, dim));
        var srcView = src.WithLayout(index.Shape, src.Strides);
        long size = dst.Shape[dim], step = dst.Strides[dim];
        bool rows = RowsAreDisjoint(dst, index, dim);
        if (!accumulate)
        {
            // Assignment only moves bits: dispatch on the element size.
            switch (dst.DType.ElementSize())
            {
                case 8: RunScatter<long, Assign<long>>(dstBase, index, srcView, size, step, dim, rows); break;
                case 4: RunScatter<int, Assign<int>>(dstBase, index, srcView, size, step, dim, rows); break;
                default: RunScatter<byte, Assign<byte>>(dstBase, index, srcView, size, step, dim, rows); break;
            }
            return;
        }
        switch (dst.DType)
        {
            case DType.Float32: RunScatter<float, Accumulate<float>>(dstBase, index, srcView, size, step, dim, rows); break;
            case DType.Float64: RunScatter<double, Accumulate<double>>(dstBase, index, srcView, size, step, dim, rows); break;
            case DType.Int32: RunScatter<int, Accumulate<int>>(dstBase, index, srcView, size, step, dim, rows); break;
            case DType.Int64: RunScatter<long, Accumulate<long>>(dstBase, index, srcView, size, step, dim, rows); break;
            default: throw Unsupported("ScatterAdd", dst.DType);
        }
    }

    // Several indices may hit one element, and writes must land in order. When `dim` is the last dimension and the
    // destination's elements are all distinct in memory, only elements of one row can collide: whole rows go to threads
    // (the im2col backward of a convolution is such a scatter-add). Otherwise scatter runs on one thread.
    private static void RunScatter<T, TMode>(Strided dstBase, Strided index, Strided src, long size, long step, int dim, bool rowsAreDisjoint)
        where T : unmanaged where TMode : IScatterMode<T>
        => StridedLoop.Run(new ScatterRows<T, TMode>(size, step, dim), index.Shape, [dstBase, index, src], 1, allowParallel: rowsAreDisjoint,
            chunkAlign: rowsAreDisjoint ? index.Shape[dim] : 1);

    // Whether a scatter along `dim` can give whole rows to threads (see RunScatter).
    private static bool RowsAreDisjoint(Strided dst, Strided index, int dim)
        => dim == index.Rank - 1 && index.Shape[dim] > 0 && IsNonOverlapping(dst.Shape, dst.Strides);

    // No two elements share memory: by increasing |stride|, each stride clears the extent of the smaller ones.
    private static bool IsNonOverlapping(long[] shape, long[] strides)
    {
        var dims = Enumerable.Range(0, shape.Length).Where(d => shape[d] > 1).OrderBy(d => Math.Abs(strides[d])).ToArray();
        long extent = 1;
        foreach (int d in dims)
        {
            if (Math.Abs(strides[d]) < extent) return false;
            extent = Math.Abs(strides[d]) * shape[d];
        }
        return true;
    }

    private static long[] WithZero(long[] strides, int dim)
    {
        var s = (long[])strides.Clone();
        s[dim] = 0;
        return s;
    }

    private readonly struct GatherRows(long size, long step, int elementSize, int dim) : IRowKernel
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            byte* y = ptr[0];
            long* ix = (long*)ptr[1];
            byte* x = ptr[2];
            long sy = stride[0], si = stride[1] / sizeof(long), sx = stride[2];
            long stepBytes = step * elementSize;
            long i = 0;
            if (elementSize == 4 && sy == 4 && si == 1 && sx == 0 && step == 1 && size <= int.MaxValue && Avx512F.IsSupported)
            {
                // A row along the gathered dimension of contiguous 4-byte data (im2col's shape): eight elements per
                // hardware gather, the checked indices narrowed to 32 bits; a block with a bad index is left to the
                // checked loop below, which throws.
                var limit = Vector512.Create((ulong)size);
                for (; i + 8 <= n; i += 8)
                {
                    var k8 = Vector512.Load(ix + i);
                    if (!Vector512.LessThanAll(k8.AsUInt64(), limit)) break;
                    Avx2.GatherVector256((int*)x, Avx512F.ConvertToVector256Int32(k8), 4).Store((int*)y + i);
                }
            }
            for (; i < n; i++)
            {
                long k = ix[i * si];
                if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfBounds("Gather", k, size, dim);
                byte* from = x + i * sx + k * stepBytes;
                byte* to = y + i * sy;
                switch (elementSize)
                {
                    case 8: *(long*)to = *(long*)from; break;
                    case 4: *(int*)to = *(int*)from; break;
                    default: *to = *from; break;
                }
            }
        }
    }

    private interface IScatterMode<T> where T : unmanaged
    {
        static abstract void Apply(T* target, T value);
    }

    private readonly struct Assign<T> : IScatterMode<T> where T : unmanaged
    {
        public static void Apply(T* target, T value) => *target = value;
    }

    private readonly struct Accumulate<T> : IScatterMode<T> where T : unmanaged, INumber<T>
    {
        public static void Apply(T* target, T value) => *target += value;
    }

    private readonly struct ScatterRows<T, TMode>(long size, long step, int dim) : IRowKernel where T : unmanaged where TMode : IScatterMode<T>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            byte* y = ptr[0];
            long* ix = (long*)ptr[1];
            byte* x = ptr[2];
            long sy = stride[0], si = stride[1] / sizeof(long), sx = stride[2];
            for (long i = 0; i < n; i++)
            {
                long k = ix[i * si];
                if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfBounds("Scatter", k, size, dim);
                TMode.Apply((T*)(y + i * sy) + k * step, *(T*)(x + i * sx));
            }
        }
    }
}
