using CudaTensor.Backends;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// The sliding-window primitives (Im2Col, Col2Im) against their definitions written out as loops here, for padded,
/// strided and dilated windows, every dtype Im2Col takes, above and below the multithreading threshold; and Col2Im
/// as the adjoint of Im2Col (⟨Col2Im(G), X⟩ = ⟨G, Im2Col(X)⟩).
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class WindowTests(Device device)
{
    // (H, W, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW)
    private static readonly long[][] Geometries =
    [
        [5, 6, 3, 3, 1, 1, 1, 1, 1, 1],     // the usual 3x3 "same" convolution
        [7, 5, 5, 3, 2, 2, 2, 1, 1, 2],     // strided, dilated, uneven padding
        [6, 6, 2, 2, 2, 2, 0, 0, 1, 1],     // 2x2 pooling windows
        [4, 3, 1, 1, 1, 1, 0, 0, 1, 1],     // 1x1
        [3, 4, 5, 6, 1, 1, 1, 1, 1, 1],     // one window as large as the padded image
        [8, 9, 3, 2, 3, 2, 2, 3, 2, 1],     // stride above the kernel, padding wider than a tap
    ];

    private static IEnumerable<TestCaseData> GeometryCases()
        => Geometries.Select((g, i) => new TestCaseData(i).SetName($"{{m}}({string.Join(",", g)})"));

    private static WindowGeometry Make(long[] a) => WindowGeometry.Create(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);

    /// <summary>
    /// Calls <paramref name="visit"/>(column index, pixel index or -1 in the padding) for every entry of the columns,
    /// by the definition: tap (i, j) of window (oy, ox) reads row oy·strideH - padH + i·dilationH (columns likewise).
    /// </summary>
    private static void ForEachEntry(long planes, WindowGeometry g, Action<long, long> visit)
    {
        for (long p = 0; p < planes; p++)
        for (long i = 0; i < g.KernelHeight; i++)
        for (long j = 0; j < g.KernelWidth; j++)
        for (long oy = 0; oy < g.OutHeight; oy++)
        for (long ox = 0; ox < g.OutWidth; ox++)
        {
            long y = oy * g.StrideH - g.PadH + i * g.DilationH, x = ox * g.StrideW - g.PadW + j * g.DilationW;
            bool inside = y >= 0 && y < g.Height && x >= 0 && x < g.Width;
            visit(((p * g.Taps + i * g.KernelWidth + j) * g.OutHeight + oy) * g.OutWidth + ox, inside ? (p * g.Height + y) * g.Width + x : -1);
        }
    }

    /// <summary>The columns by the definition; NaN marks the padding.</summary>
    private static double[] Unfold(double[] image, long planes, WindowGeometry g)
    {
        var cols = new double[planes * g.Taps * g.Positions];
        ForEachEntry(planes, g, (c, pixel) => cols[c] = pixel >= 0 ? image[pixel] : double.NaN);
        return cols;
    }

    /// <summary>The adjoint by the definition: every column entry added to the pixel it reads.</summary>
    private static double[] Fold(double[] cols, long planes, WindowGeometry g)
    {
        var image = new double[planes * g.Height * g.Width];
        ForEachEntry(planes, g, (c, pixel) =>
        {
            if (pixel >= 0) image[pixel] += cols[c];
        });
        return image;
    }

    private Tensor Im2Col(Tensor image, long planes, WindowGeometry g, double pad)
    {
        var cols = Tensor.Empty([planes, g.Taps, g.Positions], image.DType, device);
        image.Backend.Im2Col(cols.Layout, image.Layout, g, pad);
        return cols;
    }

    private Tensor Col2Im(Tensor cols, long planes, WindowGeometry g)
    {
        // Garbage first: Col2Im must overwrite, not accumulate.
        var image = Tensor.Full([planes, g.Height, g.Width], 7.5, cols.DType, device);
        cols.Backend.Col2Im(image.Layout, cols.Layout, g);
        return image;
    }

    [TestCaseSource(nameof(GeometryCases))]
    public void Im2ColMatchesTheDefinitionInEveryDType(int geometry)
    {
        var g = Make(Geometries[geometry]);
        const long planes = 3;
        using var scope = Tensor.NewScope();
        // Integers in [-20, 20] (exact in every dtype), never all zero.
        using var values = (Tensor.Randn([planes, g.Height, g.Width], DType.Float64, Device.Cpu, generator: new Generator(11)) * 8).Round();
        var image = TensorAssert.ToDoubles(values);
        var expected = Unfold(image, planes, g);
        foreach (var (dtype, pad, padAs) in new (DType, double, double)[]
        {
            (DType.Float32, 0, 0), (DType.Float64, double.NegativeInfinity, double.NegativeInfinity), (DType.Int32, -3, -3),
            (DType.Int64, double.NegativeInfinity, long.MinValue), (DType.Bool, 1, 1),
        })
        {
            using var input = values.To(dtype).To(device);
            using var cols = Im2Col(input, planes, g, pad);
            var got = TensorAssert.ToDoubles(cols);
            for (int k = 0; k < expected.Length; k++)
            {
                double want = double.IsNaN(expected[k]) ? padAs : dtype == DType.Bool ? (expected[k] != 0 ? 1 : 0) : expected[k];
                if (got[k] != want) Assert.Fail($"{dtype}: cols[{k}] = {got[k]}, expected {want}");
            }
        }
    }

    [TestCaseSource(nameof(GeometryCases))]
    public void Col2ImMatchesTheDefinition(int geometry)
    {
        var g = Make(Geometries[geometry]);
        const long planes = 4;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            using var scope = Tensor.NewScope();
            var cols = Tensor.Randn([planes, g.Taps, g.Positions], dtype, device, generator: new Generator(5));
            var image = Col2Im(cols, planes, g);
            var expected = Fold(TensorAssert.ToDoubles(cols), planes, g);
            TensorAssert.Close(image, expected, [planes, g.Height, g.Width], rtol: dtype == DType.Float32 ? 1e-6 : 1e-14, atol: 1e-6, dtype: dtype);
        }
    }

    [TestCaseSource(nameof(GeometryCases))]
    public void Col2ImIsTheAdjointOfIm2Col(int geometry)
    {
        var g = Make(Geometries[geometry]);
        const long planes = 2;
        using var scope = Tensor.NewScope();
        var x = Tensor.Randn([planes, g.Height, g.Width], DType.Float64, device, generator: new Generator(1));
        var cotangent = Tensor.Randn([planes, g.Taps, g.Positions], DType.Float64, device, generator: new Generator(2));
        double left = (Col2Im(cotangent, planes, g) * x).Sum().ToDouble0();
        double right = (cotangent * Im2Col(x, planes, g, 0)).Sum().ToDouble0();
        Assert.That(left, Is.EqualTo(right).Within(1e-12 * (1 + Math.Abs(right))));
    }

    [Test]
    public void LargeBatchesSplitAcrossTheCoresGiveTheSameColumnsAndSums()
    {
        // 512 planes of 28x28 with a 3x3 window: 3.6M column entries, well above the threshold for several threads.
        var g = Make([28, 28, 3, 3, 1, 1, 1, 1, 1, 1]);
        const long planes = 512;
        using var scope = Tensor.NewScope();
        var x = Tensor.Randn([planes, g.Height, g.Width], DType.Float32, device, generator: new Generator(3));
        var cols = Im2Col(x, planes, g, 0);
        var expected = Unfold(TensorAssert.ToDoubles(x), planes, g);
        var got = TensorAssert.ToDoubles(cols);
        for (int k = 0; k < expected.Length; k++)
        {
            double want = double.IsNaN(expected[k]) ? 0 : expected[k];
            if (got[k] != want) Assert.Fail($"cols[{k}] = {got[k]}, expected {want}");
        }
        var image = Col2Im(cols, planes, g);
        TensorAssert.Close(image, Fold(got, planes, g), [planes, g.Height, g.Width], rtol: 1e-6, atol: 1e-5, dtype: DType.Float32);
    }

    [Test]
    public void MismatchedDTypesAreRejectedWithTheFix()
    {
        var g = Make(Geometries[0]);
        using var scope = Tensor.NewScope();
        var image = Tensor.Randn([1, g.Height, g.Width], DType.Float32, device, generator: new Generator(4));
        var cols = Tensor.Empty([1, g.Taps, g.Positions], DType.Float64, device);
        Assert.That(() => image.Backend.Im2Col(cols.Layout, image.Layout, g, 0),
            Throws.ArgumentException.With.Message.Contains("Im2Col").And.Message.Contains("float32").And.Message.Contains("float64").And.Message.Contains("To("));
    }
}
