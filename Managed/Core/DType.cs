namespace CudaTensor;

/// <summary>The element type of a tensor.</summary>
/// <remarks>
/// <see cref="Bool"/> is stored as one byte per element holding 0 or 1, so it can be read back as
/// <see cref="bool"/>. Type promotion between dtypes follows PyTorch (see <see cref="DTypes.Promote"/>).
/// </remarks>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point; the default for floating-point creation.</summary>
    Float32,
    /// <summary>64-bit IEEE 754 floating point.</summary>
    Float64,
    /// <summary>32-bit signed integer.</summary>
    Int32,
    /// <summary>64-bit signed integer; the default for integer creation (indices, <c>Arange</c> of integers).</summary>
    Int64,
    /// <summary>Boolean, one byte per element (0 or 1).</summary>
    Bool,
}

/// <summary>Facts about each <see cref="DType"/> and PyTorch's promotion rules.</summary>
public static class DTypes
{
    /// <summary>The dtype used when a floating-point tensor is created without one.</summary>
    public static DType DefaultFloat => DType.Float32;

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>True for Float32 and Float64.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>True for Int32 and Int64 (not Bool).</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.Int32 or DType.Int64;

    /// <summary>PyTorch's spelling of the dtype, e.g. <c>torch.float32</c> is <c>float32</c>.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => dtype.ToString(),
    };

    // Category order used by promotion: bool < integer < floating.
    internal static int Category(DType d) => d == DType.Bool ? 0 : d.IsInteger() ? 1 : 2;

    /// <summary>
    /// The result dtype of an operation on two tensors (both dimensioned, i.e. neither a wrapped scalar):
    /// the higher category wins (bool &lt; integer &lt; floating), and within a category the wider type.
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        int ca = Category(a), cb = Category(b);
        if (ca != cb) return ca > cb ? a : b;
        return a.ElementSize() >= b.ElementSize() ? a : b;
    }

    /// <summary>
    /// The result dtype of a tensor combined with a C# scalar: a scalar only raises the category
    /// (an int tensor times 2.5 is <see cref="DefaultFloat"/>), never the width within the tensor's category
    /// (a Float32 tensor times a double stays Float32), as in PyTorch.
    /// </summary>
    public static DType PromoteWithScalar(DType tensor, bool scalarIsFloating, bool scalarIsBool = false)
        => CombineTiers(tensor, scalarIsFloating ? DefaultFloat : scalarIsBool ? DType.Bool : DType.Int64)!.Value;

    /// <summary>
    /// c10's combine_categories: the dtype of a higher promotion tier (dimensioned tensors over 0-d tensors over C#
    /// numbers) wins, unless the lower tier is of a higher category (bool &lt; integer &lt; floating).
    /// </summary>
    internal static DType? CombineTiers(DType? higher, DType? lower)
    {
        if (higher is not { } h) return lower;
        if (lower is not { } l || h.IsFloatingPoint()) return h;
        return h == DType.Bool || l.IsFloatingPoint() ? Promote(h, l) : h;
    }

    /// <summary>The dtype of the C# element type <typeparamref name="T"/>; throws for unsupported types.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException(
            $"Element type {typeof(T).Name} is not a tensor dtype; use float, double, int, long or bool.");
    }
}
