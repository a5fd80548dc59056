using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The emulated cuBLAS GEMMs against a double-precision reference: every op pair, padded leading dimensions,
/// alpha/beta, strided batches, what beta = 0 and alpha = 0 must not read, TF32 and half inputs, device pointer
/// mode, stream order, and an operand outside its allocation.
/// </summary>
[TestFixture]
public unsafe class BlasGemmTests : CublasFixture
{
    // cublasOperation_t N, T, C (C is T for real data).
    private static readonly int[] Ops = [0, 1, 2];

    [Test]
    public void SgemmMatchesReference([ValueSource(nameof(Ops))] int opA, [ValueSource(nameof(Ops))] int opB)
        => CheckAgainstReference((BlasOperation)opA, (BlasOperation)opB, f64: false, seed: 1 + (opA * 3) + opB);

    [Test]
    public void DgemmMatchesReference([ValueSource(nameof(Ops))] int opA, [ValueSource(nameof(Ops))] int opB)
        => CheckAgainstReference((BlasOperation)opA, (BlasOperation)opB, f64: true, seed: 11 + (opA * 3) + opB);

    // m x n x k = 7 x 5 x 9 with every leading dimension padded by 2-3 rows; padding must stay untouched.
    private void CheckAgainstReference(BlasOperation opA, BlasOperation opB, bool f64, int seed)
    {
        var random = new Random(seed);
        const int m = 7, n = 5, k = 9;
        bool tA = opA != BlasOperation.None, tB = opB != BlasOperation.None;
        int lda = (tA ? k : m) + 2, ldb = (tB ? n : k) + 3, ldc = m + 2;
        double[] a = BlasReference.RandomFloats(random, lda * (tA ? m : k));
        double[] b = BlasReference.RandomFloats(random, ldb * (tB ? k : n));
        double[] c = BlasReference.RandomFloats(random, ldc * n);
        const double alpha = 1.5, beta = -0.75;
        var call = new GemmCall
        {
            Handle = BlasHandle, TransA = (int)opA, TransB = (int)opB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = Upload(a, f64), Lda = lda, B = Upload(b, f64), Ldb = ldb, C = Upload(c, f64), Ldc = ldc,
            TypeA = Type(f64), TypeB = Type(f64), TypeC = Type(f64), ComputeType = null,
        };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        double[] actual = Download(call.C, c.Length, f64);
        double[] expected = BlasReference.Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        double epsilon = f64 ? Math.Pow(2, -53) : Math.Pow(2, -24);
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < ldc; i++)
            {
                int index = i + (j * ldc);
                if (i >= m)
                {
                    Assert.That(actual[index], Is.EqualTo(c[index]), $"padding row {i} of column {j} was written");
                    continue;
                }
                double tolerance = BlasReference.Tolerance(epsilon, tA, tB, k, alpha, a, lda, b, ldb, beta, c[index], i, j);
                Assert.That(actual[index], Is.EqualTo(expected[index]).Within(tolerance), $"C[{i},{j}]");
            }
        }
        Assert.That(Context.Work, Has.Count.EqualTo(1));
        Assert.That(Context.Faults, Is.Empty);
    }

    [Test]
    public void BetaZeroNeverReadsCEvenWhenItHoldsNaN()
    {
        // Fresh allocations are NaN bytes: C is never written before the product.
        ulong a = Context.Device.Upload<float>([1, 2, 3, 4]);          // 2x2, column-major
        ulong b = Context.Device.Upload<float>([5, 6, 7, 8]);
        ulong c = Context.Device.Allocate(4 * sizeof(float));
        Assert.That(float.IsNaN(Context.Device.Download<float>(c, 1)[0]));
        var call = new GemmCall { Handle = BlasHandle, M = 2, N = 2, K = 2, Lda = 2, Ldb = 2, Ldc = 2, A = a, B = b, C = c, Alpha = 2, Beta = 0 };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        // A = [1 3; 2 4], B = [5 7; 6 8]: AB = [23 31; 34 46], times 2.
        Assert.That(Context.Device.Download<float>(c, 4), Is.EqualTo(new float[] { 46, 68, 62, 92 }));
    }

    [Test]
    public void AlphaZeroSkipsTheProductAndScalesC()
    {
        ulong a = Context.Device.Allocate(4 * sizeof(float));          // NaN: must not be read
        ulong b = Context.Device.Allocate(4 * sizeof(float));
        ulong c = Context.Device.Upload<float>([1, -2, 3, 0.5f]);
        var call = new GemmCall { Handle = BlasHandle, M = 2, N = 2, K = 2, Lda = 2, Ldb = 2, Ldc = 2, A = a, B = b, C = c, Alpha = 0, Beta = 3 };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(c, 4), Is.EqualTo(new float[] { 3, -6, 9, 1.5f }));
    }

    [Test]
    public void AlphaZeroBetaOneIsAQuickReturn()
    {
        ulong c = Context.Device.Upload<float>([1, 2, 3, 4]);
        var call = new GemmCall { Handle = BlasHandle, M = 2, N = 2, K = 2, Lda = 2, Ldb = 2, Ldc = 2, C = c, Alpha = 0, Beta = 1 };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Work, Is.Empty, "nothing to compute, nothing enqueued");
        Assert.That(Context.Device.Download<float>(c, 4), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void KZeroScalesCByBeta()
    {
        ulong c = Context.Device.Upload<float>([1, 2, 3, 4]);
        var call = new GemmCall { Handle = BlasHandle, M = 2, N = 2, K = 0, Lda = 2, Ldb = 1, Ldc = 2, C = c, Alpha = 1, Beta = -1 };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(c, 4), Is.EqualTo(new float[] { -1, -2, -3, -4 }));
    }

    [Test]
    public void StridedBatchesUseEachStrideAndAZeroStrideBroadcasts()
    {
        var random = new Random(5);
        const int m = 3, n = 4, k = 2, batches = 3;
        const int lda = 4, ldb = 2, ldc = 5;
        const long strideA = (lda * k) + 3, strideC = (ldc * n) + 1;   // gaps between the matrices
        double[] a = BlasReference.RandomFloats(random, (int)(strideA * batches));
        double[] b = BlasReference.RandomFloats(random, ldb * n);       // one B for every batch (stride 0)
        double[] c = BlasReference.RandomFloats(random, (int)(strideC * batches));
        var call = new GemmCall
        {
            Handle = BlasHandle, M = m, N = n, K = k, Alpha = -0.5, Beta = 0.25, BatchCount = batches,
            A = Upload(a, false), Lda = lda, StrideA = strideA, B = Upload(b, false), Ldb = ldb, StrideB = 0,
            C = Upload(c, false), Ldc = ldc, StrideC = strideC,
        };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        double[] actual = Download(call.C, c.Length, false);
        for (int batch = 0; batch < batches; batch++)
        {
            double[] aBatch = a.AsSpan((int)(batch * strideA), lda * k).ToArray();
            double[] cBatch = c.AsSpan((int)(batch * strideC), ldc * n).ToArray();
            double[] expected = BlasReference.Gemm(false, false, m, n, k, -0.5, aBatch, lda, b, ldb, 0.25, cBatch, ldc);
            double[] got = actual.AsSpan((int)(batch * strideC), ldc * n).ToArray();
            Assert.That(got, Is.EqualTo(expected).Within(1e-6), $"batch {batch}");
        }
        // The gaps between C matrices stay as they were.
        Assert.That(actual[(int)strideC - 1], Is.EqualTo(c[(int)strideC - 1]));
    }

    [Test]
    public void RowMajorProductThroughSwappedOperandsAsTheBackendCallsIt()
    {
        // Row-major C (m x n) = A (m x k) B (k x n) is column-major C^T = B^T A^T: call with (n, m, k) and B first.
        const int m = 2, n = 3, k = 2;
        float[] aRows = [1, 2, 3, 4];           // [[1, 2], [3, 4]]
        float[] bRows = [1, 0, -1, 2, 1, 0];    // [[1, 0, -1], [2, 1, 0]]
        ulong a = Context.Device.Upload<float>(aRows), b = Context.Device.Upload<float>(bRows);
        ulong c = Context.Device.Allocate(m * n * sizeof(float));
        var call = new GemmCall { Handle = BlasHandle, M = n, N = m, K = k, A = b, Lda = n, B = a, Ldb = k, C = c, Ldc = n };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(c, m * n), Is.EqualTo(new float[] { 5, 2, -1, 11, 4, -3 }));
    }

    // 1 + 2^-11 + 2^-12: the bits below TF32's 10-bit mantissa are 0b11 << 11, more than half an ulp -> rounds up.
    private static readonly float AboveHalf = 1f + MathF.Pow(2, -11) + MathF.Pow(2, -12);

    // 1 + 2^-11: exactly half a TF32 ulp -> ties away from zero (cvt.rna) give 1 + 2^-10.
    private static readonly float Tie = 1f + MathF.Pow(2, -11);

    [TestCase((int)BlasComputeType.Float32FastTf32, 0, true)]
    [TestCase((int)BlasComputeType.Float32, 3, true)]           // CUBLAS_TF32_TENSOR_OP_MATH
    [TestCase((int)BlasComputeType.Float32, 0, false)]
    [TestCase((int)BlasComputeType.Float32Pedantic, 3, false)]  // pedantic ignores the math mode
    public void Tf32RoundsFloatInputsToTenMantissaBits(int computeType, int mathMode, bool rounds)
    {
        Assert.That(CublasEmulator.SetMathMode(BlasHandle, mathMode), Is.EqualTo(BlasStatus.Success));
        ulong a = Context.Device.Upload<float>([AboveHalf, Tie]);   // 1 x 2
        ulong b = Context.Device.Upload<float>([1, 0, 0, 1]);       // identity 2 x 2
        ulong c = Context.Device.Allocate(2 * sizeof(float));
        var call = new GemmCall { Handle = BlasHandle, M = 1, N = 2, K = 2, Lda = 1, Ldb = 2, Ldc = 1, A = a, B = b, C = c, ComputeType = computeType };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        float up = 1f + MathF.Pow(2, -10);
        Assert.That(Context.Device.Download<float>(c, 2), Is.EqualTo(rounds ? new[] { up, up } : new[] { AboveHalf, Tie }));
    }

    [Test]
    public void SgemmFollowsTheTf32MathMode()
    {
        Assert.That(CublasEmulator.SetMathMode(BlasHandle, 3), Is.EqualTo(BlasStatus.Success));
        ulong a = Context.Device.Upload<float>([AboveHalf]);
        ulong b = Context.Device.Upload<float>([1f]);
        ulong c = Context.Device.Allocate(sizeof(float));
        var call = new GemmCall { Handle = BlasHandle, M = 1, N = 1, K = 1, Lda = 1, Ldb = 1, Ldc = 1, A = a, B = b, C = c, ComputeType = null };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(c, 1)[0], Is.EqualTo(1f + MathF.Pow(2, -10)));
    }

    [Test]
    public void TensorOpRoundingHelpersMatchTheirFormats()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ElementAccess.RoundToTf32(-AboveHalf), Is.EqualTo(-(1f + MathF.Pow(2, -10))), "sign-symmetric");
            Assert.That(ElementAccess.RoundToTf32(1f + MathF.Pow(2, -12)), Is.EqualTo(1f), "below half an ulp");
            Assert.That(float.IsNaN(ElementAccess.RoundToTf32(float.NaN)));
            Assert.That(ElementAccess.RoundToTf32(float.PositiveInfinity), Is.EqualTo(float.PositiveInfinity));
            // BF16 keeps 7 mantissa bits, ties to even: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 -> 1.
            Assert.That(ElementAccess.BFloat16ToSingle(ElementAccess.SingleToBFloat16(1f + MathF.Pow(2, -8))), Is.EqualTo(1f));
            Assert.That(ElementAccess.BFloat16ToSingle(ElementAccess.SingleToBFloat16(1f + (3 * MathF.Pow(2, -8)))), Is.EqualTo(1f + MathF.Pow(2, -6)));
        });
    }

    [Test]
    public void HalfAndBFloat16InputsAccumulateInFloat()
    {
        // 2 x 3 times 3 x 1, inputs exactly representable in both formats.
        float[] aValues = [0.5f, -1.25f, 2f, 0.75f, 3f, -0.125f];
        float[] bValues = [1.5f, -2f, 0.25f];
        Half[] aHalf = [.. aValues.Select(v => (Half)v)];
        Half[] bHalf = [.. bValues.Select(v => (Half)v)];
        ushort[] aBf = [.. aValues.Select(ElementAccess.SingleToBFloat16)];
        ushort[] bBf = [.. bValues.Select(ElementAccess.SingleToBFloat16)];
        double[] expected = BlasReference.Gemm(false, false, 2, 1, 3, 1, [.. aValues.Select(v => (double)v)], 2,
            [.. bValues.Select(v => (double)v)], 3, 0, [0, 0], 2);
        foreach (var (type, a, b) in new[]
        {
            (BlasDataType.Float16, Context.Device.Upload<Half>(aHalf), Context.Device.Upload<Half>(bHalf)),
            (BlasDataType.BFloat16, Context.Device.Upload<ushort>(aBf), Context.Device.Upload<ushort>(bBf)),
        })
        {
            ulong c = Context.Device.Allocate(2 * sizeof(float));
            var call = new GemmCall
            {
                Handle = BlasHandle, M = 2, N = 1, K = 3, Lda = 2, Ldb = 3, Ldc = 2, A = a, B = b, C = c,
                TypeA = (int)type, TypeB = (int)type, TypeC = (int)BlasDataType.Float32,
            };
            Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success), type.ToString());
            Assert.That(Context.Device.Download<float>(c, 2), Is.EqualTo(expected.Select(v => (float)v).ToArray()), type.ToString());
        }
    }

    [Test]
    public void HalfOutputIsRoundedOnStore()
    {
        ulong a = Context.Device.Upload<Half>([(Half)1f]);
        ulong b = Context.Device.Upload<Half>([(Half)1f]);
        ulong c = Context.Device.Upload<Half>([(Half)0f]);
        // 1 * 1 * (1 + 2^-11) in float, stored as half (10 mantissa bits): a tie, rounded to even -> 1.
        var call = new GemmCall
        {
            Handle = BlasHandle, M = 1, N = 1, K = 1, Lda = 1, Ldb = 1, Ldc = 1, A = a, B = b, C = c, Alpha = 1 + Math.Pow(2, -11),
            TypeA = (int)BlasDataType.Float16, TypeB = (int)BlasDataType.Float16, TypeC = (int)BlasDataType.Float16,
        };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That((float)Context.Device.Download<Half>(c, 1)[0], Is.EqualTo(1f));
    }

    [Test]
    public void DevicePointerModeReadsAlphaAndBetaWhenTheWorkRuns()
    {
        Assert.That(CublasEmulator.SetPointerMode(BlasHandle, 1), Is.EqualTo(BlasStatus.Success));
        ulong scalars = Context.Device.Upload<float>([2f, 10f]);
        ulong a = Context.Device.Upload<float>([3f]);
        ulong b = Context.Device.Upload<float>([4f]);
        ulong c = Context.Device.Upload<float>([1f]);
        float* alpha = (float*)scalars, beta = (float*)(scalars + sizeof(float));   // device addresses, passed as pointers
        Assert.That(CublasEmulator.Gemm("test", BlasHandle, 0, 0, 1, 1, 1, alpha, a, 0, 1, 0, b, 0, 1, 0, beta, c, 0, 1, 0, 1, null, -1),
            Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Device.Download<float>(c, 1)[0], Is.EqualTo((2f * 12f) + 10f));
    }

    [Test]
    public void WorkGoesToTheHandlesStreamUnderTheCallsName()
    {
        var stream = new IntPtr(0x5000);
        Assert.That(CublasEmulator.SetStream(BlasHandle, stream), Is.EqualTo(BlasStatus.Success));
        IntPtr got;
        Assert.That(CublasEmulator.GetStream(BlasHandle, &got), Is.EqualTo(BlasStatus.Success));
        Assert.That(got, Is.EqualTo(stream));
        ulong a = Context.Device.Upload<float>([1f]), b = Context.Device.Upload<float>([1f]), c = Context.Device.Allocate(4);
        var call = new GemmCall { Handle = BlasHandle, M = 1, N = 1, K = 1, Lda = 1, Ldb = 1, Ldc = 1, A = a, B = b, C = c };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Work, Is.EqualTo(new[] { (stream, "test") }));
    }

    [Test]
    public void AMatrixPastItsAllocationFaultsInStreamOrderAndLeavesCAlone()
    {
        // B is 5 x 3 with ldb 5 (15 floats) but only 14 floats are allocated: its last element is out of bounds.
        ulong a = Context.Device.Upload<float>(new float[20]);
        ulong b = Context.Device.Upload<float>(new float[14]);
        ulong c = Context.Device.Upload<float>(new float[12]);
        var call = new GemmCall { Handle = BlasHandle, A = a, B = b, C = c, Beta = 1 };
        Assert.That(call.Invoke(), Is.EqualTo(BlasStatus.Success), "the fault belongs to the work, as a kernel's would");
        Assert.That(Context.Faults, Has.Count.EqualTo(1));
        Assert.That(Context.Faults[0].Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
        Assert.That(Context.Faults[0].Message, Does.Contain("matrix B").And.Contain("60 bytes"));
        Assert.That(Context.Device.Download<float>(c, 12), Is.All.EqualTo(0f));
    }

    [Test]
    public void AFreedMatrixFaults()
    {
        ulong a = Context.Device.Upload<float>(new float[20]);
        ulong b = Context.Device.Upload<float>(new float[15]);
        ulong c = Context.Device.Upload<float>(new float[12]);
        Context.Device.Free(a);
        Assert.That(new GemmCall { Handle = BlasHandle, A = a, B = b, C = c }.Invoke(), Is.EqualTo(BlasStatus.Success));
        Assert.That(Context.Faults, Has.Count.EqualTo(1));
        Assert.That(Context.Faults[0].Message, Does.Contain("matrix A").And.Contain("freed"));
    }

    [Test]
    public void VersionAndPropertiesReport13()
    {
        int major = 0, minor = -1, patch = -1, version = 0;
        BlasStatus[] statuses =
        [
            CublasEmulator.GetProperty(0, &major),
            CublasEmulator.GetProperty(1, &minor),
            CublasEmulator.GetProperty(2, &patch),
            CublasEmulator.GetVersion(BlasHandle, &version),
        ];
        Assert.That(statuses, Is.All.EqualTo(BlasStatus.Success));
        Assert.That(CublasEmulator.GetProperty(3, &patch), Is.EqualTo(BlasStatus.InvalidValue));
        Assert.That((major, minor, patch, version), Is.EqualTo((13, 0, 0, 130000)));
    }

    private ulong Upload(double[] values, bool f64)
        => f64 ? Context.Device.Upload<double>(values) : Context.Device.Upload<float>([.. values.Select(v => (float)v)]);

    private double[] Download(ulong address, int count, bool f64)
        => f64 ? Context.Device.Download<double>(address, count) : [.. Context.Device.Download<float>(address, count).Select(v => (double)v)];

    private static int Type(bool f64) => (int)(f64 ? BlasDataType.Float64 : BlasDataType.Float32);
}
