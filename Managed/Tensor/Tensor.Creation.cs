using System.Runtime.InteropServices;
using CudaTensor.Backends;
using CudaTensor.Ops;
using CudaTensor.Core;
using CudaTensor.RandomNumbers;

namespace CudaTensor;

// Factory functions. Shapes are collections (`Tensor.Zeros([64, 1000])`); dtype defaults to Float32 for
// floating-point creation; `requiresGrad` marks a leaf for autograd.
public sealed partial class Tensor
{
    /// <summary>A tensor of the given shape whose contents are unspecified.</summary>
    public static Tensor Empty(ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, bool requiresGrad = false)
        => Create(shape, dtype ?? DTypes.DefaultFloat, device, requiresGrad, nameof(Empty), zeroed: false);

    /// <summary>A tensor filled with zeros.</summary>
    public static Tensor Zeros(ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, bool requiresGrad = false)
        => Create(shape, dtype ?? DTypes.DefaultFloat, device, requiresGrad, nameof(Zeros), zeroed: true);

    /// <summary>A tensor filled with ones.</summary>
    public static Tensor Ones(ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, bool requiresGrad = false)
        => Full(shape, 1, dtype ?? DTypes.DefaultFloat, device, requiresGrad);

    /// <summary>
    /// A tensor filled with <paramref name="value"/>. Without a dtype, it is inferred from the value as PyTorch
    /// does: a floating value gives Float32, an integer Int64, a bool Bool.
    /// </summary>
    public static Tensor Full(ReadOnlySpan<long> shape, Scalar value, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        var t = Create(shape, dtype ?? value.NaturalDType, device, false, nameof(Full), zeroed: false);
        t.Backend.Fill(t.Layout, value);
        return t.WithRequiresGrad(requiresGrad, nameof(Full));
    }

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(Scalar value, DType? dtype = null, Device? device = null, bool requiresGrad = false)
        => Full([], value, dtype, device, requiresGrad);

    /// <summary>Zeros with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor ZerosLike(Tensor like, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Zeros(like.Shape, dtype ?? like.DType, device ?? like.Device, requiresGrad);
    }

    /// <summary>Ones with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor OnesLike(Tensor like, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Ones(like.Shape, dtype ?? like.DType, device ?? like.Device, requiresGrad);
    }

    /// <summary>A constant tensor with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor FullLike(Tensor like, Scalar value, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Full(like.Shape, value, dtype ?? like.DType, device ?? like.Device, requiresGrad);
    }

    /// <summary>An uninitialised tensor with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor EmptyLike(Tensor like, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Empty(like.Shape, dtype ?? like.DType, device ?? like.Device, requiresGrad);
    }

    /// <summary>Standard normal samples with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor RandnLike(Tensor like, DType? dtype = null, Device? device = null, bool requiresGrad = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Randn(like.Shape, dtype ?? like.DType, device ?? like.Device, requiresGrad, generator);
    }

    /// <summary>Uniform samples in [0, 1) with the shape, dtype and device of <paramref name="like"/> unless given.</summary>
    public static Tensor RandLike(Tensor like, DType? dtype = null, Device? device = null, bool requiresGrad = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Rand(like.Shape, dtype ?? like.DType, device ?? like.Device, requiresGrad, generator);
    }

    /// <summary>Copies <paramref name="data"/> (row-major) into a new tensor of the given shape; <c>[]</c> makes a 0-d tensor of one element.</summary>
    /// <exception cref="ArgumentException">The element count of <paramref name="shape"/> differs from the array's length.</exception>
    public static Tensor FromArray<T>(T[] data, ReadOnlySpan<long> shape, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape, device, requiresGrad);
    }

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, [data.LongLength], device, requiresGrad);
    }

    /// <summary>A 2-D tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[,] data, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var span = MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.CompilerServices.Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(data)), data.Length);
        return FromSpan(span, [data.GetLongLength(0), data.GetLongLength(1)], device, requiresGrad);
    }

    /// <summary>A tensor of the given shape holding a copy of <paramref name="data"/> (row-major).</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        var dtype = DTypes.Of<T>();
        var dims = Shapes.Validate(shape, nameof(FromArray));
        long numel = Shapes.NumElements(dims);
        if (numel != data.Length)
            throw new ArgumentException(
                $"{nameof(FromArray)}: shape {Shapes.Format(dims)} holds {numel} elements but the data has {data.Length}. " +
                "Pass a shape whose sizes multiply to the data's length.");
        if (typeof(T) == typeof(bool))
        {
            // bool is one byte in .NET, but only 0/1 are valid tensor values: normalise while copying.
            var bytes = MemoryMarshal.AsBytes(data);
            foreach (var b in bytes)
            {
                if (b > 1) throw new ArgumentException($"{nameof(FromArray)}: the bool data holds a byte that is neither 0 nor 1.");
            }
        }
        var t = Allocate(dims, dtype, device ?? Device.Cpu);
        t.Backend.WriteFromHost(t.Layout, MemoryMarshal.AsBytes(data));
        return t.WithRequiresGrad(requiresGrad, nameof(FromArray));
    }

    // A literal 0 converts to DType? as well as to Scalar, so without the priority Arange(-5, 0) would be
    // ambiguous with Arange(end, dtype).
    /// <summary>
    /// Values from <paramref name="start"/> up to (not including) <paramref name="end"/> in steps of
    /// <paramref name="step"/>. The dtype is Int64 when all three are integers, Float32 otherwise (as in PyTorch).
    /// </summary>
    /// <exception cref="ArgumentException">The step is zero or points away from the end, or a bound is not finite.</exception>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static Tensor Arange(Scalar start, Scalar end, Scalar? step = null, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        var st = step ?? 1;
        bool floating = start.IsFloatingPoint || end.IsFloatingPoint || st.IsFloatingPoint;
        var dt = dtype ?? (floating ? DTypes.DefaultFloat : DType.Int64);
        double s0 = start.ToDouble(), s1 = end.ToDouble(), ds = st.ToDouble();
        if (ds == 0 || double.IsNaN(ds))
            throw new ArgumentException($"{nameof(Arange)}: step must be non-zero, got {st}.");
        // Without this an infinite end would ask for an array of long.MaxValue elements, and NaN would give 0.
        if (!double.IsFinite(s0) || !double.IsFinite(s1) || !double.IsFinite(ds))
            throw new ArgumentException($"{nameof(Arange)}: start, end and step must be finite, got start {start}, end {end}, step {st}.");
        if ((ds > 0 && s1 < s0) || (ds < 0 && s1 > s0))
            throw new ArgumentException($"{nameof(Arange)}: the step {st} moves away from the end: start {start}, end {end}. Use a step of the other sign.");
        long n = floating ? (long)Math.Ceiling((s1 - s0) / ds) : CeilDiv(end.ToInt64() - start.ToInt64(), st.ToInt64());
        // Values are computed as start + i * step in double (exact for integers below 2^53), then converted.
        long i0 = start.ToInt64(), di = st.ToInt64();
        return Sequence(n, dt, device, nameof(Arange), floating ? i => s0 + i * ds : i => i0 + i * di).WithRequiresGrad(requiresGrad, nameof(Arange));
    }

    /// <summary>Values 0, 1, ..., end - 1 (Int64 for an integer end, Float32 for a floating one).</summary>
    public static Tensor Arange(Scalar end, DType? dtype = null, Device? device = null, bool requiresGrad = false)
        => Arange(0, end, null, dtype, device, requiresGrad);

    private static long CeilDiv(long a, long b) => a / b + ((a % b != 0 && (a < 0) == (b < 0)) ? 1 : 0);

    /// <summary><paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative.</exception>
    public static Tensor Linspace(double start, double end, long steps, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        if (steps < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"{nameof(Linspace)}: number of steps must be non-negative, got {steps}. Pass the count of values wanted (0 gives an empty tensor).");
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // The second half counts back from the end, so both endpoints are exact (PyTorch does the same);
        // torch.linspace(a, b, 1) is [a], which that rule would make b.
        return Sequence(steps, dtype ?? DTypes.DefaultFloat, device, nameof(Linspace),
            i => steps == 1 ? start : i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step).WithRequiresGrad(requiresGrad, nameof(Linspace));
    }

    // A 1-D tensor of n values value(i), computed in double and converted to dtype, through a bounded staging buffer:
    // the tensor's own allocation checks the size (an impossible one gets the op's "too big" error, not a .NET array
    // limit), and a large sequence never needs a second host copy of itself.
    private static Tensor Sequence(long n, DType dtype, Device? device, string op, Func<long, double> value)
    {
        const int Chunk = 1 << 16;
        var result = Create([n], dtype, device, false, op, zeroed: false);
        try
        {
            var values = new double[(int)Math.Min(n, Chunk)];
            for (long offset = 0; offset < n; offset += Chunk)
            {
                int length = (int)Math.Min(Chunk, n - offset);
                for (int k = 0; k < length; k++) values[k] = value(offset + k);
                using var staged = FromArray(length == values.Length ? values : values[..length], [length], device);
                using var part = result.Narrow(0, offset, length);
                part.CopyFrom(staged);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>A 2-D tensor with ones on the diagonal and zeros elsewhere; <paramref name="m"/> columns (default n).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> or <paramref name="m"/> is negative.</exception>
    public static Tensor Eye(long n, long? m = null, DType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        if (n < 0)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"{nameof(Eye)}: n must be greater or equal to 0, got {n}. Pass the number of rows (0 gives an empty matrix).");
        long cols = m ?? n;
        if (cols < 0)
            throw new ArgumentOutOfRangeException(nameof(m), cols, $"{nameof(Eye)}: m must be greater or equal to 0, got {cols}. Pass the number of columns, or leave it out for a square matrix.");
        var t = Create([n, cols], dtype ?? DTypes.DefaultFloat, device, false, nameof(Eye), zeroed: true);
        // The diagonal is a strided view: step n+1 through the flat storage.
        using (var diag = t.AsStrided([Math.Min(n, cols)], [cols + 1], 0)) diag.Fill(1);
        return t.WithRequiresGrad(requiresGrad, nameof(Eye));
    }

    /// <summary>Uniform samples in [0, 1) from <paramref name="generator"/> (default: the global generator).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, bool requiresGrad = false, Generator? generator = null)
        => Random(shape, dtype ?? DTypes.DefaultFloat, device, requiresGrad, generator, RandomDistribution.Uniform, 0, 1, nameof(Rand));

    /// <summary>Standard normal samples from <paramref name="generator"/> (default: the global generator).</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, bool requiresGrad = false, Generator? generator = null)
        => Random(shape, dtype ?? DTypes.DefaultFloat, device, requiresGrad, generator, RandomDistribution.Normal, 0, 1, nameof(Randn));

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) (Int64 unless given).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null, Generator? generator = null)
    {
        if (high <= low)
            throw new ArgumentException($"{nameof(RandInt)}: expected low < high, got low = {low}, high = {high}.");
        var dt = dtype ?? DType.Int64;
        if (!dt.IsInteger())
            throw new ArgumentException($"{nameof(RandInt)}: dtype must be Int32 or Int64, got {dt.Name()}.");
        return Random(shape, dt, device, false, generator, RandomDistribution.Integers, low, high, nameof(RandInt));
    }

    /// <summary>Sets the seed of the global generator (and restarts its stream), like <c>torch.manual_seed</c>.</summary>
    public static void ManualSeed(ulong seed) => Generator.Default.ManualSeed(seed);

    /// <summary>Fills this tensor in place with uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public Tensor UniformInPlace(double low = 0, double high = 1, Generator? generator = null)
        => RandomInPlace(RandomDistribution.Uniform, low, high, generator, nameof(UniformInPlace));

    /// <summary>Fills this tensor in place with normal samples of the given mean and standard deviation.</summary>
    public Tensor NormalInPlace(double mean = 0, double std = 1, Generator? generator = null)
        => RandomInPlace(RandomDistribution.Normal, mean, std, generator, nameof(NormalInPlace));

    /// <summary>Fills this tensor in place with 1 with probability <paramref name="p"/>, else 0.</summary>
    public Tensor BernoulliInPlace(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"{nameof(BernoulliInPlace)}: p must be in [0, 1].");
        return RandomInPlace(RandomDistribution.Bernoulli, p, 0, generator, nameof(BernoulliInPlace));
    }

    private static Tensor Create(ReadOnlySpan<long> shape, DType dtype, Device? device, bool requiresGrad, string op, bool zeroed)
        => Allocate(Shapes.Validate(shape, dtype, op), dtype, device ?? Device.Cpu, zeroed, op).WithRequiresGrad(requiresGrad, op);

    private static Tensor Random(ReadOnlySpan<long> shape, DType dtype, Device? device, bool requiresGrad, Generator? generator,
        RandomDistribution kind, double a, double b, string op)
    {
        if (kind != RandomDistribution.Integers && !dtype.IsFloatingPoint())
            throw new ArgumentException($"{op}: dtype must be floating point (Float32 or Float64), got {dtype.Name()}. Use RandInt for integers.");
        var t = Create(shape, dtype, device, false, op, zeroed: false);
        t.FillRandom(kind, a, b, generator);
        return t.WithRequiresGrad(requiresGrad, op);
    }

    private Tensor RandomInPlace(RandomDistribution kind, double a, double b, Generator? generator, string op)
    {
        if (!DType.IsFloatingPoint())
            throw new InvalidOperationException($"{op}: {Describe()} is not floating point.");
        if (IsContiguous)
        {
            FillRandom(kind, a, b, generator);
        }
        else
        {
            using var tmp = Create(Shape, DType, Device, false, op, zeroed: false);
            tmp.FillRandom(kind, a, b, generator);
            Backend.Copy(Layout, tmp.Layout);
        }
        BumpVersion();
        return this;
    }

    // Separate, so the closure is allocated only while a graph is being captured.
    private static void LiveReservation(IBackendInterceptor interceptor, Generator gen, ulong blocks)
        => interceptor.LiveArguments(() =>
        {
            ulong first = gen.Reserve(blocks, out ulong s);
            return new RandomStream(s, first);
        });

    // Reserves exactly the counter blocks the draw consumes, so the next draw continues the stream.
    private void FillRandom(RandomDistribution kind, double a, double b, Generator? generator)
    {
        var gen = generator ?? Generator.Default;
        var streamKind = kind switch
        {
            RandomDistribution.Uniform => DType == DType.Float64 ? RandomKind.UniformFloat64 : RandomKind.UniformFloat32,
            RandomDistribution.Normal => DType == DType.Float64 ? RandomKind.NormalFloat64 : RandomKind.NormalFloat32,
            RandomDistribution.Integers => RandomKind.Integers,
            _ => RandomKind.Bernoulli,
        };
        ulong blocks = RandomFill.BlocksFor(streamKind, NumElements);
        ulong start = gen.Reserve(blocks, out ulong seed);
        // A replay of a captured graph reserves again, so compiled code draws what eager code would.
        if (BackendInterception.Current is { } interceptor) LiveReservation(interceptor, gen, blocks);
        Backend.Random(Layout, kind, a, b, seed, start);
    }
}
