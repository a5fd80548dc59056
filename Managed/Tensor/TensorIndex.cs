namespace CudaTensor;

/// <summary>
/// One entry of a tensor index: an integer (selects and removes the dimension), an <see cref="Index"/>
/// (<c>^1</c>), a <see cref="Range"/> (<c>1..3</c>, <c>..</c>), a stepped slice, <see cref="NewAxis"/> or
/// <see cref="Ellipsis"/>. Ints, Index and Range convert implicitly, so <c>x[.., 1]</c> and <c>x[^1, 2..]</c> work.
/// </summary>
public readonly struct TensorIndex : IEquatable<TensorIndex>
{
    internal enum IndexKind : byte { Single, Slice, NewAxis, Ellipsis }

    private TensorIndex(IndexKind kind, long start, bool startFromEnd, long? stop, bool stopFromEnd, long step)
    {
        Kind = kind;
        Start = start;
        StartFromEnd = startFromEnd;
        Stop = stop;
        StopFromEnd = stopFromEnd;
        Step = step;
    }

    internal IndexKind Kind { get; }
    internal long Start { get; }
    internal bool StartFromEnd { get; }
    internal long? Stop { get; }
    internal bool StopFromEnd { get; }
    internal long Step { get; }

    /// <summary>Inserts a new dimension of size 1 (NumPy's <c>None</c>).</summary>
    public static TensorIndex NewAxis { get; } = new(IndexKind.NewAxis, 0, false, null, false, 1);

    /// <summary>Stands for as many full slices as needed (Python's <c>...</c>).</summary>
    public static TensorIndex Ellipsis { get; } = new(IndexKind.Ellipsis, 0, false, null, false, 1);

    /// <summary>One element along the dimension; negative counts from the end.</summary>
    public static TensorIndex Single(long index) => new(IndexKind.Single, index, false, null, false, 1);

    /// <summary>Python's <c>start:stop:step</c>; null bounds mean the ends, negative bounds count from the end.</summary>
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"A slice step must be positive, got {step}.");
        return new(IndexKind.Slice, start ?? 0, false, stop, false, step);
    }

    /// <summary>An integer index.</summary>
    public static implicit operator TensorIndex(long index) => Single(index);

    /// <summary>An integer index.</summary>
    public static implicit operator TensorIndex(int index) => Single(index);

    /// <summary>An index from the start or (<c>^i</c>) from the end.</summary>
    public static implicit operator TensorIndex(Index index)
        // Kept as "from the end" rather than negated: ^0 must be out of range (as for arrays), not element 0.
        => new(IndexKind.Single, index.Value, index.IsFromEnd, null, false, 1);

    /// <summary>A range <c>a..b</c> (step 1).</summary>
    public static implicit operator TensorIndex(Range range)
        => new(IndexKind.Slice, range.Start.Value, range.Start.IsFromEnd, range.End.IsFromEnd && range.End.Value == 0 ? null : range.End.Value,
            range.End.IsFromEnd, 1);

    /// <summary>Creates an index from an int.</summary>
    public static TensorIndex FromInt64(long index) => index;

    /// <summary>Creates an index from an <see cref="Index"/>.</summary>
    public static TensorIndex FromIndex(Index index) => index;

    /// <summary>Creates an index from a <see cref="Range"/>.</summary>
    public static TensorIndex FromRange(Range range) => range;

    /// <summary>Resolves a single index against a dimension's size; the result may be out of range.</summary>
    internal long Position(long size) => StartFromEnd ? size - Start : Start < 0 ? Start + size : Start;

    /// <summary>The index as the user wrote it, for messages: <c>-1</c> or <c>^1</c>.</summary>
    internal string Describe() => StartFromEnd ? $"^{Start}" : Start.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Resolves a slice against a dimension's size: (start, stop) clamped into [0, size].</summary>
    internal (long Start, long Stop) Bounds(long size)
    {
        long s = StartFromEnd ? size - Start : Start;
        long e = Stop is null ? size : StopFromEnd ? size - Stop.Value : Stop.Value;
        // Negative values in Slice(...) count from the end, like Python.
        if (!StartFromEnd && s < 0) s += size;
        if (!StopFromEnd && Stop is not null && e < 0) e += size;
        return (Math.Clamp(s, 0, size), Math.Clamp(e, 0, size));
    }

    /// <inheritdoc/>
    public bool Equals(TensorIndex other)
        => Kind == other.Kind && Start == other.Start && StartFromEnd == other.StartFromEnd && Stop == other.Stop
           && StopFromEnd == other.StopFromEnd && Step == other.Step;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorIndex o && Equals(o);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Start, StartFromEnd, Stop, StopFromEnd, Step);

    /// <summary>Equality.</summary>
    public static bool operator ==(TensorIndex left, TensorIndex right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TensorIndex left, TensorIndex right) => !left.Equals(right);
}
