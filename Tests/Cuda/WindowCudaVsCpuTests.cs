using CudaTensor.Backends;
using CudaTensor.Tests.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The sliding-window primitives (Im2Col, Col2Im) on CUDA against the CPU backend, on the same random inputs, over
/// geometries that exercise padding, strides, dilation, non-square kernels, pooling windows, 1x1 kernels and a kernel
/// covering the whole padded image. Integer pad values of ±infinity saturate to the dtype's range. Skipped with the
/// reason on machines without a usable GPU.
/// </summary>
[TestFixture]
public class WindowCudaVsCpuTests : GpuFixture
{
    private const long Planes = 3;

    // Named geometries: WindowGeometry is internal, so test cases pass the name.
    private static readonly Dictionary<string, WindowGeometry> Geometries = new()
    {
        ["3x3 stride 1 pad 1"] = Geometry(7, 6, 3, 3, 1, 1, 1, 1, 1, 1),
        ["5x3 stride 2 pad (2,1) dilation (1,2)"] = Geometry(9, 8, 5, 3, 2, 2, 2, 1, 1, 2),
        ["2x2 stride 2 (pooling)"] = Geometry(6, 8, 2, 2, 2, 2, 0, 0, 1, 1),
        ["1x1"] = Geometry(5, 4, 1, 1, 1, 1, 0, 0, 1, 1),
        ["kernel as large as the padded image"] = Geometry(4, 5, 6, 7, 1, 1, 1, 1, 1, 1),
    };

    public static IEnumerable<string> GeometryNames => Geometries.Keys;

    private static WindowGeometry Geometry(long h, long w, long kh, long kw, long sh, long sw, long ph, long pw, long dh, long dw)
        => WindowGeometry.Create(h, w, kh, kw, sh, sw, ph, pw, dh, dw);

    private static long[] ImageShape(WindowGeometry g) => [Planes, g.Height, g.Width];

    private static long[] ColsShape(WindowGeometry g) => [Planes, g.Taps, g.Positions];

    // Im2Col of `image` (a CPU tensor) on `device`, read back as a CPU tensor.
    private static Tensor Im2Col(Tensor image, Device device, WindowGeometry g, double padValue)
    {
        using var src = image.To(device);
        using var cols = Tensor.Empty(ColsShape(g), image.DType, device);
        src.Backend.Im2Col(cols.Layout, src.Layout, g, padValue);
        return cols.To(Cpu);
    }

    private static Tensor Col2Im(Tensor cols, Device device, WindowGeometry g)
    {
        using var src = cols.To(device);
        using var image = Tensor.Empty(ImageShape(g), cols.DType, device);
        src.Backend.Col2Im(image.Layout, src.Layout, g);
        return image.To(Cpu);
    }

    [Test]
    public void Im2ColFloat([ValueSource(nameof(GeometryNames))] string geometry, [Values(DType.Float32, DType.Float64)] DType dtype,
        [Values(0.0, double.NegativeInfinity)] double padValue)
    {
        var g = Geometries[geometry];
        using var image = Tensor.Randn(ImageShape(g), dtype, Cpu, generator: new Generator(1));
        using var expected = Im2Col(image, Cpu, g, padValue);
        using var actual = Im2Col(image, Gpu, g, padValue);
        // A copy: every entry exactly.
        FusedTestSupport.Close(TensorAssert.ToDoubles(actual), TensorAssert.ToDoubles(expected), 0, 0, $"Im2Col {dtype} {geometry} pad {padValue}");
    }

    [Test]
    public void Col2ImFloat([ValueSource(nameof(GeometryNames))] string geometry, [Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var g = Geometries[geometry];
        using var cols = Tensor.Randn(ColsShape(g), dtype, Cpu, generator: new Generator(2));
        using var expected = Col2Im(cols, Cpu, g);
        using var actual = Col2Im(cols, Gpu, g);
        // Sums of at most KH*KW terms, possibly added in another order.
        double tol = dtype == DType.Float32 ? 1e-5 : 1e-12;
        FusedTestSupport.Close(TensorAssert.ToDoubles(actual), TensorAssert.ToDoubles(expected), tol, tol, $"Col2Im {dtype} {geometry}");
    }

    [Test]
    public void Col2ImOverwritesTheImage()
    {
        var g = Geometries["2x2 stride 2 (pooling)"];
        using var cols = Tensor.Randn(ColsShape(g), DType.Float32, Gpu, generator: new Generator(3));
        using var image = Tensor.Randn(ImageShape(g), DType.Float32, Gpu, generator: new Generator(4));
        // Non-overlapping windows covering the image: every pixel is exactly one column entry, whatever it held before.
        image.Backend.Col2Im(image.Layout, cols.Layout, g);
        using var roundTrip = Tensor.Empty(ColsShape(g), DType.Float32, Gpu);
        image.Backend.Im2Col(roundTrip.Layout, image.Layout, g, 0);
        FusedTestSupport.Close(TensorAssert.ToDoubles(roundTrip), TensorAssert.ToDoubles(cols), 0, 0, "Im2Col(Col2Im(cols))");
    }

    [Test]
    public void Im2ColInt64SaturatesAnInfinitePad([ValueSource(nameof(GeometryNames))] string geometry)
    {
        var g = Geometries[geometry];
        using var image = Tensor.RandInt(1, 1_000_000, ImageShape(g), DType.Int64, Cpu, new Generator(5));
        using var expected = Im2Col(image, Cpu, g, double.NegativeInfinity);
        using var actual = Im2Col(image, Gpu, g, double.NegativeInfinity);
        long[] e = expected.ToArray<long>(), a = actual.ToArray<long>();
        Assert.That(a, Is.EqualTo(e), $"Im2Col Int64 {geometry}");
        // The pixels are positive, so the padded entries are exactly the minimum ones.
        long padded = a.Count(v => v == long.MinValue);
        Assert.That(a.All(v => v == long.MinValue || v > 0), Is.True, "every entry is a pixel or long.MinValue");
        if (g.PadH > 0 || g.PadW > 0) Assert.That(padded, Is.GreaterThan(0), "a padded geometry has padded entries");
    }

    [Test]
    public void Im2ColInt32AndBoolPads()
    {
        var g = Geometries["3x3 stride 1 pad 1"];
        using var ints = Tensor.RandInt(1, 1000, ImageShape(g), DType.Int32, Cpu, new Generator(6));
        using var intCols = Im2Col(ints, Gpu, g, double.PositiveInfinity);
        // Tap (0, 0) of window (0, 0) reads pixel (-1, -1): padding.
        Assert.That(intCols.ToArray<int>()[0], Is.EqualTo(int.MaxValue), "+inf saturates to int.MaxValue");
        using var intExpected = Im2Col(ints, Cpu, g, double.PositiveInfinity);
        Assert.That(intCols.ToArray<int>(), Is.EqualTo(intExpected.ToArray<int>()), "Int32 against the CPU");

        using var noise = Tensor.Randn(ImageShape(g), DType.Float32, Cpu, generator: new Generator(7));
        using var bools = noise.Gt(0);
        using var boolCols = Im2Col(bools, Gpu, g, -0.5);
        Assert.That(boolCols.ToArray<bool>()[0], Is.True, "a nonzero pad is true");
        using var boolExpected = Im2Col(bools, Cpu, g, -0.5);
        Assert.That(boolCols.ToArray<bool>(), Is.EqualTo(boolExpected.ToArray<bool>()), "Bool against the CPU");
    }

    [Test]
    public void MismatchedDTypesAreRejected()
    {
        var g = Geometries["1x1"];
        using var image = Tensor.Randn(ImageShape(g), DType.Float32, Gpu, generator: new Generator(8));
        using var cols = Tensor.Empty(ColsShape(g), DType.Float64, Gpu);
        var e = Assert.Throws<ArgumentException>(() => image.Backend.Im2Col(cols.Layout, image.Layout, g, 0));
        Assert.That(e!.Message, Does.Contain("Im2Col").And.Contain("float32").And.Contain("float64"));
        Assert.Throws<NotSupportedException>(() =>
        {
            using var li = Tensor.RandInt(1, 9, ImageShape(g), DType.Int64, Gpu, new Generator(9));
            using var lc = Tensor.Empty(ColsShape(g), DType.Int64, Gpu);
            li.Backend.Col2Im(li.Layout, lc.Layout, g);
        });
    }
}
