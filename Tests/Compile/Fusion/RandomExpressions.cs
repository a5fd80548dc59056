namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// Random elementwise expressions over tensors, written with the public Tensor API, so one expression runs eagerly
/// and through <see cref="ElementwiseKernel"/>: unary math, arithmetic with tensors and numbers, comparisons, Where and
/// dtype conversions, nested up to a given depth, over arguments of mixed dtypes and broadcasting shapes.
/// </summary>
internal static class RandomExpressions
{
    // What the generator tracks of a value to keep every op legal: Bool refuses arithmetic, Int keeps integer ops.
    private enum Kind { Bool, Int, Float }

    private sealed record Node(Func<Tensor[], Tensor> F, Kind Kind, string Text);

    private static readonly DType[] ArgTypes = [DType.Float32, DType.Float32, DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    /// <summary>An expression of <paramref name="dtypes"/>.Length arguments, nested at most <paramref name="depth"/> deep.</summary>
    public static (Func<Tensor[], Tensor> Body, string Text) Expression(Random rng, DType[] dtypes, int depth)
    {
        var node = Gen(rng, dtypes, depth);
        return (node.F, node.Text);
    }

    /// <summary>Random argument dtypes, Float32 most often.</summary>
    public static DType[] ArgumentTypes(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => ArgTypes[rng.Next(ArgTypes.Length)])];

    /// <summary>Shapes that broadcast to a random output shape: suffixes of it with some dimensions set to 1.</summary>
    public static long[][] BroadcastShapes(Random rng, int count, bool large)
    {
        int rank = rng.Next(1, 4);
        var output = new long[rank];
        long[] sizes = [1, 2, 3, 5, 7, 16];
        for (int d = 0; d < rank; d++) output[d] = sizes[rng.Next(sizes.Length)];
        if (large) output[^1] = 2048 + 100 + rng.Next(64); // row tiles plus a tail
        var shapes = new long[count][];
        for (int k = 0; k < count; k++)
        {
            int r = rng.Next(1, rank + 1);
            var s = output[(rank - r)..].ToArray();
            for (int d = 0; d < r; d++) if (rng.Next(4) == 0) s[d] = 1;
            shapes[k] = s;
        }
        // One argument keeps the full shape so the result has it.
        shapes[rng.Next(count)] = output;
        return shapes;
    }

    /// <summary>Random values of a dtype: normal floats (scaled), integers in [-5, 5], booleans.</summary>
    public static Tensor Values(long[] shape, DType dtype, Generator gen, Device device) => dtype switch
    {
        DType.Bool => Tensor.RandInt(0, 2, shape, DType.Int32, device, gen).To(DType.Bool),
        DType.Int32 or DType.Int64 => Tensor.RandInt(-5, 6, shape, dtype, device, gen),
        _ => Tensor.Randn(shape, dtype, device, generator: gen) * 2.0,
    };

    private static Node Gen(Random rng, DType[] dtypes, int depth)
    {
        if (depth == 0 || rng.Next(5) == 0) return Leaf(rng, dtypes);
        return rng.Next(10) switch
        {
            0 or 1 or 2 => Unary(rng, Numeric(Gen(rng, dtypes, depth - 1))),
            3 or 4 or 5 => Binary(rng, Numeric(Gen(rng, dtypes, depth - 1)), Numeric(Gen(rng, dtypes, depth - 1))),
            6 => Compare(rng, Numeric(Gen(rng, dtypes, depth - 1)), Numeric(Gen(rng, dtypes, depth - 1))),
            7 => Where(Condition(rng, dtypes, depth - 1), Gen(rng, dtypes, depth - 1), Gen(rng, dtypes, depth - 1)),
            8 => Cast(rng, Gen(rng, dtypes, depth - 1)),
            _ => WithNumber(rng, Numeric(Gen(rng, dtypes, depth - 1))),
        };
    }

    private static Node Leaf(Random rng, DType[] dtypes)
    {
        int k = rng.Next(dtypes.Length);
        var d = dtypes[k];
        return new Node(a => a[k], d == DType.Bool ? Kind.Bool : d.IsFloatingPoint() ? Kind.Float : Kind.Int, $"x{k}");
    }

    // Bool values enter arithmetic as Int32 (PyTorch refuses bool - bool).
    private static Node Numeric(Node n) => n.Kind != Kind.Bool ? n : new Node(a => n.F(a).To(DType.Int32), Kind.Int, $"{n.Text}.To(int32)");

    private static Node Condition(Random rng, DType[] dtypes, int depth)
    {
        var n = Gen(rng, dtypes, depth);
        return n.Kind == Kind.Bool ? n : Compare(rng, n, Leaf(rng, dtypes) is var l && l.Kind == Kind.Bool ? Numeric(l) : l);
    }

    private static Node Unary(Random rng, Node x)
    {
        // Integer-preserving ops first; the rest compute in float (integers promote as in PyTorch).
        (string Name, Func<Tensor, Tensor> F, bool KeepsInt)[] ops =
        [
            ("Neg", t => t.Neg(), true), ("Abs", t => t.Abs(), true), ("Relu", t => t.Relu(), true), ("Square", t => t.Square(), true),
            ("Clamp(-3,4)", t => t.Clamp(-3, 4), true),
            ("Tanh", t => t.Tanh(), false), ("Sigmoid", t => t.Sigmoid(), false), ("Sin", t => t.Sin(), false), ("Cos", t => t.Cos(), false),
            ("Exp", t => t.Clamp(-30, 30).Exp(), false), ("Sqrt(Abs)", t => t.Abs().Sqrt(), false), ("Log1p(Abs)", t => t.Abs().Log1p(), false),
            ("Floor", t => t.Floor(), false), ("Gelu", t => t.Gelu(), false), ("Silu", t => t.Silu(), false),
        ];
        var (name, f, keeps) = ops[rng.Next(ops.Length)];
        return new Node(a => f(x.F(a)), keeps ? x.Kind : Kind.Float, $"{x.Text}.{name}()");
    }

    private static Node Binary(Random rng, Node a, Node b)
    {
        (string Op, Func<Tensor, Tensor, Tensor> F)[] ops =
        [
            ("+", (p, q) => p + q), ("-", (p, q) => p - q), ("*", (p, q) => p * q),
            ("max", Tensor.Maximum), ("min", Tensor.Minimum), ("/", (p, q) => p / (q.Abs() + 1)),
        ];
        var (op, f) = ops[rng.Next(ops.Length)];
        var kind = op == "/" ? Kind.Float : (Kind)Math.Max((int)a.Kind, (int)b.Kind);
        return new Node(t => f(a.F(t), b.F(t)), kind, $"({a.Text} {op} {b.Text})");
    }

    private static Node Compare(Random rng, Node a, Node b)
    {
        (string Op, Func<Tensor, Tensor, Tensor> F)[] ops = [("<", (p, q) => p.Lt(q)), (">=", (p, q) => p.Ge(q)), ("==", (p, q) => p.Eq(q)), ("!=", (p, q) => p.Ne(q))];
        var (op, f) = ops[rng.Next(ops.Length)];
        return new Node(t => f(a.F(t), b.F(t)), Kind.Bool, $"({a.Text} {op} {b.Text})");
    }

    private static Node Where(Node c, Node a, Node b)
        => new(t => Tensor.Where(c.F(t), a.F(t), b.F(t)), (Kind)Math.Max((int)a.Kind, (int)b.Kind), $"Where({c.Text}, {a.Text}, {b.Text})");

    private static Node Cast(Random rng, Node x)
    {
        DType[] targets = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];
        var d = targets[rng.Next(targets.Length)];
        // Floats to integers only from bounded values: out-of-range conversions are unspecified in C.
        Func<Tensor, Tensor> bound = x.Kind == Kind.Float && d.IsInteger() ? t => t.Clamp(-1000, 1000) : t => t;
        return new Node(a => bound(x.F(a)).To(d), d == DType.Bool ? Kind.Bool : d.IsFloatingPoint() ? Kind.Float : Kind.Int, $"{x.Text}.To({d.Name()})");
    }

    private static Node WithNumber(Random rng, Node x)
    {
        Scalar[] numbers = [0.5, -1.25, 2.0, 3L, -2L];
        var s = numbers[rng.Next(numbers.Length)];
        return rng.Next(3) switch
        {
            0 => new Node(a => x.F(a) + s, s.IsFloatingPoint ? Kind.Float : x.Kind, $"({x.Text} + {s})"),
            1 => new Node(a => s * x.F(a), s.IsFloatingPoint ? Kind.Float : x.Kind, $"({s} * {x.Text})"),
            _ => new Node(a => s - x.F(a), s.IsFloatingPoint ? Kind.Float : x.Kind, $"({s} - {x.Text})"),
        };
    }
}
