using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The emulated cuBLASLt matmul against a double-precision reference: op pairs, D apart from C, column and row
/// orders, strided batches with a batched bias, every epilogue (GELU in its tanh form), bias types, TF32, the
/// heuristic, and a D outside its allocation.
/// </summary>
[TestFixture]
public unsafe class BlasLtTests : CublasLtFixture
{

    private const BlasDataType F32 = BlasDataType.Float32;

    // cublasOperation_t N, T, C.
    private static readonly int[] Ops = [0, 1, 2];

    [Test]
    public void MatmulMatchesReferenceWithDApartFromC([ValueSource(nameof(Ops))] int opA, [ValueSource(nameof(Ops))] int opB)
    {
        var random = new Random(100 + (opA * 3) + opB);
        const int m = 6, n = 4, k = 7;
        bool tA = opA != 0, tB = opB != 0;
        int lda = (tA ? k : m) + 1, ldb = (tB ? n : k) + 2, ldc = m + 3, ldd = m + 1;
        double[] a = BlasReference.RandomFloats(random, lda * (tA ? m : k));
        double[] b = BlasReference.RandomFloats(random, ldb * (tB ? k : n));
        double[] c = BlasReference.RandomFloats(random, ldc * n);
        ulong pc = Upload(c), pd = Context.Device.Allocate(ldd * n * sizeof(float));
        IntPtr desc = Lt.Desc(transA: opA, transB: opB);
        BlasStatus status = Lt.Matmul(desc, 0.75, Upload(a), Lt.Layout(F32, tA ? k : m, tA ? m : k, lda), Upload(b),
            Lt.Layout(F32, tB ? n : k, tB ? k : n, ldb), -1.25, pc, Lt.Layout(F32, m, n, ldc), pd, Lt.Layout(F32, m, n, ldd));
        Assert.That(status, Is.EqualTo(BlasStatus.Success));
        double[] expected = BlasReference.Gemm(tA, tB, m, n, k, 0.75, a, lda, b, ldb, -1.25, c, ldc);
        float[] d = Context.Device.Download<float>(pd, ldd * n);
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                double tolerance = BlasReference.Tolerance(Math.Pow(2, -24), tA, tB, k, 0.75, a, lda, b, ldb, -1.25, c[i + (j * ldc)], i, j);
                Assert.That(d[i + (j * ldd)], Is.EqualTo(expected[i + (j * ldc)]).Within(tolerance), $"D[{i},{j}]");
            }
            Assert.That(float.IsNaN(d[m + (j * ldd)]), "D's padding row is not written");
        }
        Assert.That(Context.Device.Download<float>(pc, c.Length), Is.EqualTo(c.Select(v => (float)v).ToArray()), "C is only read");
    }

    private static readonly Epilogue[] Epilogues = [Epilogue.Default, Epilogue.Relu, Epilogue.Bias, Epilogue.ReluBias, Epilogue.Gelu, Epilogue.GeluBias];

    [Test]
    public void EveryEpilogueAppliesBiasThenActivation([ValueSource(nameof(EpilogueValues))] int epilogueValue)
    {
        var epilogue = (Epilogue)epilogueValue;
        var random = new Random(7 + epilogueValue);
        const int m = 5, n = 6, k = 3;
        double[] a = [.. BlasReference.RandomFloats(random, m * k).Select(v => 2 * v)];
        double[] b = [.. BlasReference.RandomFloats(random, k * n).Select(v => 2 * v)];
        double[] c = BlasReference.RandomFloats(random, m * n);
        double[] bias = BlasReference.RandomFloats(random, m);
        bool hasBias = (epilogueValue & 4) != 0;
        IntPtr desc = Lt.Desc(epilogue: epilogue, bias: hasBias ? Upload(bias) : null);
        ulong pd = Context.Device.Allocate(m * n * sizeof(float));
        Assert.That(Lt.Matmul(desc, 1, Upload(a), Lt.Layout(F32, m, k, m), Upload(b), Lt.Layout(F32, k, n, k), 0.5,
            Upload(c), Lt.Layout(F32, m, n, m), pd, Lt.Layout(F32, m, n, m)), Is.EqualTo(BlasStatus.Success));
        double[] linear = BlasReference.Gemm(false, false, m, n, k, 1, a, m, b, k, 0.5, c, m);
        float[] d = Context.Device.Download<float>(pd, m * n);
        int negatives = 0;
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                double x = linear[i + (j * m)] + (hasBias ? bias[i] : 0);
                if (x < 0) negatives++;
                double expected = (epilogueValue & 2) != 0 ? Math.Max(x, 0) : (epilogueValue & 32) != 0 ? GeluTanh(x) : x;
                Assert.That(d[i + (j * m)], Is.EqualTo(expected).Within(1e-5), $"{epilogue} D[{i},{j}]");
            }
        }
        Assert.That(negatives, Is.GreaterThan(3), "the inputs exercise the activation's negative side");
    }

    private static IEnumerable<int> EpilogueValues() => Epilogues.Select(e => (int)e);

    // The tanh form, written out: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    private static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));

    [Test]
    public void GeluIsTheTanhApproximationNotTheErfForm()
    {
        // gelu_tanh(1) = 0.841191990607..., gelu_erf(1) = 0.841344746068...: 1.5e-4 apart, far above float rounding.
        IntPtr desc = Lt.Desc(epilogue: Epilogue.Gelu);
        ulong pd = Context.Device.Allocate(2 * sizeof(float));
        IntPtr row = Lt.Layout(F32, 1, 2, 1), one = Lt.Layout(F32, 1, 1, 1);
        Assert.That(Lt.Matmul(desc, 1, Context.Device.Upload<float>([1f]), one, Context.Device.Upload<float>([1f, -1f]), row, 0,
            0, row, pd, row), Is.EqualTo(BlasStatus.Success));
        float[] d = Context.Device.Download<float>(pd, 2);
        Assert.That(d[0], Is.EqualTo(0.8411919906).Within(2e-7));
        Assert.That(d[1], Is.EqualTo(-0.1588080094).Within(2e-7));
    }

    [Test]
    public void RowOrderLayoutsReadAndWriteByRows()
    {
        // Row-major A (2x3), B (3x2) and D (2x2): D = A B.
        IntPtr desc = Lt.Desc();
        ulong a = Context.Device.Upload<float>([1, 2, 3, 4, 5, 6]);
        ulong b = Context.Device.Upload<float>([1, -1, 0, 2, 1, 0]);
        ulong d = Context.Device.Allocate(4 * sizeof(float));
        IntPtr la = Lt.Layout(F32, 2, 3, 3, order: 1), lb = Lt.Layout(F32, 3, 2, 2, order: 1), ld = Lt.Layout(F32, 2, 2, 2, order: 1);
        Assert.That(Lt.Matmul(desc, 1, a, la, b, lb, 0, 0, ld, d, ld), Is.EqualTo(BlasStatus.Success));
        // [1 2 3; 4 5 6] [1 -1; 0 2; 1 0] = [4 3; 10 6]
        Assert.That(Context.Device.Download<float>(d, 4), Is.EqualTo(new float[] { 4, 3, 10, 6 }));
    }

    [Test]
    public void StridedBatchesWithABatchedBias()
    {
        const int m = 2, n = 2, k = 1, batches = 3;
        ulong a = Context.Device.Upload<float>([1, 2, 3, 4, 5, 6]);           // batch stride 2 (m x k = 2 x 1)
        ulong b = Context.Device.Upload<float>([1, 10, 2, 20, 3, 30]);        // batch stride 2 (1 x 2)
        ulong bias = Context.Device.Upload<float>([100, 200, 0, 0, 300, 400, 0, 0, 500, 600]); // batch stride 4
        ulong d = Context.Device.Allocate(batches * 5 * sizeof(float));       // batch stride 5 (one gap element)
        IntPtr desc = Lt.Desc(epilogue: Epilogue.Bias, bias: bias, biasBatchStride: 4);
        IntPtr la = Lt.Layout(F32, m, k, m, batch: batches, stride: 2), lb = Lt.Layout(F32, k, n, k, batch: batches, stride: 2);
        IntPtr lc = Lt.Layout(F32, m, n, m, batch: batches, stride: 5);
        Assert.That(Lt.Matmul(desc, 1, a, la, b, lb, 0, 0, lc, d, lc), Is.EqualTo(BlasStatus.Success));
        float[] got = Context.Device.Download<float>(d, batches * 5);
        Assert.Multiple(() =>
        {
            Assert.That(got[0..4], Is.EqualTo(new float[] { 101, 202, 110, 220 }));
            Assert.That(got[5..9], Is.EqualTo(new float[] { 306, 408, 360, 480 }));
            Assert.That(got[10..14], Is.EqualTo(new float[] { 515, 618, 650, 780 }));
            Assert.That(float.IsNaN(got[4]) && float.IsNaN(got[9]), "gaps between batches stay untouched");
        });
    }

    [Test]
    public void BiasTakesDsTypeUnlessBiasDataTypeSaysTheScaleType()
    {
        ulong a = Context.Device.Upload<Half>([(Half)1f, (Half)2f]);       // 2 x 1
        ulong b = Context.Device.Upload<Half>([(Half)3f]);                 // 1 x 1
        IntPtr la = Lt.Layout(BlasDataType.Float16, 2, 1, 2), lb = Lt.Layout(BlasDataType.Float16, 1, 1, 1), ld = Lt.Layout(BlasDataType.Float16, 2, 1, 2);

        ulong halfBias = Context.Device.Upload<Half>([(Half)0.5f, (Half)(-1f)]);
        ulong d1 = Context.Device.Allocate(4);
        Assert.That(Lt.Matmul(Lt.Desc(epilogue: Epilogue.Bias, bias: halfBias), 1, a, la, b, lb, 0, 0, ld, d1, ld), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<Half>(d1, 2).Select(h => (float)h), Is.EqualTo((float[])[3.5f, 5f]));

        ulong floatBias = Context.Device.Upload<float>([0.25f, -2f]);
        ulong d2 = Context.Device.Allocate(4);
        Assert.That(Lt.Matmul(Lt.Desc(epilogue: Epilogue.Bias, bias: floatBias, biasType: F32), 1, a, la, b, lb, 0, 0, ld, d2, ld),
            Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<Half>(d2, 2).Select(h => (float)h), Is.EqualTo((float[])[3.25f, 4f]));

        Assert.That(Lt.Matmul(Lt.Desc(epilogue: Epilogue.Bias, bias: floatBias, biasType: BlasDataType.Float64), 1, a, la, b, lb, 0, 0, ld, d2, ld),
            Is.EqualTo(BlasStatus.NotSupported), "a bias type that is neither D's nor the scale type");
    }

    [Test]
    public void BetaZeroNeverReadsCSoCMayBeNullOrNaN()
    {
        IntPtr desc = Lt.Desc();
        IntPtr one = Lt.Layout(F32, 1, 1, 1);
        ulong a = Context.Device.Upload<float>([3f]), b = Context.Device.Upload<float>([-2f]);
        ulong nanC = Context.Device.Allocate(4), d = Context.Device.Allocate(4);
        Assert.That(Lt.Matmul(desc, 1, a, one, b, one, 0, nanC, one, d, one), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(d, 1)[0], Is.EqualTo(-6f));
        Assert.That(Lt.Matmul(desc, 2, a, one, b, one, 0, 0, one, d, one), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(d, 1)[0], Is.EqualTo(-12f));
        Assert.That(Context.Faults, Is.Empty);
    }

    [Test]
    public void FastTf32ComputeRoundsInputs()
    {
        IntPtr desc = Lt.Desc(compute: BlasComputeType.Float32FastTf32);
        IntPtr one = Lt.Layout(F32, 1, 1, 1);
        ulong a = Context.Device.Upload<float>([1f + MathF.Pow(2, -11) + MathF.Pow(2, -12)]), b = Context.Device.Upload<float>([1f]);
        ulong d = Context.Device.Allocate(4);
        Assert.That(Lt.Matmul(desc, 1, a, one, b, one, 0, 0, one, d, one), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(d, 1)[0], Is.EqualTo(1f + MathF.Pow(2, -10)));
    }

    [Test]
    public void DoublePrecisionMatmul()
    {
        IntPtr desc = Lt.Desc(compute: BlasComputeType.Float64, scale: BlasDataType.Float64);
        IntPtr one = Lt.Layout(BlasDataType.Float64, 1, 1, 1);
        ulong a = Context.Device.Upload<double>([1 + 1e-12]), b = Context.Device.Upload<double>([3]);
        ulong d = Context.Device.Allocate(8);
        Assert.That(Lt.Matmul(desc, 1, a, one, b, one, 0, 0, one, d, one, doubleScalars: true), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<double>(d, 1)[0], Is.EqualTo(3 + 3e-12).Within(1e-15));
    }

    [Test]
    public void HeuristicOffersOneAlgorithmWithoutWorkspace()
    {
        IntPtr desc = Lt.Desc(epilogue: Epilogue.Relu);
        IntPtr l = Lt.Layout(F32, 4, 4, 4);
        var results = stackalloc LtHeuristicResult[3];
        int returned = -1;
        Assert.That(CublasLtEmulator.AlgoGetHeuristic(Lt.Handle, desc, l, l, l, l, Lt.Preference(1 << 20), 3, results, &returned),
            Is.EqualTo(BlasStatus.Success));
        Assert.That(returned, Is.EqualTo(1));
        Assert.That((results[0].State, results[0].WorkspaceSize, results[0].WavesCount), Is.EqualTo((0, (nuint)0, 1f)));
        Assert.That(sizeof(LtHeuristicResult), Is.EqualTo(96), "cublasLtMatmulHeuristicResult_t: 64 + 8 + 4 + 4 + 16 bytes");

        Assert.That(CublasLtEmulator.AlgoGetHeuristic(Lt.Handle, desc, l, l, l, l, Lt.Preference(), 0, results, &returned),
            Is.EqualTo(BlasStatus.InvalidValue), "requestedAlgoCount must be positive");
        IntPtr half = Lt.Layout(BlasDataType.Float16, 4, 4, 4);
        Assert.That(CublasLtEmulator.AlgoGetHeuristic(Lt.Handle, desc, l, l, half, half, Lt.Preference(), 1, results, &returned),
            Is.EqualTo(BlasStatus.NotSupported), "32F inputs with 16F output");
        Assert.That(returned, Is.Zero);
    }

    [Test]
    public void ADPastItsAllocationFaults()
    {
        IntPtr desc = Lt.Desc();
        IntPtr l = Lt.Layout(F32, 2, 2, 2);
        ulong a = Context.Device.Upload<float>([1, 2, 3, 4]), b = Context.Device.Upload<float>([1, 0, 0, 1]);
        ulong d = Context.Device.Allocate(3 * sizeof(float));
        Assert.That(Lt.Matmul(desc, 1, a, l, b, l, 0, 0, l, d, l), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Faults, Has.Count.EqualTo(1));
        Assert.That(Context.Faults[0].Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
        Assert.That(Context.Faults[0].Message, Does.Contain("matrix D").And.Contain("write"));
        Assert.That(Context.Work.Single().Name, Is.EqualTo("cublasLtMatmul"));
    }

    [Test]
    public void MatmulRunsOnTheGivenStream()
    {
        IntPtr desc = Lt.Desc();
        IntPtr one = Lt.Layout(F32, 1, 1, 1);
        ulong a = Context.Device.Upload<float>([1f]), d = Context.Device.Allocate(4);
        Assert.That(Lt.Matmul(desc, 1, a, one, a, one, 0, 0, one, d, one, stream: new IntPtr(0x99)), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Work, Is.EqualTo(new[] { (new IntPtr(0x99), "cublasLtMatmul") }));
        Assert.That(Lt.Matmul(desc, 1, a, one, a, one, 0, 0, one, d, one, stream: FakeBlasContext.BadStream), Is.EqualTo(BlasStatus.ExecutionFailed));
    }

    private ulong Upload(double[] values) => Context.Device.Upload<float>([.. values.Select(v => (float)v)]);
}
