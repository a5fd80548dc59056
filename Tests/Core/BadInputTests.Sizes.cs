using NUnit.Framework;

namespace CudaTensor.Tests.Core;

public partial class BadInputTests
{
    [Test]
    public void AShapeWithAZeroIsEmptyWhateverItsOtherSizes()
    {
        // numpy: np.empty((2**32, 2**32, 0)) is a valid empty array; the order of the sizes does not matter.
        foreach (long[] shape in new[] { new[] { 1L << 32, 1L << 32, 0 }, new[] { 0, 1L << 62, 1L << 62 }, new[] { 1L << 62, 0, 1L << 62 } })
        {
            using var t = Tensor.Empty(shape);
            Assert.That(t.Shape.ToArray(), Is.EqualTo(shape));
            Assert.That(t.NumElements, Is.Zero);
            using var z = Tensor.Zeros(shape, DType.Float64);
            using var sum = z.Sum();
            Assert.That(sum.Item<double>(), Is.Zero);
            using var flat = z.Reshape(-1);
            Assert.That(flat.Shape.ToArray(), Is.EqualTo(new[] { 0L }));
        }
    }

    [Test]
    public void AnImpossibleSizeNamesTheOpTheShapeAndTheDType()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1L << 62, 4]))!;
        Assert.That(e.Message, Does.StartWith("Zeros: shape [4611686018427387904, 4] of float32 is too big"));
        // The element count fits, the byte count does not.
        e = Assert.Throws<ArgumentException>(() => Tensor.Ones([1L << 62], DType.Int64))!;
        Assert.That(e.Message, Does.StartWith("Full: shape [4611686018427387904] of int64 is too big"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Randn([1L << 40, 1L << 40]))!;
        Assert.That(e.Message, Does.StartWith("Randn: shape [1099511627776, 1099511627776]"));
        e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[1], [1L << 62, 1L << 62]))!;
        Assert.That(e.Message, Does.StartWith("FromArray: shape [4611686018427387904, 4611686018427387904] is too big"));
    }

    [Test]
    public void ASequenceTooBigToHoldNamesItsOp()
    {
        // 2^63 - 1 float32 values need more bytes than a long counts; before, a host array of that length failed first.
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linspace(0, 1, long.MaxValue))!;
        Assert.That(e.Message, Does.StartWith("Linspace: shape [9223372036854775807] of float32 is too big"));
        e = Assert.Throws<ArgumentException>(() => Tensor.Arange(0.0, 1e300))!;
        Assert.That(e.Message, Does.StartWith("Arange: shape [9223372036854775807] of float32 is too big"));
    }

    [Test]
    public void LongSequencesAreExactAcrossTheirStagingChunks()
    {
        // More values than one 65,536-value staging chunk: every value is start + i·step (or counted back from the end
        // in Linspace's second half), wherever the chunk boundaries fall.
        const long n = 150_001;
        using var a = Tensor.Arange(0, n);
        var ints = a.ToArray<long>();
        Assert.That(a.DType, Is.EqualTo(DType.Int64));
        for (long i = 0; i < n; i++)
        {
            if (ints[i] != i) Assert.Fail($"Arange(0, {n})[{i}] = {ints[i]}");
        }
        using var l = Tensor.Linspace(-1, 2, n, DType.Float64);
        var v = l.ToArray<double>();
        double step = 3.0 / (n - 1);
        foreach (long i in new long[] { 0, 1, 65_535, 65_536, 65_537, n / 2 - 1, n / 2, 131_072, n - 2, n - 1 })
        {
            double expected = i < n / 2 ? -1 + i * step : 2 - (n - 1 - i) * step;
            Assert.That(v[i], Is.EqualTo(expected), $"Linspace[{i}]");
        }
        Assert.That((v[0], v[n - 1]), Is.EqualTo((-1.0, 2.0)));
    }

    [Test]
    public void AGradientOfAnotherDTypeShapeOrDeviceIsRefusedAtOnce()
    {
        using var w = Tensor.Zeros([3], requiresGrad: true);
        using var good = Tensor.Ones([3]);
        w.Grad = good;
        Assert.That(w.Grad, Is.SameAs(good));
        using var int64 = Tensor.Zeros([3], DType.Int64);
        Assert.Throws<ArgumentException>(() => w.Grad = int64);
        Assert.That(w.Grad, Is.SameAs(good), "a refused gradient leaves the old one");
        w.Grad = null;
        Assert.That(w.Grad, Is.Null);
        Assert.Throws<ArgumentException>(() => w.Grad = w);
    }

    [Test]
    public void MixedDevicesNameTheOpAndBothDevices()
    {
        if (!Cuda.IsAvailable) Assert.Ignore("needs a CUDA device (set CUDATENSOR_VIRTUAL_DEVICE=1 for the virtual one)");
        using var cpu = Tensor.Ones([2]);
        using var gpu = Tensor.Ones([2], device: Device.Cuda());
        using var mask = Tensor.Ones([2], DType.Bool, device: Device.Cuda());
        foreach (var m in new Misuse[]
        {
            new("Add", () => _ = cpu + gpu, typeof(ArgumentException), "Add", "cpu", "cuda:0", ".To("),
            new("MatMul", () => Tensor.MatMul(cpu.View(1, 2), gpu.View(2, 1)), typeof(ArgumentException), "MatMul", "cpu", "cuda:0"),
            new("MaskedFill", () => cpu.MaskedFill(mask, 0), typeof(ArgumentException), "MaskedFill", "cpu", "cuda:0"),
            new("CopyFrom", () => cpu.CopyFrom(gpu), typeof(ArgumentException), "CopyFrom", "cpu", "cuda:0"),
            new("Cat", () => Tensor.Cat([cpu, gpu]), typeof(ArgumentException), "Cat", "cpu", "cuda:0"),
            new("Grad", () => Tensor.Zeros([2], requiresGrad: true).Grad = gpu, typeof(ArgumentException), "Grad", "cpu", "cuda:0", "device"),
        })
        {
            Check(m);
        }
    }
}
