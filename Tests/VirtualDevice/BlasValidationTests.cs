using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The emulated cuBLAS rejects what cuBLAS documents as invalid (INVALID_VALUE), reports type combinations it
/// does not support (NOT_SUPPORTED) and unknown handles (NOT_INITIALIZED) — and enqueues nothing when it does.
/// </summary>
[TestFixture]
public unsafe class BlasValidationTests : CublasFixture
{
    private const int F32 = (int)BlasDataType.Float32;
    private const int F64 = (int)BlasDataType.Float64;
    private const int F16 = (int)BlasDataType.Float16;

    // The base call is 4x3x5 with op N/N, lda 4, ldb 5, ldc 4, compute 32F.
    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, Func<GemmCall, GemmCall> change, BlasStatus expected)
            => new TestCaseData(change, (int)expected).SetName(name);

        yield return Case("m < 0", c => c with { M = -1 }, BlasStatus.InvalidValue);
        yield return Case("n < 0", c => c with { N = -1 }, BlasStatus.InvalidValue);
        yield return Case("k < 0", c => c with { K = -1 }, BlasStatus.InvalidValue);
        yield return Case("batchCount < 0", c => c with { BatchCount = -1 }, BlasStatus.InvalidValue);
        yield return Case("transa is CONJG (3)", c => c with { TransA = 3 }, BlasStatus.InvalidValue);
        yield return Case("transb is -1", c => c with { TransB = -1 }, BlasStatus.InvalidValue);
        yield return Case("lda < m for op N", c => c with { Lda = 3 }, BlasStatus.InvalidValue);
        yield return Case("lda < k for op T", c => c with { TransA = 1, Lda = 4 }, BlasStatus.InvalidValue);
        yield return Case("ldb < k for op N", c => c with { Ldb = 4 }, BlasStatus.InvalidValue);
        yield return Case("ldb < n for op T", c => c with { TransB = 1, Ldb = 2 }, BlasStatus.InvalidValue);
        yield return Case("ldc < m", c => c with { Ldc = 3 }, BlasStatus.InvalidValue);
        yield return Case("lda 0 with m 0 (at least 1)", c => c with { M = 0, Lda = 0, Ldc = 1 }, BlasStatus.InvalidValue);
        yield return Case("alpha NULL", c => c with { NullAlpha = true }, BlasStatus.InvalidValue);
        yield return Case("beta NULL", c => c with { NullBeta = true }, BlasStatus.InvalidValue);
        yield return Case("algo not a cublasGemmAlgo_t", c => c with { Algo = 50 }, BlasStatus.InvalidValue);
        yield return Case("computeType not a cublasComputeType_t", c => c with { ComputeType = 0 }, BlasStatus.InvalidValue);
        yield return Case("Atype differs from Btype", c => c with { TypeB = F16 }, BlasStatus.NotSupported);
        yield return Case("64F data with 32F compute", c => c with { TypeA = F64, TypeB = F64, TypeC = F64 }, BlasStatus.NotSupported);
        yield return Case("32F data with 64F compute", c => c with { ComputeType = (int)BlasComputeType.Float64 }, BlasStatus.NotSupported);
        yield return Case("TF32 compute with half data", c => c with { TypeA = F16, TypeB = F16, ComputeType = (int)BlasComputeType.Float32FastTf32 }, BlasStatus.NotSupported);
        yield return Case("complex CUDA_C_32F", c => c with { TypeA = 4, TypeB = 4, TypeC = 4 }, BlasStatus.NotSupported);
        yield return Case("32I compute (int8 -> int32)", c => c with { TypeA = 3, TypeB = 3, TypeC = 10, ComputeType = (int)BlasComputeType.Int32 }, BlasStatus.NotSupported);
        yield return Case("unknown handle", c => c with { Handle = new IntPtr(0x1234) }, BlasStatus.NotInitialized);
        yield return Case("m = 0 is a valid no-op", c => c with { M = 0, Lda = 1, Ldc = 1 }, BlasStatus.Success);
        yield return Case("batchCount = 0 is a valid no-op", c => c with { BatchCount = 0 }, BlasStatus.Success);
        yield return Case("ALGO5_TENSOR_OP is accepted", c => c with { Algo = 105, M = 0, Lda = 1, Ldc = 1 }, BlasStatus.Success);
    }

    [TestCaseSource(nameof(Cases))]
    public void GemmArgument(object change, int expected)
    {
        GemmCall call = ((Func<GemmCall, GemmCall>)change)(new GemmCall { Handle = BlasHandle });
        Assert.That(call.Invoke(), Is.EqualTo((BlasStatus)expected));
        Assert.That(Context.Work, Is.Empty, "a rejected or empty call enqueues nothing");
    }

    [Test]
    public void ARejectionSaysWhyWithTheNumbers()
    {
        Assert.That(new GemmCall { Handle = BlasHandle, Lda = 3 }.Invoke(), Is.EqualTo(BlasStatus.InvalidValue));
        Assert.That(BlasFailure.LastErrorDetail((int)BlasStatus.InvalidValue), Is.EqualTo("test: lda = 3 < max(1, 4), the rows of A as stored (transa = 0)"));
        Assert.That(BlasFailure.LastErrorDetail((int)BlasStatus.NotSupported), Is.Null, "the detail belongs to the status it explains");
        Assert.That(new GemmCall { Handle = BlasHandle, TypeB = F16 }.Invoke(), Is.EqualTo(BlasStatus.NotSupported));
        Assert.That(BlasFailure.LastErrorDetail((int)BlasStatus.NotSupported), Does.Contain("Atype 0, Btype 2, Ctype 0"));
    }

    [Test]
    public void CreateWithoutACurrentContextIsNotInitialized()
    {
        IntPtr h = new(7);
        Assert.That(CublasEmulator.Create(null, &h), Is.EqualTo(BlasStatus.NotInitialized));
        Assert.That(CublasEmulator.Create(Context, null), Is.EqualTo(BlasStatus.InvalidValue));
    }

    [Test]
    public void ADestroyedHandleIsNotInitialized()
    {
        IntPtr h;
        Assert.That(CublasEmulator.Create(Context, &h), Is.EqualTo(BlasStatus.Success));
        Assert.That(CublasEmulator.Destroy(h), Is.EqualTo(BlasStatus.Success));
        Assert.That(CublasEmulator.Destroy(h), Is.EqualTo(BlasStatus.NotInitialized));
        Assert.That(CublasEmulator.SetStream(h, IntPtr.Zero), Is.EqualTo(BlasStatus.NotInitialized));
        Assert.That(new GemmCall { Handle = h }.Invoke(), Is.EqualTo(BlasStatus.NotInitialized));
    }

    [TestCase(0, true)]
    [TestCase(2, true)]
    [TestCase(3 | 16, true)]
    [TestCase(4, false)]
    [TestCase(-1, false)]
    public void MathMode(int mode, bool valid)
    {
        BlasStatus expected = valid ? BlasStatus.Success : BlasStatus.InvalidValue;
        Assert.That(CublasEmulator.SetMathMode(BlasHandle, mode), Is.EqualTo(expected));
        int got;
        Assert.That(CublasEmulator.GetMathMode(BlasHandle, &got), Is.EqualTo(BlasStatus.Success));
        Assert.That(got, Is.EqualTo(expected == BlasStatus.Success ? mode : 0));
    }

    [Test]
    public void PointerModeAcceptsHostAndDeviceOnly()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CublasEmulator.SetPointerMode(BlasHandle, 1), Is.EqualTo(BlasStatus.Success));
            Assert.That(CublasEmulator.SetPointerMode(BlasHandle, 2), Is.EqualTo(BlasStatus.InvalidValue));
        });
    }

    [Test]
    public void AStreamTheDriverRejectsIsAnExecutionFailure()
    {
        ulong a = Context.Device.Upload<float>(new float[20]);
        ulong b = Context.Device.Upload<float>(new float[15]);
        ulong c = Context.Device.Upload<float>(new float[12]);
        Assert.That(CublasEmulator.SetStream(BlasHandle, FakeBlasContext.BadStream), Is.EqualTo(BlasStatus.Success));
        Assert.That(new GemmCall { Handle = BlasHandle, A = a, B = b, C = c }.Invoke(), Is.EqualTo(BlasStatus.ExecutionFailed));
    }
}
