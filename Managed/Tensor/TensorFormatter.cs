using System.Globalization;
using System.Text;

namespace CudaTensor.Tensors;

/// <summary>
/// Prints tensors the way PyTorch's <c>torch._tensor_str</c> does with its default print options, so output
/// can be compared with PyTorch's character for character: values laid out by shape, one number format for
/// all elements (integer-valued floats as <c>1.</c>, otherwise 4 decimals, scientific when the magnitudes
/// span too much), rows wrapped at 80 columns, tensors of more than 1000 elements elided with <c>...</c>
/// (3 items kept at each end), and device, size, dtype and autograd state noted when not default.
/// </summary>
internal static class TensorFormatter
{
    private const long Threshold = 1000;  // PyTorch's print threshold: more elements than this are summarized
    private const int EdgeItems = 3;      // items kept at each end of a summarized dimension
    private const int LineWidth = 80;     // characters per line before a vector wraps
    private const string Prefix = "tensor(";

    public static string Format(Tensor t)
    {
        if (t.IsDisposed) return $"{t.Describe()} (disposed)";
        using var host = t.To(Device.Cpu);
        using var d = host.To(DType.Float64);
        var values = d.ToArray<double>();
        var shape = t.ShapeArray;
        var suffix = new List<string>();
        if (!t.Device.IsCpu) suffix.Add($"device='{t.Device}'");
        string body;
        if (t.NumElements == 0)
        {
            // As PyTorch (and NumPy): the size is shown unless it is (0,), and the dtype unless it is the default
            // float one, since there are no elements to tell an int64 tensor from a float32 one.
            if (t.Dim != 1) suffix.Add($"size=({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")})");
            if (t.DType != DTypes.DefaultFloat) suffix.Add($"dtype=torch.{t.DType.Name()}");
            body = "[]";
        }
        else
        {
            if (t.DType is not (DType.Float32 or DType.Int64 or DType.Bool)) suffix.Add($"dtype=torch.{t.DType.Name()}");
            bool summarize = t.NumElements > Threshold;
            var visible = new List<double>();
            Visit(values, shape, 0, 0, summarize, visible);
            var fmt = NumberFormat.Choose(visible, t.DType);
            var sb = new StringBuilder();
            AppendTensor(sb, values, shape, 0, 0, fmt, summarize, Prefix.Length);
            body = sb.ToString();
        }
        if (t.GradFn is { } node) suffix.Add($"grad_fn=<{node.Name}>");
        else if (t.RequiresGrad) suffix.Add("requires_grad=True");
        var result = new StringBuilder(Prefix).Append(body);
        foreach (var s in suffix) result.Append(", ").Append(s);
        return result.Append(')').ToString();
    }

    // The elements that will be printed (PyTorch's get_summarized_data): the number format is chosen from these only.
    private static void Visit(double[] values, long[] shape, int dim, long offset, bool summarize, List<double> visible)
    {
        if (dim == shape.Length)
        {
            visible.Add(values[offset]);
            return;
        }
        long size = shape[dim], stride = Stride(shape, dim);
        foreach (long i in Indices(size, summarize)) Visit(values, shape, dim + 1, offset + i * stride, summarize, visible);
    }

    private static IEnumerable<long> Indices(long size, bool summarize)
    {
        if (summarize && size > 2 * EdgeItems)
        {
            for (long i = 0; i < EdgeItems; i++) yield return i;
            for (long i = size - EdgeItems; i < size; i++) yield return i;
        }
        else
        {
            for (long i = 0; i < size; i++) yield return i;
        }
    }

    private static long Stride(long[] shape, int dim)
    {
        long stride = 1;
        for (int i = dim + 1; i < shape.Length; i++) stride *= shape[i];
        return stride;
    }

    private static void AppendTensor(StringBuilder sb, double[] values, long[] shape, int dim, long offset, NumberFormat fmt, bool summarize, int indent)
    {
        int rank = shape.Length - dim;
        if (rank == 0)
        {
            sb.Append(fmt.Format(values[offset]));
            return;
        }
        long size = shape[dim], stride = Stride(shape, dim);
        bool elide = summarize && size > 2 * EdgeItems;
        if (rank == 1)
        {
            // PyTorch's _vector_str: items joined by ", ", wrapped so that each line holds what fits in 80 columns.
            var items = new List<string>();
            foreach (long i in Indices(size, summarize))
            {
                if (elide && i == size - EdgeItems) items.Add(" ...");
                items.Add(fmt.Format(values[offset + i * stride]));
            }
            int perLine = Math.Max(1, (LineWidth - indent) / (fmt.Width + 2));
            sb.Append('[');
            for (int k = 0; k < items.Count; k++)
            {
                if (k > 0) sb.Append(k % perLine == 0 ? ",\n" + new string(' ', indent + 1) : ", ");
                sb.Append(items[k]);
            }
            sb.Append(']');
            return;
        }
        // Sub-tensors are separated by a comma, one blank line per dimension below the next, and the indent.
        string separator = "," + new string('\n', rank - 1) + new string(' ', indent + 1);
        sb.Append('[');
        bool first = true;
        foreach (long i in Indices(size, summarize))
        {
            if (!first) sb.Append(separator);
            if (elide && i == size - EdgeItems) sb.Append("...").Append(separator);
            first = false;
            AppendTensor(sb, values, shape, dim + 1, offset + i * stride, fmt, summarize, indent + 1);
        }
        sb.Append(']');
    }

    /// <summary>PyTorch's <c>_Formatter</c>: one format and one width for every printed element.</summary>
    private sealed class NumberFormat
    {
        private const int Precision = 4;  // PyTorch's default print precision (digits after the point)
        private readonly bool _floating;
        private readonly bool _bool;
        private readonly bool _integral;
        private readonly bool _scientific;

        private NumberFormat(DType dtype, bool integral, bool scientific)
        {
            _floating = dtype.IsFloatingPoint();
            _bool = dtype == DType.Bool;
            _integral = integral;
            _scientific = scientific;
        }

        public int Width { get; private set; } = 1;

        public static NumberFormat Choose(List<double> values, DType dtype)
        {
            if (!dtype.IsFloatingPoint())
            {
                var f = new NumberFormat(dtype, true, false);
                foreach (var v in values) f.Width = Math.Max(f.Width, f.Raw(v).Length);
                return f;
            }
            // Only non-zero finite values decide the format and width (zeros, nan and inf fit any of them).
            var nonZeroFinite = values.Where(v => double.IsFinite(v) && v != 0).ToArray();
            if (nonZeroFinite.Length == 0) return new NumberFormat(dtype, true, false);
            double max = nonZeroFinite.Max(Math.Abs), min = nonZeroFinite.Min(Math.Abs);
            bool integral = nonZeroFinite.All(v => v == Math.Ceiling(v));
            bool scientific = max / min > 1000.0 || max > 1.0e8 || (!integral && min < 1.0e-4);
            var fmt = new NumberFormat(dtype, integral, scientific);
            foreach (var v in nonZeroFinite) fmt.Width = Math.Max(fmt.Width, fmt.Raw(v).Length);
            return fmt;
        }

        public string Format(double v) => Raw(v).PadLeft(Width);

        private string Raw(double v)
        {
            var inv = CultureInfo.InvariantCulture;
            if (_bool) return v != 0 ? "True" : "False";
            if (!_floating) return ((long)v).ToString(inv);
            if (double.IsNaN(v)) return "nan";
            if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            // Python's "{:.4e}" has at least two exponent digits; "F" formats are exact (correctly rounded).
            if (_scientific) return v.ToString("0." + new string('0', Precision) + "e+00", inv);
            if (_integral) return v.ToString("F0", inv) + ".";
            return v.ToString("F" + Precision.ToString(inv), inv);
        }
    }
}
