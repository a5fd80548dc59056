using CudaTensor.Core;

namespace CudaTensor;

// Ops that rearrange or repeat elements, composed from differentiable ops (IndexSelect, Cat, Expand, Reshape,
// MaskedFill), so they run on every device and their gradients need no code of their own.
public sealed partial class Tensor
{
    /// <summary>A copy with the order of the elements reversed along each of <paramref name="dims"/> (torch.flip).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A dimension appears more than once.</exception>
    public Tensor Flip(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ThrowIfDisposed(nameof(Flip));
        var normalized = DistinctDims(dims, nameof(Flip));
        var result = Clone();
        if (Dim == 0) return result;
        foreach (int d in normalized)
        {
            long n = _shape[d];
            if (n <= 1) continue;
            using var previous = result;
            using var reversed = Arange(n - 1, -1, -1, DType.Int64, Device);
            result = previous.IndexSelect(d, reversed);
        }
        return result;
    }

    /// <summary>Reverses the order along dimension 1 (torch.fliplr; at least 2-D).</summary>
    public Tensor FlipLR()
    {
        if (Dim < 2) throw new ArgumentException($"{nameof(FlipLR)}: the input must be at least 2-D, got {Describe()}.");
        return Flip(1);
    }

    /// <summary>Reverses the order along dimension 0 (torch.flipud; at least 1-D).</summary>
    public Tensor FlipUD()
    {
        if (Dim < 1) throw new ArgumentException($"{nameof(FlipUD)}: the input must be at least 1-D, got {Describe()}.");
        return Flip(0);
    }

    /// <summary>
    /// A copy with the elements shifted by <paramref name="shifts"/>[i] along <paramref name="dims"/>[i], wrapping
    /// around (torch.roll): element j moves to (j + shift) mod size. Without dims the tensor is flattened, rolled by
    /// the single shift and restored to its shape.
    /// </summary>
    /// <exception cref="ArgumentException">The number of shifts and dims differ (or, without dims, more than one shift).</exception>
    public Tensor Roll(long[] shifts, int[]? dims = null)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ThrowIfDisposed(nameof(Roll));
        if (dims is null || dims.Length == 0)
        {
            if (shifts.Length != 1)
                throw new ArgumentException($"{nameof(Roll)}: without dims, give exactly one shift (the tensor is rolled flattened); got {shifts.Length}.", nameof(shifts));
            using var flat = Reshape(-1);
            using var rolled = flat.RollOne(shifts[0], 0);
            return rolled.Reshape(_shape);
        }
        if (shifts.Length != dims.Length)
            throw new ArgumentException($"{nameof(Roll)}: got {shifts.Length} shifts for {dims.Length} dims; give one shift per dimension.", nameof(shifts));
        var result = Alias();
        for (int i = 0; i < dims.Length; i++)
        {
            int d = ExistingDim(dims[i], nameof(Roll));
            using var previous = result;
            result = previous.RollOne(shifts[i], d);
        }
        return result.IsContiguous ? result : ContiguousOf(result);
    }

    /// <summary>Rolls by <paramref name="shift"/> along one dimension (see <see cref="Roll(long[], int[])"/>).</summary>
    public Tensor Roll(long shift, int dim) => Roll([shift], [dim]);

    private Tensor RollOne(long shift, int d)
    {
        long n = _shape[d];
        long s = n == 0 ? 0 : ((shift % n) + n) % n;
        if (s == 0) return Clone();
        // The last s elements come first.
        using var tail = Narrow(d, n - s, s);
        using var head = Narrow(d, 0, n - s);
        return Cat([tail, head], d);
    }

    private static Tensor ContiguousOf(Tensor t)
    {
        using (t) return t.Contiguous();
    }

    /// <summary>
    /// The lower triangle of the last two dimensions (torch.tril): elements with column - row &lt;= <paramref name="diagonal"/>
    /// are kept, the others set to zero. Diagonal 0 is the main diagonal, positive values include diagonals above it.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public Tensor Tril(long diagonal = 0) => Triangle(diagonal, lower: true, nameof(Tril));

    /// <summary>
    /// The upper triangle of the last two dimensions (torch.triu): elements with column - row &gt;= <paramref name="diagonal"/>
    /// are kept, the others set to zero.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public Tensor Triu(long diagonal = 0) => Triangle(diagonal, lower: false, nameof(Triu));

    private Tensor Triangle(long diagonal, bool lower, string op)
    {
        ThrowIfDisposed(op);
        if (Dim < 2)
            throw new ArgumentException($"{op}: the input must have at least 2 dimensions (the last two form the matrices), got {Describe()}.");
        long rows = _shape[^2], cols = _shape[^1];
        using var r = Arange(rows, DType.Int64, Device);
        using var r2 = r.View(rows, 1);
        using var c = Arange(cols, DType.Int64, Device);
        using var offset = c - r2;                          // column - row, [rows, cols]
        using var drop = lower ? offset.Gt(diagonal) : offset.Lt(diagonal);
        return MaskedFill(drop, 0);
    }

    /// <summary>
    /// Repeats the tensor <paramref name="sizes"/>[i] times along dimension i (torch.Tensor.repeat, numpy.tile with
    /// whole copies). More sizes than dimensions add leading dimensions; a size of 0 gives an empty result.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer sizes than dimensions, or a negative size.</exception>
    public Tensor Repeat(params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ThrowIfDisposed(nameof(Repeat));
        if (sizes.Length < Dim)
            throw new ArgumentException(
                $"{nameof(Repeat)}: the number of repeats ({sizes.Length}) can not be smaller than the number of dimensions of {Describe()}.", nameof(sizes));
        if (sizes.Any(s => s < 0)) throw new ArgumentException($"{nameof(Repeat)}: repeats must be non-negative, got {Shapes.Format(sizes)}.", nameof(sizes));
        int lead = sizes.Length - Dim;
        // [s0, s1, ...] viewed as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...] and merged pairwise.
        var padded = new long[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) padded[i] = i < lead ? 1 : _shape[i - lead];
        var interleaved = new long[2 * sizes.Length];
        var expanded = new long[2 * sizes.Length];
        var final = new long[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            interleaved[2 * i] = 1;
            interleaved[2 * i + 1] = padded[i];
            expanded[2 * i] = sizes[i];
            expanded[2 * i + 1] = padded[i];
            final[i] = sizes[i] * padded[i];
        }
        using var view = Reshape(interleaved);
        using var wide = view.Expand(expanded);
        return wide.Reshape(final);
    }

    /// <summary>
    /// Repeats each element <paramref name="repeats"/> times along <paramref name="dim"/> (torch.repeat_interleave):
    /// [a, b] with 2 gives [a, a, b, b]. Without a dimension the tensor is flattened first.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="repeats"/> is negative.</exception>
    public Tensor RepeatInterleave(long repeats, int? dim = null)
    {
        ThrowIfDisposed(nameof(RepeatInterleave));
        if (repeats < 0) throw new ArgumentException($"{nameof(RepeatInterleave)}: repeats must be non-negative, got {repeats}.", nameof(repeats));
        if (dim is null)
        {
            using var flat = Reshape(-1);
            return flat.RepeatInterleave(repeats, 0);
        }
        int d = Dim == 0 ? Shapes.NormalizeDim(dim.Value, 1, nameof(RepeatInterleave)) : ExistingDim(dim.Value, nameof(RepeatInterleave));
        if (Dim == 0)
        {
            using var one = Reshape(1);
            return one.RepeatInterleave(repeats, 0);
        }
        using var inserted = Unsqueeze(d + 1);
        var shape = inserted.Shape.ToArray();
        shape[d + 1] = repeats;
        using var wide = inserted.Expand(shape);
        var merged = (long[])_shape.Clone();
        merged[d] = _shape[d] * repeats;
        return wide.Reshape(merged);
    }

    /// <summary>
    /// Repeats element i along <paramref name="dim"/> <paramref name="repeats"/>[i] times (torch.repeat_interleave
    /// with a tensor of repeats: 1-D with one count per element, or a single count). Without a dimension the tensor
    /// is flattened first. The counts are read on the host, as PyTorch does, to size the result.
    /// </summary>
    /// <exception cref="ArgumentException">The repeats are not an integer tensor, have the wrong length, or hold a negative count.</exception>
    public Tensor RepeatInterleave(Tensor repeats, int? dim = null)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        ThrowIfDisposed(nameof(RepeatInterleave));
        if (!repeats.DType.IsInteger() || repeats.Dim > 1)
            throw new ArgumentException($"{nameof(RepeatInterleave)}: repeats must be a 0-d or 1-D integer tensor, got {repeats.Describe()}.", nameof(repeats));
        if (dim is null || Dim == 0)
        {
            using var flat = Reshape(-1);
            return flat.RepeatInterleave(repeats, 0);
        }
        int d = ExistingDim(dim.Value, nameof(RepeatInterleave));
        using var counts64 = repeats.To(DType.Int64);
        var counts = counts64.ToArray<long>();
        if (counts.Length == 1 && repeats.Dim == 0) return RepeatInterleave(counts[0], d);
        if (counts.Length == 1 && _shape[d] != 1) return RepeatInterleave(counts[0], d);
        if (counts.Length != _shape[d])
            throw new ArgumentException(
                $"{nameof(RepeatInterleave)}: repeats has {counts.Length} counts but dimension {d} of {Describe()} has size {_shape[d]}; give one count per element or a single count.", nameof(repeats));
        var positions = new List<long>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 0) throw new ArgumentException($"{nameof(RepeatInterleave)}: repeats must be non-negative, got {counts[i]} at position {i}.", nameof(repeats));
            for (long r = 0; r < counts[i]; r++) positions.Add(i);
        }
        using var index = FromArray(positions.ToArray(), Device);
        return IndexSelect(d, index);
    }

    /// <summary>
    /// Position i repeated <paramref name="repeats"/>[i] times (torch.repeat_interleave with only a 1-D tensor of
    /// counts): [2, 0, 1] gives [0, 0, 2]. Int64, on the device of <paramref name="repeats"/>.
    /// </summary>
    public static Tensor RepeatInterleave(Tensor repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (repeats.Dim != 1)
            throw new ArgumentException($"{nameof(RepeatInterleave)}: repeats must be 1-D, got {repeats.Describe()}.", nameof(repeats));
        using var positions = Arange(repeats.Shape[0], DType.Int64, repeats.Device);
        return positions.RepeatInterleave(repeats, 0);
    }

    // Normalized, checked for duplicates.
    private int[] DistinctDims(int[] dims, string op)
    {
        var seen = new bool[Math.Max(Dim, 1)];
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = Dim == 0 ? Shapes.NormalizeDim(dims[i], 0, op) : ExistingDim(dims[i], op);
            if (seen[d]) throw new ArgumentException($"{op}: dimension {d} appears more than once in [{string.Join(", ", dims)}].", nameof(dims));
            seen[d] = true;
            result[i] = d;
        }
        return result;
    }
}
