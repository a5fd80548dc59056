using System.Globalization;
using System.Text;

namespace CudaTensor;

/// <summary>
/// Prints tensors the way PyTorch does: <c>tensor([[1., 2.], [3., 4.]])</c> laid out by shape, one common
/// number format for all elements (integers-valued floats as <c>1.</c>, otherwise 4 decimals, scientific when
/// the magnitudes span too much), large tensors elided with <c>...</c>, and dtype/device noted when not default.
/// </summary>
internal static class TensorFormatter
{
    private const long ElideThreshold = 1000;  // PyTorch's print threshold
    private const int EdgeItems = 3;           // elements kept at each end of an elided dimension

    public static string Format(Tensor t)
    {
        if (t.IsDisposed) return $"{t.Describe()} (disposed)";
        using var host = t.To(Device.Cpu);
        using var d = host.To(DType.Float64);
        var values = d.ToArray<double>();
        bool elide = t.NumElements > ElideThreshold;
        var fmt = NumberFormat.Choose(Visible(values, t.ShapeArray, elide), t.DType);
        var sb = new StringBuilder("tensor(");
        if (t.NumElements == 0 && t.Dim > 0) sb.Append("[]");
        else Append(sb, values, t.ShapeArray, 0, 0, fmt, elide, indent: 7); // "tensor(" is 7 characters
        var suffix = new List<string>();
        if (t.NumElements == 0 && t.Dim != 1) suffix.Add($"size={Shapes.Format(t.ShapeArray)}");
        if (!t.Device.IsCpu) suffix.Add($"device='{t.Device}'");
        if (t.DType is not (DType.Float32 or DType.Int64 or DType.Bool)) suffix.Add($"dtype=torch.{t.DType.Name()}");
        foreach (var s in suffix) sb.Append(", ").Append(s);
        return sb.Append(')').ToString();
    }

    private static void Append(StringBuilder sb, double[] values, long[] shape, int dim, long offset, NumberFormat fmt, bool elide, int indent)
    {
        if (dim == shape.Length)
        {
            sb.Append(fmt.Format(values[offset]));
            return;
        }
        long size = shape[dim], stride = 1;
        for (int i = dim + 1; i < shape.Length; i++) stride *= shape[i];
        sb.Append('[');
        bool last = dim == shape.Length - 1;
        for (long i = 0; i < size; i++)
        {
            if (elide && size > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(last ? "..., " : "...," + NewLines(shape.Length - dim - 1) + new string(' ', indent + 1));
                i = size - EdgeItems - 1;
                continue;
            }
            if (i > 0) sb.Append(last ? ", " : "," + NewLines(shape.Length - dim - 1) + new string(' ', indent + 1));
            Append(sb, values, shape, dim + 1, offset + i * stride, fmt, elide, indent + 1);
        }
        sb.Append(']');
    }

    private static string NewLines(int n) => new('\n', Math.Max(1, n));

    private static IEnumerable<double> Visible(double[] values, long[] shape, bool elide)
    {
        // Choosing the format from all elements is fine for printable sizes; for elided ones, sample.
        if (!elide) return values;
        return values.Take(EdgeItems * 100).Concat(values.Skip(Math.Max(0, values.Length - EdgeItems * 100)));
    }

    private sealed class NumberFormat
    {
        private readonly DType _dtype;
        private readonly bool _integral;
        private readonly bool _scientific;
        private readonly int _width;

        private NumberFormat(DType dtype, bool integral, bool scientific, int width)
        {
            _dtype = dtype;
            _integral = integral;
            _scientific = scientific;
            _width = width;
        }

        public static NumberFormat Choose(IEnumerable<double> values, DType dtype)
        {
            var finite = values.Where(double.IsFinite).Select(Math.Abs).ToArray();
            bool integral = finite.All(v => v == Math.Floor(v));
            bool scientific = false;
            if (dtype.IsFloatingPoint() && finite.Length > 0)
            {
                var nonZero = finite.Where(v => v != 0).ToArray();
                if (nonZero.Length > 0)
                {
                    double max = nonZero.Max(), min = nonZero.Min();
                    // PyTorch switches to scientific notation when the magnitudes span more than 1000x or leave [1e-4, 1e8).
                    scientific = max / min > 1000 || max >= 1e8 || (!integral && min < 1e-4);
                }
            }
            var proto = new NumberFormat(dtype, integral, scientific, 0);
            int width = values.Select(v => proto.Raw(v).Length).DefaultIfEmpty(1).Max();
            return new NumberFormat(dtype, integral, scientific, width);
        }

        public string Format(double v) => Raw(v).PadLeft(_width);

        private string Raw(double v)
        {
            var inv = CultureInfo.InvariantCulture;
            if (_dtype == DType.Bool) return v != 0 ? "True" : "False";
            if (!_dtype.IsFloatingPoint()) return ((long)v).ToString(inv);
            if (double.IsNaN(v)) return "nan";
            if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            if (_scientific) return v.ToString("0.0000e+00", inv);
            if (_integral) return v.ToString("0", inv) + ".";
            return v.ToString("0.0000", inv);
        }
    }
}
