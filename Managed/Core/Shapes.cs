using System.Text;

namespace CudaTensor.Core;

/// <summary>Shape and stride arithmetic shared by every op (sizes and strides are in elements).</summary>
internal static class Shapes
{
    public static readonly long[] Empty = [];

    /// <summary>Row-major (C order) strides for <paramref name="shape"/>.</summary>
    public static long[] ContiguousStrides(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 0) return Empty;
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            // Only an empty tensor can get here with a product past a long ((0, 2^62, 2^62) is a valid empty
            // shape); no element is ever addressed through its strides, so they saturate instead of wrapping.
            long d = Math.Max(shape[i], 1);
            s = s > long.MaxValue / d ? long.MaxValue : s * d;
        }
        return strides;
    }

    /// <summary>
    /// Product of the sizes; 1 for a 0-d shape, 0 when any size is 0 whatever the others (as numpy, so the order of
    /// the sizes never matters). Throws <see cref="OverflowException"/> when the product exceeds a long; shapes that
    /// come from users are checked first with <see cref="Validate(ReadOnlySpan{long}, string)"/> or
    /// <see cref="TryByteCount"/>, which name the op.
    /// </summary>
    public static long NumElements(ReadOnlySpan<long> shape)
    {
        if (shape.Contains(0)) return 0;
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return n;
    }

    /// <summary>
    /// The element count and the byte count of a shape of non-negative sizes, or false when either exceeds a long
    /// (no tensor can have such a size; numpy calls it "array is too big").
    /// </summary>
    public static bool TryByteCount(ReadOnlySpan<long> shape, int elementSize, out long elements, out long bytes)
    {
        elements = 0;
        bytes = 0;
        if (shape.Contains(0)) return true;
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0 || (d != 0 && n > long.MaxValue / d)) return false;
            n *= d;
        }
        if (n > long.MaxValue / elementSize) return false;
        elements = n;
        bytes = n * elementSize;
        return true;
    }

    /// <summary>The message for a shape whose size does not fit in a long: names the op, the shape and the dtype.</summary>
    public static string TooBig(ReadOnlySpan<long> shape, DType dtype, string op)
        => $"{op}: shape {Format(shape)} of {dtype.Name()} is too big: its element count times {dtype.ElementSize()} bytes exceeds " +
           $"{long.MaxValue} bytes, more than any memory can hold. Check the sizes (a size computed from an overflowed value?).";

    /// <summary>Whether a layout is dense row-major (sizes of 1 and empty tensors do not constrain strides).</summary>
    public static bool IsContiguous(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 0) return true;
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>Checks and copies a user-given shape: no negative sizes, an element count that fits in a long.</summary>
    public static long[] Validate(ReadOnlySpan<long> shape, string op)
    {
        CheckNonNegative(shape, op);
        if (!TryByteCount(shape, 1, out _, out _))
            throw new ArgumentException($"{op}: shape {Format(shape)} is too big: its element count exceeds {long.MaxValue}. Check the sizes.");
        return shape.ToArray();
    }

    /// <summary>Like <see cref="Validate(ReadOnlySpan{long}, string)"/>, and the byte count for <paramref name="dtype"/> fits in a long too.</summary>
    public static long[] Validate(ReadOnlySpan<long> shape, DType dtype, string op)
    {
        CheckNonNegative(shape, op);
        if (!TryByteCount(shape, dtype.ElementSize(), out _, out _)) throw new ArgumentException(TooBig(shape, dtype, op));
        return shape.ToArray();
    }

    private static void CheckNonNegative(ReadOnlySpan<long> shape, string op)
    {
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"{op}: shape {Format(shape)} has a negative size {d}; sizes must be >= 0.");
        }
    }

    /// <summary>Maps a possibly negative dimension into [0, rank), or throws naming the op.</summary>
    public static int NormalizeDim(long dim, int rank, string op)
    {
        int r = Math.Max(rank, 1); // a 0-d tensor accepts dim 0 and -1, as in PyTorch
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"{op}: dimension {dim} is out of range for a tensor of {rank} dimension(s); expected a value in [{-r}, {r - 1}].");
        return (int)(dim < 0 ? dim + r : dim);
    }

    /// <summary>The broadcast shape of two shapes (NumPy rules), or an exception naming both and the dimension.</summary>
    public static long[] Broadcast(ReadOnlySpan<long> a, ReadOnlySpan<long> b, string op)
    {
        int n = Math.Max(a.Length, b.Length);
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            long da = i < n - a.Length ? 1 : a[i - (n - a.Length)];
            long db = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast: at dimension {i} of the broadcast result, " +
                    $"sizes {da} and {db} differ and neither is 1. Reshape or expand one operand so the sizes match.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Strides that read <paramref name="shape"/>/<paramref name="strides"/> as if it had <paramref name="target"/>'s shape (0 where broadcast).</summary>
    public static long[] BroadcastStrides(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, ReadOnlySpan<long> target, string op)
    {
        int n = target.Length, lead = n - shape.Length;
        if (lead < 0)
            throw new ArgumentException($"{op}: cannot broadcast shape {Format(shape)} to the smaller rank of {Format(target)}.");
        var result = new long[n];
        for (int i = 0; i < shape.Length; i++)
        {
            long size = shape[i], t = target[lead + i];
            if (size == t) result[lead + i] = strides[i];
            else if (size == 1) result[lead + i] = 0;
            else
                throw new ArgumentException(
                    $"{op}: cannot broadcast shape {Format(shape)} to {Format(target)}: dimension {i} has size {size}, expected 1 or {t}.");
        }
        return result;
    }

    public static bool SameShape(ReadOnlySpan<long> a, ReadOnlySpan<long> b) => a.SequenceEqual(b);

    /// <summary>PyTorch-like text: <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Resolves one -1 in a requested shape against <paramref name="numel"/> elements.</summary>
    public static long[] InferSize(ReadOnlySpan<long> requested, long numel, string op)
    {
        var shape = requested.ToArray();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1, got {Format(requested)}.");
                infer = i;
            }
            else if (shape[i] < 0)
                throw new ArgumentException($"{op}: invalid size {shape[i]} in {Format(requested)}; sizes must be >= 0 or -1 (inferred).");
            else known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of size {numel}.");
            shape[infer] = numel / known;
        }
        else if (known != numel)
            throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of size {numel} (it holds {known} elements).");
        return shape;
    }

    /// <summary>
    /// Strides for viewing (shape, strides) as <paramref name="newShape"/> without copying, or null when the
    /// memory layout does not allow it (the algorithm of PyTorch's <c>computeStride</c>).
    /// </summary>
    public static long[]? ViewStrides(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, ReadOnlySpan<long> newShape)
    {
        var newStrides = new long[newShape.Length];
        long numel = NumElements(shape);
        // Empty tensors and 0-d tensors can take any shape of the same element count.
        if (numel == 0 || shape.Length == 0) return ContiguousStrides(newShape);
        int viewD = newShape.Length - 1;
        long chunkBase = strides.Length > 0 ? strides[^1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1))
                {
                    newStrides[viewD] = viewNumel * chunkBase;
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) return null;
        return newStrides;
    }
}
