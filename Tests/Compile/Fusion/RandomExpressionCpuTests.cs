using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// Property tests on the CPU: random elementwise expressions (depth up to 8, mixed dtypes, numbers, comparisons, Where,
/// casts) over random broadcasting shapes, run through <see cref="ElementwiseKernel"/> and eagerly. Operands of one
/// shape run the same operator code as eager mode and must give identical values; broadcast operands may reach a
/// formula's scalar form where eager mode used its vector form (or the reverse), so they are compared within a few ulp
/// per op.
/// </summary>
public sealed class RandomExpressionCpuTests
{
    private static IEnumerable<int> Seeds => Enumerable.Range(0, 240);

    [TestCaseSource(nameof(Seeds))]
    public void FusedMatchesEager(int seed)
    {
        using var scope = Tensor.NewScope();
        var rng = new Random(seed);
        int count = rng.Next(1, 5);
        var dtypes = RandomExpressions.ArgumentTypes(rng, count);
        bool broadcast = seed % 2 == 1;
        bool large = seed % 8 == 0;
        var shapes = broadcast ? RandomExpressions.BroadcastShapes(rng, count, large) : Same(rng, count, large);
        var (body, text) = RandomExpressions.Expression(rng, dtypes, rng.Next(1, 9));
        var gen = new Generator((ulong)seed + 1);
        var args = shapes.Select((s, k) => RandomExpressions.Values(s, dtypes[k], gen, Device.Cpu)).ToArray();

        var eager = body(args);
        var fused = new ElementwiseKernel(body).Invoke(args);

        string what = $"seed {seed}: {text} over {string.Join(", ", args.Select(a => a.DType.Name() + "[" + string.Join(",", a.Shape.ToArray()) + "]"))}";
        if (!broadcast) FusedAssert.Identical(fused, eager, what);
        // Float32 work anywhere in the expression (float32 arguments, integers through float functions) bounds the
        // agreement of a float64 result too.
        else if (dtypes.All(d => d == DType.Float64)) FusedAssert.Close(fused, eager, what, 1e-12, 1e-13);
        else FusedAssert.Close(fused, eager, what, 1e-5, 1e-6);
    }

    private static long[][] Same(Random rng, int count, bool large)
    {
        long[] shape = large ? [3, 2048 + 100 + rng.Next(64)] : [rng.Next(1, 6), rng.Next(1, 40)];
        return [.. Enumerable.Range(0, count).Select(_ => shape)];
    }
}
