using NUnit.Framework;

namespace CudaTensor.Tests.Reductions;

/// <summary>How a test input is laid out in memory.</summary>
public enum Layout
{
    Contiguous,
    /// <summary>All dims reversed over a contiguous base (a permuted view).</summary>
    Transposed,
    /// <summary>Every other element of the last dim, starting at 1 (a stepped slice with an offset).</summary>
    Stepped,
    /// <summary>Dim 0 broadcast from size 1 (stride 0).</summary>
    Expanded,
}

/// <summary>Builds seeded test tensors of a given logical shape and layout, together with their row-major values.</summary>
internal static class Inputs
{
    public static Tensor Make(Device device, long[] shape, Layout layout, int seed, DType dtype, out double[] logical, double lo = -2, double hi = 2)
    {
        long[] baseShape = (long[])shape.Clone();
        int rank = shape.Length;
        switch (layout)
        {
            case Layout.Transposed: Array.Reverse(baseShape); break;
            case Layout.Stepped: baseShape[rank - 1] *= 2; break;
            case Layout.Expanded: baseShape[0] = 1; break;
        }
        bool isInt = dtype is DType.Int32 or DType.Int64;
        var data = Reference.RandomValues(seed, Reference.Numel(baseShape), lo, hi, asFloat: dtype != DType.Float64);
        if (isInt) data = [.. data.Select(v => Math.Round(v))];
        var baseStrides = Reference.ContiguousStrides(baseShape);
        using var baseTensor = FromDoubles(device, data, baseShape, dtype);
        long[] strides;
        long offset = 0;
        Tensor view;
        switch (layout)
        {
            case Layout.Transposed:
                strides = [.. baseStrides.Reverse()];
                view = baseTensor.Permute([.. Enumerable.Range(0, rank).Reverse()]);
                break;
            case Layout.Stepped:
                strides = (long[])baseStrides.Clone();
                strides[rank - 1] *= 2;
                offset = 1;
                view = baseTensor.Slice(rank - 1, 1, null, 2);
                break;
            case Layout.Expanded:
                strides = (long[])baseStrides.Clone();
                strides[0] = 0;
                view = baseTensor.Expand(shape);
                break;
            default:
                strides = baseStrides;
                view = baseTensor.Reshape(shape);
                break;
        }
        logical = Reference.Materialize(data, shape, strides, offset);
        Assert.That(view.Shape.ToArray(), Is.EqualTo(shape), "test input shape");
        if (layout != Layout.Contiguous && Reference.Numel(shape) > 1) Assert.That(view.IsContiguous, Is.False, "test input should be a non-contiguous view");
        return view;
    }

    public static Tensor FromDoubles(Device device, double[] data, long[] shape, DType dtype) => dtype switch
    {
        DType.Float32 => Tensor.FromArray(data.Select(v => (float)v).ToArray(), shape, device),
        DType.Float64 => Tensor.FromArray(data, shape, device),
        DType.Int32 => Tensor.FromArray(data.Select(v => (int)v).ToArray(), shape, device),
        DType.Int64 => Tensor.FromArray(data.Select(v => (long)v).ToArray(), shape, device),
        DType.Bool => Tensor.FromArray(data.Select(v => v != 0).ToArray(), shape, device),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
