using System.Runtime.InteropServices;
using CudaTensor.Backends;
using CudaTensor.Backends.Cpu;
using CudaTensor.Backends.Cuda;
using CudaTensor.Ops;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;
using CudaTensor.Core;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// Every backend primitive on CUDA against the CPU backend (the oracle), on fresh random inputs, contiguous and strided.
/// Skipped with the reason on machines without a usable GPU.
/// </summary>
[TestFixture]
[Category("Gpu")]
[NonParallelizable]
public class CudaVsCpuTests
{
    private static readonly DType[] Numeric = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];
    private static readonly DType[] All = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];
    private CpuBackend cpu = null!;
    private IBackend gpu = null!;
    private Random rng = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        NativeRequirement.Gpu();
        cpu = CpuBackend.Instance;
        gpu = Backend.For(Device.Cuda());
    }

    [SetUp]
    public void SetUp() => rng = new Random(TestContext.CurrentContext.Test.Name.GetHashCode(StringComparison.Ordinal));

    // ------------------------------------------------------------------ helpers

    private sealed class Pair(Strided c, Strided g) : IDisposable
    {
        public Strided Cpu { get; } = c;
        public Strided Gpu { get; } = g;
        public Pair View(long[] shape, long[] strides, long offset = 0)
            => new(new Strided(Cpu.Storage, offset, shape, strides, Cpu.DType), new Strided(Gpu.Storage, offset, shape, strides, Gpu.DType));
        public void Dispose()
        {
            Cpu.Storage.Release();
            Gpu.Storage.Release();
        }
    }

    private byte[] RandomBytes(DType dtype, long n, bool positive = false)
    {
        var bytes = new byte[n * dtype.ElementSize()];
        switch (dtype)
        {
            case DType.Float32:
            {
                var v = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
                for (int i = 0; i < v.Length; i++) v[i] = positive ? (float)(rng.NextDouble() * 4 + 0.01) : (float)(rng.NextDouble() * 8 - 4);
                break;
            }
            case DType.Float64:
            {
                var v = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
                for (int i = 0; i < v.Length; i++) v[i] = positive ? rng.NextDouble() * 4 + 0.01 : rng.NextDouble() * 8 - 4;
                break;
            }
            case DType.Int32:
            {
                var v = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
                for (int i = 0; i < v.Length; i++) v[i] = positive ? rng.Next(1, 7) : rng.Next(-9, 10);
                break;
            }
            case DType.Int64:
            {
                var v = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (int i = 0; i < v.Length; i++) v[i] = positive ? rng.Next(1, 7) : rng.Next(-9, 10);
                break;
            }
            default:
                for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)rng.Next(2);
                break;
        }
        return bytes;
    }

    private Pair Make(DType dtype, long[] shape, byte[]? bytes = null)
    {
        long n = Shapes.NumElements(shape);
        bytes ??= RandomBytes(dtype, n);
        var strides = Shapes.ContiguousStrides(shape);
        var c = new Strided(cpu.Allocate(bytes.Length, false), 0, shape, strides, dtype);
        var g = new Strided(gpu.Allocate(bytes.Length, false), 0, shape, strides, dtype);
        cpu.WriteFromHost(c, bytes);
        gpu.WriteFromHost(g, bytes);
        return new Pair(c, g);
    }

    private Pair Empty(DType dtype, long[] shape) => Make(dtype, shape, new byte[Shapes.NumElements(shape) * dtype.ElementSize()]);

    private static double[] Read(IBackend backend, Strided t)
    {
        var bytes = new byte[t.Storage.ByteLength];
        backend.ReadToHost(new Strided(t.Storage, 0, [t.Storage.ByteLength / t.DType.ElementSize()], [1], t.DType), bytes);
        return t.DType switch
        {
            DType.Float32 => MemoryMarshal.Cast<byte, float>(bytes).ToArray().Select(x => (double)x).ToArray(),
            DType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            DType.Int32 => MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(x => (double)x).ToArray(),
            DType.Int64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray().Select(x => (double)x).ToArray(),
            _ => bytes.Select(x => (double)x).ToArray(),
        };
    }

    private void AssertSame(Pair p, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        double[] c = Read(cpu, p.Cpu), g = Read(gpu, p.Gpu);
        Assert.That(g, Has.Length.EqualTo(c.Length));
        for (int i = 0; i < c.Length; i++)
        {
            if (double.IsNaN(c[i]) && double.IsNaN(g[i])) continue;
            if (c[i] == g[i]) continue;
            Assert.That(Math.Abs(c[i] - g[i]), Is.LessThanOrEqualTo(atol + rtol * Math.Abs(c[i])), $"{what}: element {i}: CPU {c[i]}, CUDA {g[i]}");
        }
    }

    private static double Rtol(DType d) => d == DType.Float32 ? 2e-5 : 1e-12;

    // ------------------------------------------------------------------ elementwise

    public static IEnumerable<TestCaseData> UnaryCases()
        => from op in Enum.GetValues<UnaryOp>() from d in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 }
           where CudaKernels.Supports(op, d) select new TestCaseData(op.ToString(), d);

    [TestCaseSource(nameof(UnaryCases))]
    public void Unary(string name, DType dtype)
    {
        var op = Enum.Parse<UnaryOp>(name);
        var row = CudaTensor.Tests.Ops.OpTestTable.Of(op);
        bool positive = row.CudaPositive;
        using var x = Make(dtype, [37, 53], RandomBytes(dtype, 37 * 53, positive));
        using var y = Empty(dtype, [37, 53]);
        (double p0, double p1) = (row.CudaP0, row.CudaP1);
        cpu.Unary(op, y.Cpu, x.Cpu, p0, p1);
        gpu.Unary(op, y.Gpu, x.Gpu, p0, p1);
        AssertSame(y, $"{op} {dtype} contiguous", Rtol(dtype) * 8, dtype == DType.Float32 ? 1e-6 : 1e-13);
        // Strided: the transpose, written into a transposed destination.
        using var z = Empty(dtype, [53, 37]);
        var xt = x.View([53, 37], [1, 53]);
        var zt = z.View([53, 37], [1, 53]);
        cpu.Unary(op, zt.Cpu, xt.Cpu, p0, p1);
        gpu.Unary(op, zt.Gpu, xt.Gpu, p0, p1);
        AssertSame(z, $"{op} {dtype} strided", Rtol(dtype) * 8, dtype == DType.Float32 ? 1e-6 : 1e-13);
    }

    public static IEnumerable<TestCaseData> BinaryCases()
        => from op in Enum.GetValues<BinaryOp>() from d in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool }
           where CudaKernels.Supports(op, d) && !(d == DType.Bool && op.IsDivision())
           select new TestCaseData(op.ToString(), d);

    [TestCaseSource(nameof(BinaryCases))]
    public void Binary(string name, DType dtype)
    {
        var op = Enum.Parse<BinaryOp>(name);
        bool divides = op.IsDivision();
        using var a = Make(dtype, [33, 65]);
        using var b = Make(dtype, [65], RandomBytes(dtype, 65, positive: divides || op == BinaryOp.Pow));
        DType outType = op.IsComparison() || op.IsLogical() ? DType.Bool : dtype;
        using var y = Empty(outType, [33, 65]);
        var bb = b.View([33, 65], [0, 1]); // broadcast along rows
        cpu.Binary(op, y.Cpu, a.Cpu, bb.Cpu);
        gpu.Binary(op, y.Gpu, a.Gpu, bb.Gpu);
        AssertSame(y, $"{op} {dtype}", Rtol(dtype) * 4);
    }

    public static IEnumerable<TestCaseData> PredicateCases() => Enum.GetValues<PredicateOp>().Select(op => new TestCaseData(op.ToString()));

    [TestCaseSource(nameof(PredicateCases))]
    public void Predicate(string name)
    {
        var op = Enum.Parse<PredicateOp>(name);
        float[] v = [1, float.NaN, float.PositiveInfinity, -0f, float.NegativeInfinity, 3];
        using var x = Make(DType.Float32, [6], MemoryMarshal.AsBytes(v.AsSpan()).ToArray());
        using var y = Empty(DType.Bool, [6]);
        cpu.Predicate(op, y.Cpu, x.Cpu);
        gpu.Predicate(op, y.Gpu, x.Gpu);
        AssertSame(y, op.ToString());
    }

    [Test]
    public void WhereAndFill([ValueSource(nameof(All))] DType dtype)
    {
        using var c = Make(DType.Bool, [40, 30]);
        using var a = Make(dtype, [40, 30]);
        using var b = Make(dtype, [30]);
        using var y = Empty(dtype, [40, 30]);
        var bb = b.View([40, 30], [0, 1]);
        cpu.Where(y.Cpu, c.Cpu, a.Cpu, bb.Cpu);
        gpu.Where(y.Gpu, c.Gpu, a.Gpu, bb.Gpu);
        AssertSame(y, "Where");
        var half = y.View([40, 15], [30, 2], 1);
        cpu.Fill(half.Cpu, 7);
        gpu.Fill(half.Gpu, 7);
        AssertSame(y, "Fill strided");
    }

    [Test]
    public void CopyConverts([ValueSource(nameof(All))] DType from, [ValueSource(nameof(All))] DType to)
    {
        using var x = Make(from, [17, 29]);
        using var y = Empty(to, [29, 17]);
        var yt = y.View([17, 29], [1, 17]);
        cpu.Copy(yt.Cpu, x.Cpu);
        gpu.Copy(yt.Gpu, x.Gpu);
        AssertSame(y, $"{from} -> {to}");
    }

    // ------------------------------------------------------------------ axis primitives

    [Test]
    public void Reduce([Values("Sum", "Prod", "Max", "Min")] string name, [ValueSource(nameof(All))] DType dtype, [Values(1, 2)] int reducedDims)
    {
        var op = Enum.Parse<ReduceOp>(name);
        using var x = Make(dtype, [6, 7, 129]);
        long[] outShape = reducedDims == 1 ? [6, 7] : [6];
        using var y = Empty(dtype, outShape);
        cpu.Reduce(op, y.Cpu, x.Cpu, reducedDims);
        gpu.Reduce(op, y.Gpu, x.Gpu, reducedDims);
        AssertSame(y, $"{op} {dtype}", dtype == DType.Float32 ? 1e-4 : 1e-10, 1e-4);
        // Over a leading axis (a permuted, non-contiguous view), and the long-row two-pass path.
        using var z = Empty(dtype, [7, 129]);
        var xp = x.View([7, 129, 6], [129, 1, 7 * 129]);
        cpu.Reduce(op, z.Cpu, xp.Cpu, 1);
        gpu.Reduce(op, z.Gpu, xp.Gpu, 1);
        AssertSame(z, $"{op} {dtype} over a leading axis", dtype == DType.Float32 ? 1e-4 : 1e-10, 1e-4);
    }

    [Test]
    public void ReduceLongRows([Values("Sum", "Max")] string name)
    {
        var op = Enum.Parse<ReduceOp>(name);
        using var x = Make(DType.Float64, [3, 1 << 18]);
        using var y = Empty(DType.Float64, [3]);
        cpu.Reduce(op, y.Cpu, x.Cpu, 1);
        gpu.Reduce(op, y.Gpu, x.Gpu, 1);
        AssertSame(y, op.ToString(), 1e-9);
    }

    [Test]
    public void ArgReduce([Values("Max", "Min")] string name, [ValueSource(nameof(Numeric))] DType dtype)
    {
        var op = Enum.Parse<ReduceOp>(name);
        using var x = Make(dtype, [19, 301]);
        using var v = Empty(dtype, [19]);
        using var i = Empty(DType.Int64, [19]);
        cpu.ArgReduce(op, v.Cpu, i.Cpu, x.Cpu);
        gpu.ArgReduce(op, v.Gpu, i.Gpu, x.Gpu);
        AssertSame(v, "values");
        AssertSame(i, "indices (first occurrence)");
    }

    [Test]
    public void CumSum([ValueSource(nameof(Numeric))] DType dtype, [Values(5, 1000)] int length)
    {
        using var x = Make(dtype, [7, length]);
        using var y = Empty(dtype, [7, length]);
        cpu.CumSum(y.Cpu, x.Cpu);
        gpu.CumSum(y.Gpu, x.Gpu);
        AssertSame(y, "CumSum", dtype == DType.Float32 ? 1e-4 : 1e-10, 1e-3);
    }

    [Test]
    public void Softmax([Values(DType.Float32, DType.Float64)] DType dtype, [Values] bool log, [Values(10, 4096)] int length)
    {
        using var x = Make(dtype, [9, length]);
        using var y = Empty(dtype, [9, length]);
        cpu.Softmax(y.Cpu, x.Cpu, log);
        gpu.Softmax(y.Gpu, x.Gpu, log);
        AssertSame(y, log ? "LogSoftmax" : "Softmax", dtype == DType.Float32 ? 1e-5 : 1e-12, 1e-7);
    }

    // ------------------------------------------------------------------ matmul

    [Test]
    public void MatMul([ValueSource(nameof(Numeric))] DType dtype, [Values] bool transposeA, [Values] bool transposeB)
    {
        const int B = 3, M = 37, K = 45, N = 29;
        using var a = Make(dtype, transposeA ? [B, K, M] : [B, M, K]);
        using var b = Make(dtype, transposeB ? [B, N, K] : [B, K, N]);
        var av = transposeA ? a.View([B, M, K], [K * M, 1, M]) : a;
        var bv = transposeB ? b.View([B, K, N], [K * N, 1, K]) : b;
        using var c = Empty(dtype, [B, M, N]);
        cpu.MatMul(c.Cpu, av.Cpu, bv.Cpu);
        gpu.MatMul(c.Gpu, av.Gpu, bv.Gpu);
        AssertSame(c, $"MatMul {dtype}", dtype == DType.Float32 ? 1e-4 : 1e-11, 1e-4);
    }

    [Test]
    public void MatMulBroadcastBatch()
    {
        using var a = Make(DType.Float32, [4, 8, 16]);
        using var w = Make(DType.Float32, [16, 5]);
        var wb = w.View([4, 16, 5], [0, 5, 1]);
        using var c = Empty(DType.Float32, [4, 8, 5]);
        cpu.MatMul(c.Cpu, a.Cpu, wb.Cpu);
        gpu.MatMul(c.Gpu, a.Gpu, wb.Gpu);
        AssertSame(c, "broadcast weight", 1e-4, 1e-4);
    }

    // ------------------------------------------------------------------ indexing and random

    [Test]
    public void GatherScatter([ValueSource(nameof(Numeric))] DType dtype, [Values(0, 1)] int dim)
    {
        using var src = Make(dtype, [12, 10]);
        long[] idxShape = dim == 0 ? [5, 10] : [12, 4];
        long size = dim == 0 ? 12 : 10;
        var idx = new long[Shapes.NumElements(idxShape)];
        for (int i = 0; i < idx.Length; i++) idx[i] = rng.NextInt64(size);
        using var index = Make(DType.Int64, idxShape, MemoryMarshal.AsBytes(idx.AsSpan()).ToArray());
        using var g = Empty(dtype, idxShape);
        cpu.Gather(g.Cpu, src.Cpu, index.Cpu, dim);
        gpu.Gather(g.Gpu, src.Gpu, index.Gpu, dim);
        AssertSame(g, "Gather");
        using var acc = Empty(dtype, [12, 10]);
        cpu.Scatter(acc.Cpu, index.Cpu, g.Cpu, dim, accumulate: true);
        gpu.Scatter(acc.Gpu, index.Gpu, g.Gpu, dim, accumulate: true);
        AssertSame(acc, "ScatterAdd", 1e-5, 1e-5);
    }

    [Test]
    public void BadIndexThrowsLikeTheCpu()
    {
        using var src = Make(DType.Float32, [4]);
        using var index = Make(DType.Int64, [2], MemoryMarshal.AsBytes(new long[] { 1, 9 }.AsSpan()).ToArray());
        using var g = Empty(DType.Float32, [2]);
        // Checked on the device: the call returns at once and the next synchronization throws.
        Assert.DoesNotThrow(() => gpu.Gather(g.Gpu, src.Gpu, index.Gpu, 0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Cuda.Synchronize(Device.Cuda()))!;
        Assert.That(e.Message, Does.Contain("Gather: index 9 is out of bounds"));
    }

    // Integers fill integer tensors; the other distributions fill floating-point ones.
    private static IEnumerable<TestCaseData> RandomCases()
    {
        foreach (string name in new[] { "Uniform", "Normal", "Bernoulli" })
        {
            yield return new TestCaseData(name, DType.Float32);
            yield return new TestCaseData(name, DType.Float64);
        }
        yield return new TestCaseData("Integers", DType.Int32);
        yield return new TestCaseData("Integers", DType.Int64);
    }

    [TestCaseSource(nameof(RandomCases))]
    public void RandomMatchesTheCpu(string name, DType dtype)
    {
        var kind = Enum.Parse<RandomDistribution>(name);
        using var y = Empty(dtype, [1000, 3]);
        (double a, double b) = kind switch { RandomDistribution.Integers => (-5, 1000), RandomDistribution.Bernoulli => (0.3, 0), RandomDistribution.Normal => (1, 2), _ => (-1, 3) };
        ulong seed = (ulong)rng.NextInt64(), start = 12345;
        cpu.Random(y.Cpu, kind, a, b, seed, start);
        gpu.Random(y.Gpu, kind, a, b, seed, start);
        // Bit for bit except normals, whose log/sin/cos may differ in the last bits.
        AssertSame(y, $"{kind} {dtype}", kind == RandomDistribution.Normal ? (dtype == DType.Float32 ? 1e-5 : 1e-13) : 0, kind == RandomDistribution.Normal ? 1e-5 : 0);
    }

    [Test]
    public void NonZeroAndHostRoundTrip()
    {
        using var x = Make(DType.Bool, [1000]);
        Assert.That(gpu.NonZero(x.Gpu), Is.EqualTo(cpu.NonZero(x.Cpu)));
        using var big = Make(DType.Float32, [(PinnedStagingPoolBypass / 4) + 5]); // above the staging limit: the direct path
        AssertSame(big, "large host copy", 0, 0);
    }

    private const long PinnedStagingPoolBypass = CudaTensor.CudaRuntime.PinnedStagingPool.MaxStagedBytes;

    // ------------------------------------------------------------------ memory and streams

    [Test]
    public void MemoryStatisticsStayFlatOverRepeatedOps()
    {
        using var x = Make(DType.Float32, [256, 256]);
        using (var warm = Empty(DType.Float32, [256, 256])) gpu.Unary(UnaryOp.Exp, warm.Gpu, x.Gpu, 0, 0);
        var before = Cuda.MemoryStats(Device.Cuda());
        for (int i = 0; i < 100; i++)
        {
            var y = new Strided(gpu.Allocate(256 * 256 * 4, false), 0, [256, 256], [256, 1], DType.Float32);
            gpu.Unary(UnaryOp.Exp, y, x.Gpu, 0, 0);
            y.Storage.Release();
        }
        var after = Cuda.MemoryStats(Device.Cuda());
        Assert.That(after.AllocatedBytes, Is.EqualTo(before.AllocatedBytes));
        Assert.That(after.ReservedBytes, Is.EqualTo(before.ReservedBytes), "blocks are reused, or returned to the driver without caching");
        if (CudaTensor.CudaRuntime.CudaDeviceContext.For(0).Pool.Caching)
        {
            Assert.That(after.DriverAllocations, Is.EqualTo(before.DriverAllocations));
        }
        else
        {
            // CUDATENSOR_NO_CUDA_MEMORY_CACHING=1: one driver allocation and one free per tensor.
            Assert.That(after.DriverAllocations - before.DriverAllocations, Is.EqualTo(100));
            Assert.That(after.DriverFrees - before.DriverFrees, Is.EqualTo(100));
        }
    }

    [Test]
    public void WorkOnAnotherStreamIsOrdered()
    {
        using var stream = new CudaStream(Device.Cuda());
        using var x = Make(DType.Float32, [1 << 20]);
        using var y = Empty(DType.Float32, [1 << 20]);
        // x and y were written on the default stream: as in PyTorch, work on a side stream waits for it explicitly
        // (without this wait, the virtual device's sync=strict runs the Neg before the writes and the test fails).
        stream.Wait(Cuda.DefaultStream(Device.Cuda()));
        using (Cuda.UseStream(stream))
        {
            Assert.That(Cuda.CurrentStream(Device.Cuda()).Handle, Is.EqualTo(stream.Handle));
            gpu.Unary(UnaryOp.Neg, y.Gpu, x.Gpu, 0, 0);
        }
        Assert.That(Cuda.CurrentStream(Device.Cuda()).Handle, Is.EqualTo(Cuda.DefaultStream(Device.Cuda()).Handle));
        stream.Synchronize();
        cpu.Unary(UnaryOp.Neg, y.Cpu, x.Cpu, 0, 0);
        AssertSame(y, "Neg on a side stream", 0, 0);
        using var start = new CudaEvent(Device.Cuda(), enableTiming: true);
        using var end = new CudaEvent(Device.Cuda(), enableTiming: true);
        start.Record();
        gpu.Unary(UnaryOp.Exp, y.Gpu, x.Gpu, 0, 0);
        end.Record();
        end.Synchronize();
        Assert.That(start.ElapsedMilliseconds(end), Is.GreaterThanOrEqualTo(0));
    }
}
