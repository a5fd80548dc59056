using System.Globalization;

namespace CudaTensor.NN;

// torch.nn.functional.pad: pads (or, with negative amounts, crops) trailing dimensions. Constant padding joins blocks of
// the fill value with Cat; reflect, replicate and circular padding gather source positions with IndexSelect, whose
// backward adds the gradient of every copy back onto its source element. Both are differentiable ops, so gradients
// (and gradients of gradients) need no code of their own.
public static partial class Functional
{
    /// <summary>
    /// Pads <paramref name="input"/> as PyTorch's <c>F.pad</c>: <paramref name="pad"/> lists (before, after) amounts
    /// starting from the LAST dimension — <c>[left, right]</c> pads the last dimension, <c>[left, right, top, bottom]</c>
    /// the last two, and so on. <paramref name="mode"/> is <c>"constant"</c> (fills with <paramref name="value"/>,
    /// default 0; negative amounts crop), <c>"reflect"</c> (mirrors without repeating the edge: each amount must be
    /// smaller than the dimension), <c>"replicate"</c> (repeats the edge) or <c>"circular"</c> (wraps around: each
    /// amount at most the dimension). As in PyTorch, the non-constant modes pad the last 1, 2 or 3 dimensions of an
    /// input with one or two more leading (batch, channel) dimensions. The result is a new tensor.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pad"/> has an odd length or more pairs than the input has
    /// dimensions, the mode is unknown, a non-constant mode is given a value or an input of the wrong rank, or an
    /// amount does not fit the mode (the message says which).</exception>
    public static Tensor Pad(Tensor input, long[] pad, string mode = "constant", double? value = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(pad);
        ArgumentNullException.ThrowIfNull(mode);
        if (pad.Length % 2 != 0)
            throw new ArgumentException($"{nameof(Pad)}: pad must list (before, after) pairs, got an odd length {pad.Length} ({Fmt(pad)}).", nameof(pad));
        int pairs = pad.Length / 2;
        if (pairs > input.Dim)
            throw new ArgumentException(
                $"{nameof(Pad)}: pad {Fmt(pad)} has {pairs} (before, after) pairs but the input of shape {Fmt(input.Shape)} has only {input.Dim} dimension(s).", nameof(pad));
        if (mode == "constant") return PadConstant(input, pad, value ?? 0);
        if (mode is not ("reflect" or "replicate" or "circular"))
            throw new ArgumentException($"{nameof(Pad)}: unknown mode '{mode}'; use \"constant\", \"reflect\", \"replicate\" or \"circular\".", nameof(mode));
        if (value is double v)
            throw new ArgumentException(
                $"{nameof(Pad)}: mode \"{mode}\" does not take a value (got {v.ToString(CultureInfo.InvariantCulture)}); pass a value only with mode \"constant\".", nameof(value));
        if (pairs > 3 || input.Dim < pairs + 1 || input.Dim > pairs + 2)
            throw new ArgumentException(
                $"{nameof(Pad)}: mode \"{mode}\" pads the last 1, 2 or 3 dimensions of an input with one or two more leading dimensions; " +
                $"pad {Fmt(pad)} pads {pairs} dimension(s), so the input must have {pairs + 1} or {pairs + 2} dimensions, got shape {Fmt(input.Shape)}." +
                (input.Dim == pairs ? " Add a batch dimension with Unsqueeze(0)." : ""), nameof(input));
        return PadByIndex(input, pad, mode);
    }

    private static Tensor PadConstant(Tensor input, long[] pad, double value)
    {
        var current = input;
        try
        {
            for (int i = 0; i < pad.Length / 2; i++)
            {
                int dim = input.Dim - 1 - i;
                long before = pad[2 * i], after = pad[2 * i + 1];
                long size = current.Shape[dim];
                if (size + before + after < 0)
                    throw new ArgumentException(
                        $"{nameof(Pad)}: pad {Fmt(pad)} crops dimension {dim} of the input of shape {Fmt(input.Shape)} (size {size}) to a negative size {size + before + after}.", nameof(pad));
                long start = Math.Max(-before, 0), length = size - start - Math.Max(-after, 0);
                var next = current.Narrow(dim, start, Math.Max(length, 0));
                if (before > 0 || after > 0) next = Join(next, dim, Math.Max(before, 0), Math.Max(after, 0), value);
                if (!ReferenceEquals(current, input)) current.Dispose();
                current = next;
            }
            if (ReferenceEquals(current, input)) return input.Clone();
            if (!ReferenceEquals(current.Storage, input.Storage)) return current;
            // Only cropped: a view of the input, while the result must be a tensor of its own.
            using (current) return current.Clone();
        }
        catch
        {
            if (!ReferenceEquals(current, input)) current.Dispose();
            throw;
        }
    }

    // [fill(before) | t | fill(after)] along dim; t is consumed.
    private static Tensor Join(Tensor t, int dim, long before, long after, double value)
    {
        using (t)
        {
            var parts = new List<Tensor>(3);
            try
            {
                if (before > 0) parts.Add(Block(t, dim, before, value));
                parts.Add(t);
                if (after > 0) parts.Add(Block(t, dim, after, value));
                return Tensor.Cat(parts, dim);
            }
            finally
            {
                foreach (var p in parts)
                {
                    if (!ReferenceEquals(p, t)) p.Dispose();
                }
            }
        }
    }

    private static Tensor Block(Tensor like, int dim, long size, double value)
    {
        var shape = like.Shape.ToArray();
        shape[dim] = size;
        return Tensor.Full(shape, value, like.DType, like.Device);
    }

    // Reflect, replicate and circular padding: output position j along a dimension reads source position src(j).
    private static Tensor PadByIndex(Tensor input, long[] pad, string mode)
    {
        var current = input;
        try
        {
            for (int i = 0; i < pad.Length / 2; i++)
            {
                int dim = input.Dim - 1 - i;
                long before = pad[2 * i], after = pad[2 * i + 1];
                long size = input.Shape[dim];
                CheckIndexPad(input, pad, mode, dim, before, after, size);
                var source = new long[size + before + after];
                for (long j = 0; j < source.Length; j++) source[j] = SourcePosition(j - before, size, mode);
                using var index = Tensor.FromArray(source, input.Device);
                var next = current.IndexSelect(dim, index);
                if (!ReferenceEquals(current, input)) current.Dispose();
                current = next;
            }
            return ReferenceEquals(current, input) ? input.Clone() : current;
        }
        catch
        {
            if (!ReferenceEquals(current, input)) current.Dispose();
            throw;
        }
    }

    private static void CheckIndexPad(Tensor input, long[] pad, string mode, int dim, long before, long after, long size)
    {
        string? problem = mode switch
        {
            _ when size + before + after < 0 => $"crops it to a negative size {size + before + after}",
            "reflect" when before >= size || after >= size => $"needs each amount smaller than the dimension's size {size} (reflection does not repeat the edge)",
            "replicate" when size == 0 && (before > 0 || after > 0) => "cannot repeat the edge of an empty dimension",
            "circular" when before > size || after > size => $"needs each amount at most the dimension's size {size}",
            _ => null,
        };
        if (problem is not null)
            throw new ArgumentException(
                $"{nameof(Pad)}: mode \"{mode}\" with pad {Fmt(pad)} on dimension {dim} of the input of shape {Fmt(input.Shape)} {problem}.", nameof(pad));
    }

    private static long SourcePosition(long j, long size, string mode) => mode switch
    {
        "reflect" => j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j,
        "replicate" => Math.Clamp(j, 0, size - 1),
        _ => ((j % size) + size) % size,
    };
}
