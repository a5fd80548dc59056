#pragma warning disable CA1861 // test data: literal arrays are read once per test case

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Reductions;

/// <summary>Reductions on seeded random data against a float64 reference, over many shapes, dims and layouts.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class ReductionReferenceTests(Device device)
{
    private static readonly Layout[] AllLayouts = [Layout.Contiguous, Layout.Transposed, Layout.Stepped, Layout.Expanded];

    /// <summary>(shape, dims (null = all), layouts) — small 3-D cases, plus inputs above the 65536-element threading threshold.</summary>
    public static IEnumerable<TestCaseData> MultiDimCases()
    {
        int[]?[] small = [[0], [1], [2], [-1], [0, 2], [-3, -1], [2, 0], [1, 2], [0, 1, 2], null];
        foreach (var layout in AllLayouts)
        {
            foreach (var dims in small)
            {
                foreach (var keep in new[] { false, true })
                    yield return new TestCaseData(new long[] { 2, 3, 4 }, dims, keep, layout).SetArgDisplayNames("[2,3,4]", Show(dims), $"keep={keep}", layout.ToString());
            }
        }
        int[]?[] big = [[0], [1], [-2, -1], null];
        foreach (var layout in new[] { Layout.Contiguous, Layout.Transposed, Layout.Stepped })
        {
            foreach (var dims in big)
                yield return new TestCaseData(new long[] { 300, 257 }, dims, false, layout).SetArgDisplayNames("[300,257]", Show(dims), "keep=False", layout.ToString());
        }
        yield return new TestCaseData(new long[] { 70000 }, new[] { 0 }, true, Layout.Contiguous).SetArgDisplayNames("[70000]", "[0]", "keep=True", "Contiguous");
        yield return new TestCaseData(new long[] { 70000 }, null, false, Layout.Stepped).SetArgDisplayNames("[70000]", "all", "keep=False", "Stepped");
        yield return new TestCaseData(new long[] { 4, 20000 }, new[] { 0 }, false, Layout.Expanded).SetArgDisplayNames("[4,20000]", "[0]", "keep=False", "Expanded");
        yield return new TestCaseData(new long[] { 4, 20000 }, new[] { 1 }, true, Layout.Expanded).SetArgDisplayNames("[4,20000]", "[1]", "keep=True", "Expanded");
        yield return new TestCaseData(new long[] { 40, 50, 40 }, new[] { 0, 2 }, false, Layout.Contiguous).SetArgDisplayNames("[40,50,40]", "[0,2]", "keep=False", "Contiguous");
        yield return new TestCaseData(new long[] { 40, 50, 40 }, new[] { 1 }, true, Layout.Transposed).SetArgDisplayNames("[40,50,40]", "[1]", "keep=True", "Transposed");
        yield return new TestCaseData(new long[] { 5, 7, 3, 2 }, new[] { 3, 1 }, false, Layout.Transposed).SetArgDisplayNames("[5,7,3,2]", "[3,1]", "keep=False", "Transposed");
    }

    private static string Show(int[]? dims) => dims is null ? "all" : $"[{string.Join(",", dims)}]";

    /// <summary>Per element tolerance of a sum-like result: relative to the sum of magnitudes it came from.</summary>
    private static double[] SumTolerance(double[] x, long[] shape, int[] dims, DType dtype)
    {
        double eps = dtype == DType.Float32 ? 2e-6 : 1e-13;
        return Reference.Reduce(x, shape, dims, g => (eps * g.Sum(Math.Abs)) + 1e-12);
    }

    private static void Check(Tensor actual, double[] expected, long[] shape, double[] tol, DType dtype, string what)
    {
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(shape), $"{what}: shape");
        Assert.That(actual.DType, Is.EqualTo(dtype), $"{what}: dtype");
        var a = TensorAssert.ToDoubles(actual);
        Assert.That(a, Has.Length.EqualTo(expected.Length), $"{what}: count");
        for (int i = 0; i < a.Length; i++)
        {
            bool ok = (double.IsNaN(a[i]) && double.IsNaN(expected[i])) || a[i] == expected[i] || Math.Abs(a[i] - expected[i]) <= tol[i];
            if (!ok) Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {a[i]:R} (tolerance {tol[i]:G3})");
        }
    }

    [TestCaseSource(nameof(MultiDimCases))]
    public void SumMeanAmaxAminVarStdMatchFloat64Reference(long[] shape, int[]? dims, bool keepDim, Layout layout)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            using var x = Inputs.Make(device, shape, layout, seed: 11, dtype, out var v);
            var nd = Reference.Dims(dims, shape.Length);
            var outShape = Reference.ReducedShape(shape, nd, keepDim);
            long count = nd.Aggregate(1L, (n, d) => n * shape[d]);
            var tol = SumTolerance(v, shape, nd, dtype);
            var exact = new double[tol.Length];

            using (var s = dims is null && !keepDim ? x.Sum() : x.Sum(nd, keepDim)) Check(s, Reference.Reduce(v, shape, nd, g => g.Sum()), outShape, tol, dtype, "Sum");
            using (var m = dims is null && !keepDim ? x.Mean() : x.Mean(dims ?? nd, keepDim))
                Check(m, Reference.Reduce(v, shape, nd, g => g.Average()), outShape, [.. tol.Select(t => t / count)], dtype, "Mean");
            using (var mx = x.Amax(dims ?? nd, keepDim)) Check(mx, Reference.Reduce(v, shape, nd, Reference.Max), outShape, exact, dtype, "Amax");
            using (var mn = x.Amin(dims ?? nd, keepDim)) Check(mn, Reference.Reduce(v, shape, nd, Reference.Min), outShape, exact, dtype, "Amin");
            if (dims is null && !keepDim)
            {
                using (var mx = x.Max()) Check(mx, Reference.Reduce(v, shape, nd, Reference.Max), [], exact, dtype, "Max()");
                using (var mn = x.Min()) Check(mn, Reference.Reduce(v, shape, nd, Reference.Min), [], exact, dtype, "Min()");
            }
            foreach (var unbiased in new[] { true, false })
            {
                var rv = Reference.Reduce(v, shape, nd, g => Reference.Var(g, unbiased));
                double rt = dtype == DType.Float32 ? 2e-5 : 1e-11;
                var vt = rv.Select(e => (rt * Math.Abs(e)) + 1e-9).ToArray();
                using (var va = dims is null && !keepDim ? x.Var(unbiased) : x.Var(dims ?? nd, unbiased, keepDim)) Check(va, rv, outShape, vt, dtype, $"Var(unbiased={unbiased})");
                using (var sd = dims is null && !keepDim ? x.Std(unbiased) : x.Std(dims ?? nd, unbiased, keepDim))
                    Check(sd, [.. rv.Select(Math.Sqrt)], outShape, [.. rv.Select(e => (rt * Math.Sqrt(e)) + 1e-9)], dtype, $"Std(unbiased={unbiased})");
            }
        }
    }

    [TestCaseSource(nameof(MultiDimCases))]
    public void IntegerSumAccumulatesInInt64AndAmaxKeepsDType(long[] shape, int[]? dims, bool keepDim, Layout layout)
    {
        foreach (var dtype in new[] { DType.Int32, DType.Int64 })
        {
            using var x = Inputs.Make(device, shape, layout, seed: 5, dtype, out var v, lo: -50, hi: 50);
            var nd = Reference.Dims(dims, shape.Length);
            var outShape = Reference.ReducedShape(shape, nd, keepDim);
            var exact = new double[Reference.Numel(outShape)];
            using (var s = x.Sum(nd, keepDim)) Check(s, Reference.Reduce(v, shape, nd, g => g.Sum()), outShape, exact, DType.Int64, "Sum");
            using (var mx = x.Amax(nd, keepDim)) Check(mx, Reference.Reduce(v, shape, nd, Reference.Max), outShape, exact, dtype, "Amax");
            using (var mn = x.Amin(nd, keepDim)) Check(mn, Reference.Reduce(v, shape, nd, Reference.Min), outShape, exact, dtype, "Amin");
        }
    }

    /// <summary>(shape, layout): every single dim of each, positive and negative, is tested.</summary>
    public static IEnumerable<TestCaseData> SingleDimCases()
    {
        foreach (var layout in AllLayouts)
            yield return new TestCaseData(new long[] { 3, 4, 5 }, layout).SetArgDisplayNames("[3,4,5]", layout.ToString());
        yield return new TestCaseData(new long[] { 6 }, Layout.Stepped).SetArgDisplayNames("[6]", "Stepped");
        yield return new TestCaseData(new long[] { 6 }, Layout.Contiguous).SetArgDisplayNames("[6]", "Contiguous");
        yield return new TestCaseData(new long[] { 300, 257 }, Layout.Contiguous).SetArgDisplayNames("[300,257]", "Contiguous");
        yield return new TestCaseData(new long[] { 300, 257 }, Layout.Transposed).SetArgDisplayNames("[300,257]", "Transposed");
        yield return new TestCaseData(new long[] { 3, 30000 }, Layout.Expanded).SetArgDisplayNames("[3,30000]", "Expanded");
    }

    private static IEnumerable<(int Dim, int Normalized)> DimsOf(long[] shape)
    {
        for (int d = 0; d < shape.Length; d++)
        {
            yield return (d, d);
            yield return (d - shape.Length, d);
        }
    }

    [TestCaseSource(nameof(SingleDimCases))]
    public void MaxMinWithIndicesAndArgMaxArgMinPerDim(long[] shape, Layout layout)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 })
        {
            // Integer data in a small range makes ties common: the first occurrence must win.
            using var x = Inputs.Make(device, shape, layout, seed: 3, dtype, out var v, lo: -3, hi: 3);
            foreach (var (dim, nd) in DimsOf(shape))
            {
                foreach (var keep in new[] { false, true })
                {
                    var outShape = Reference.ReducedShape(shape, [nd], keep);
                    var groups = Reference.Groups(v, shape, [nd]);
                    var exact = new double[groups.Length];
                    string what = $"{dtype} dim {dim} keep {keep}";
                    var (mv, mi) = x.Max(dim, keep);
                    using (mv)
                    using (mi)
                    {
                        Check(mv, [.. groups.Select(Reference.Max)], outShape, exact, dtype, $"Max values {what}");
                        Check(mi, [.. groups.Select(g => (double)Reference.ArgExtreme(g, true))], outShape, exact, DType.Int64, $"Max indices {what}");
                    }
                    var (nv, ni) = x.Min(dim, keep);
                    using (nv)
                    using (ni)
                    {
                        Check(nv, [.. groups.Select(Reference.Min)], outShape, exact, dtype, $"Min values {what}");
                        Check(ni, [.. groups.Select(g => (double)Reference.ArgExtreme(g, false))], outShape, exact, DType.Int64, $"Min indices {what}");
                    }
                    using (var am = x.ArgMax(dim, keep)) Check(am, [.. groups.Select(g => (double)Reference.ArgExtreme(g, true))], outShape, exact, DType.Int64, $"ArgMax {what}");
                    using (var an = x.ArgMin(dim, keep)) Check(an, [.. groups.Select(g => (double)Reference.ArgExtreme(g, false))], outShape, exact, DType.Int64, $"ArgMin {what}");
                }
            }
            var all = Reference.Groups(v, shape, Reference.Dims(null, shape.Length))[0];
            using (var am = x.ArgMax()) Check(am, [Reference.ArgExtreme(all, true)], [], [0], DType.Int64, $"{dtype} flat ArgMax");
            using (var an = x.ArgMin()) Check(an, [Reference.ArgExtreme(all, false)], [], [0], DType.Int64, $"{dtype} flat ArgMin");
        }
    }

    [TestCaseSource(nameof(SingleDimCases))]
    public void ProdNormLogSumExpPerDim(long[] shape, Layout layout)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // Values in [0.5, 1.5) with random signs keep products of a few hundred factors in range.
            using var x = Inputs.Make(device, shape, layout, seed: 8, dtype, out var v, lo: -1.5, hi: 1.5);
            double rt = dtype == DType.Float32 ? 1e-5 : 1e-12;
            foreach (var (dim, nd) in DimsOf(shape))
            {
                var groups = Reference.Groups(v, shape, [nd]);
                foreach (var keep in new[] { false, true })
                {
                    var outShape = Reference.ReducedShape(shape, [nd], keep);
                    string what = $"{dtype} dim {dim} keep {keep}";
                    if (shape[nd] <= 30)
                    {
                        var pr = groups.Select(Reference.Prod).ToArray();
                        using var p = x.Prod(dim, keep);
                        Check(p, pr, outShape, [.. pr.Select(e => (rt * 10 * shape[nd] * Math.Abs(e)) + 1e-300)], dtype, $"Prod {what}");
                    }
                    foreach (var pn in new[] { 1.0, 2.0, double.PositiveInfinity, 3.0 })
                    {
                        var nr = groups.Select(g => double.IsPositiveInfinity(pn) ? g.Max(Math.Abs) : Math.Pow(g.Sum(e => Math.Pow(Math.Abs(e), pn)), 1 / pn)).ToArray();
                        using var n = x.Norm(pn, dim, keep);
                        Check(n, nr, outShape, [.. nr.Select(e => (rt * 20 * Math.Abs(e)) + 1e-12)], dtype, $"Norm(p={pn}) {what}");
                    }
                    var lr = groups.Select(g => { double m = g.Max(); return m + Math.Log(g.Sum(e => Math.Exp(e - m))); }).ToArray();
                    using (var l = x.LogSumExp(dim, keep)) Check(l, lr, outShape, [.. lr.Select(e => (rt * 10 * Math.Abs(e)) + (rt * 10))], dtype, $"LogSumExp {what}");
                }
            }
            var allGroups = Reference.Groups(v, shape, Reference.Dims(null, shape.Length))[0];
            foreach (var pn in new[] { 1.0, 2.0, double.PositiveInfinity, 3.0 })
            {
                double e = double.IsPositiveInfinity(pn) ? allGroups.Max(Math.Abs) : Math.Pow(allGroups.Sum(q => Math.Pow(Math.Abs(q), pn)), 1 / pn);
                using var n = x.Norm(pn);
                Check(n, [e], [], [(rt * 50 * e) + 1e-12], dtype, $"{dtype} Norm(p={pn}) of all");
            }
        }
    }

    [TestCaseSource(nameof(SingleDimCases))]
    public void SoftmaxLogSoftmaxCumSumPerDim(long[] shape, Layout layout)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            using var x = Inputs.Make(device, shape, layout, seed: 21, dtype, out var v, lo: -4, hi: 4);
            double rt = dtype == DType.Float32 ? 1e-5 : 1e-12;
            foreach (var (dim, nd) in DimsOf(shape))
            {
                var (sm, lsm, cs) = AlongDim(v, shape, nd);
                using (var s = x.Softmax(dim)) Check(s, sm, shape, [.. sm.Select(e => (rt * 10 * e) + (rt * 1e-3))], dtype, $"{dtype} Softmax dim {dim}");
                using (var s = x.LogSoftmax(dim)) Check(s, lsm, shape, [.. lsm.Select(e => (rt * 10 * Math.Abs(e)) + (rt * 10))], dtype, $"{dtype} LogSoftmax dim {dim}");
                using (var s = x.CumSum(dim)) Check(s, cs, shape, [.. cs.Select(e => (rt * 2 * shape[nd]) + (rt * Math.Abs(e)))], dtype, $"{dtype} CumSum dim {dim}");
            }
        }
        foreach (var dtype in new[] { DType.Int32, DType.Int64 })
        {
            using var x = Inputs.Make(device, shape, layout, seed: 22, dtype, out var v, lo: -9, hi: 9);
            foreach (var (dim, nd) in DimsOf(shape))
            {
                var (_, _, cs) = AlongDim(v, shape, nd);
                using var s = x.CumSum(dim);
                Check(s, cs, shape, new double[cs.Length], DType.Int64, $"{dtype} CumSum dim {dim}");
            }
        }
    }

    /// <summary>Softmax, log-softmax and running sums along <paramref name="dim"/>, in row-major order of the input.</summary>
    private static (double[] Softmax, double[] LogSoftmax, double[] CumSum) AlongDim(double[] v, long[] shape, int dim)
    {
        var strides = Reference.ContiguousStrides(shape);
        long len = shape[dim], step = strides[dim];
        var sm = new double[v.Length];
        var lsm = new double[v.Length];
        var cs = new double[v.Length];
        for (long i = 0; i < v.Length; i++)
        {
            if ((i / step) % len != 0) continue; // i starts a line along dim
            double max = double.NegativeInfinity, sum = 0, run = 0;
            for (long j = 0; j < len; j++) max = Math.Max(max, v[i + (j * step)]);
            for (long j = 0; j < len; j++) sum += Math.Exp(v[i + (j * step)] - max);
            for (long j = 0; j < len; j++)
            {
                long at = i + (j * step);
                sm[at] = Math.Exp(v[at] - max) / sum;
                lsm[at] = v[at] - max - Math.Log(sum);
                run += v[at];
                cs[at] = run;
            }
        }
        return (sm, lsm, cs);
    }

    [TestCaseSource(nameof(SingleDimCases))]
    public void AllAnyPerDimAndOverall(long[] shape, Layout layout)
    {
        // Values in {-1, 0, 1}: some lines all non-zero, some with zeros, for each input dtype (Bool via a float comparison).
        using var x = Inputs.Make(device, shape, layout, seed: 13, DType.Float32, out var v, lo: -0.55, hi: 1.6);
        var rounded = v.Select(e => Math.Round(e)).ToArray();
        using var r = x.Round();
        foreach (var input in new[] { r, r.Ne(0.0) })
        {
            foreach (var (dim, nd) in DimsOf(shape))
            {
                var groups = Reference.Groups(rounded, shape, [nd]);
                foreach (var keep in new[] { false, true })
                {
                    var outShape = Reference.ReducedShape(shape, [nd], keep);
                    var zeros = new double[groups.Length];
                    using (var a = input.All(dim, keep)) Check(a, [.. groups.Select(g => g.All(e => e != 0) ? 1.0 : 0.0)], outShape, zeros, DType.Bool, $"All {input.DType} dim {dim}");
                    using (var a = input.Any(dim, keep)) Check(a, [.. groups.Select(g => g.Any(e => e != 0) ? 1.0 : 0.0)], outShape, zeros, DType.Bool, $"Any {input.DType} dim {dim}");
                }
            }
            using (var a = input.All()) Check(a, [rounded.All(e => e != 0) ? 1 : 0], [], [0], DType.Bool, "All()");
            using (var a = input.Any()) Check(a, [rounded.Any(e => e != 0) ? 1 : 0], [], [0], DType.Bool, "Any()");
        }
    }
}
