using System.Globalization;

namespace CudaTensor;

/// <summary>
/// A C# number used as an operand (<c>x * 2f</c>, <c>Full(shape, 3)</c>). It remembers whether it was
/// written as a floating-point, integer or boolean value, because that decides type promotion.
/// </summary>
public readonly struct Scalar : IEquatable<Scalar>
{
    private readonly double _double;
    private readonly long _long;

    private Scalar(double d, long l, ScalarKind kind)
    {
        _double = d;
        _long = l;
        Kind = kind;
    }

    internal enum ScalarKind : byte { Floating, Integer, Boolean }

    internal ScalarKind Kind { get; }

    /// <summary>Whether the value was given as a floating-point number.</summary>
    public bool IsFloatingPoint => Kind == ScalarKind.Floating;

    /// <summary>Whether the value was given as a boolean.</summary>
    public bool IsBool => Kind == ScalarKind.Boolean;

    /// <summary>The value as a double.</summary>
    public double ToDouble() => Kind == ScalarKind.Floating ? _double : _long;

    /// <summary>The value as a long (floating values are truncated toward zero).</summary>
    public long ToInt64() => Kind == ScalarKind.Floating ? (long)_double : _long;

    /// <summary>The dtype a tensor made from this value alone gets (float32, int64 or bool).</summary>
    public DType NaturalDType => Kind switch
    {
        ScalarKind.Floating => DTypes.DefaultFloat,
        ScalarKind.Integer => DType.Int64,
        _ => DType.Bool,
    };

    /// <summary>Creates a floating-point scalar.</summary>
    public static implicit operator Scalar(double value) => new(value, 0, ScalarKind.Floating);

    /// <summary>Creates a floating-point scalar.</summary>
    public static implicit operator Scalar(float value) => new(value, 0, ScalarKind.Floating);

    /// <summary>Creates an integer scalar.</summary>
    public static implicit operator Scalar(long value) => new(0, value, ScalarKind.Integer);

    /// <summary>Creates an integer scalar.</summary>
    public static implicit operator Scalar(int value) => new(0, value, ScalarKind.Integer);

    /// <summary>Creates a boolean scalar.</summary>
    public static implicit operator Scalar(bool value) => new(0, value ? 1 : 0, ScalarKind.Boolean);

    /// <summary>Creates a floating-point scalar.</summary>
    public static Scalar FromDouble(double value) => value;

    /// <summary>Creates an integer scalar.</summary>
    public static Scalar FromInt64(long value) => value;

    /// <summary>Creates a boolean scalar.</summary>
    public static Scalar FromBoolean(bool value) => value;

    /// <inheritdoc/>
    public bool Equals(Scalar other) => Kind == other.Kind && _double.Equals(other._double) && _long == other._long;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Scalar s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, _double, _long);

    /// <summary>Equality of value and kind.</summary>
    public static bool operator ==(Scalar left, Scalar right) => left.Equals(right);

    /// <summary>Inequality of value or kind.</summary>
    public static bool operator !=(Scalar left, Scalar right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ScalarKind.Floating => _double.ToString("R", CultureInfo.InvariantCulture),
        ScalarKind.Integer => _long.ToString(CultureInfo.InvariantCulture),
        _ => _long != 0 ? "True" : "False",
    };
}
