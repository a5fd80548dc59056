using CudaTensor.Native;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// cuBLAS and cuBLASLt through the library's own binding (Native.Cublas, Native.CublasLt). On the virtual device
/// (CUDATENSOR_VIRTUAL_DEVICE=1) this runs the [LibraryImport] declarations, the shims, the emulator and the
/// emulated driver's memory and streams, so a wrong managed declaration fails here. On a real GPU the same
/// assertions hold the emulator's semantic choices (TF32 rounding, the GELU form, the validation status) against
/// the real libraries. Skipped when no CUDA device, real or virtual, is usable.
/// </summary>
[TestFixture]
[NonParallelizable]
public unsafe class BlasNativePathTests
{
    private PrimaryContextHandle context = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        if (!CudaTensor.Cuda.IsAvailable)
        {
            Assert.Ignore($"No CUDA device ({CudaTensor.Cuda.UnavailableReason}); CUDATENSOR_VIRTUAL_DEVICE=1 runs these against the emulated cuBLAS.");
        }
        Driver.Init();
        context = Driver.RetainPrimaryContext(Driver.GetDevice(0));
    }

    [OneTimeTearDown]
    public void OneTimeTearDown() => context?.Dispose();

    [SetUp]
    public void SetUp() => context.MakeCurrent(); // NUnit may run each test on another thread

    private static bool Virtual => LibraryResolver.IsVirtualDeviceRequested;

    [Test]
    public void VersionIs13OnTheVirtualDevice()
        => Assert.That(Cublas.TryGetVersion(), Virtual ? Is.EqualTo(130000) : Is.GreaterThanOrEqualTo(110000));

    [Test]
    public void SgemmWithTransposesAndPaddedLeadingDimensions()
    {
        var random = new Random(3);
        const int m = 5, n = 4, k = 6, lda = k + 1, ldb = n + 2, ldc = m + 3;   // op(A) = A^T (A is k x m), op(B) = B^T
        double[] a = BlasReference.RandomFloats(random, lda * m);
        double[] b = BlasReference.RandomFloats(random, ldb * k);
        double[] c = BlasReference.RandomFloats(random, ldc * n);
        using CublasHandle blas = Cublas.Create();
        using DeviceBuffer da = Upload(a), db = Upload(b), dc = Upload(c);
        Cublas.Sgemm(blas, CublasOperation.Transpose, CublasOperation.Transpose, m, n, k, 0.5f, da.Pointer, lda, db.Pointer, ldb, 2f, dc.Pointer, ldc);
        float[] actual = Download(dc, c.Length);
        double[] expected = BlasReference.Gemm(true, true, m, n, k, 0.5, a, lda, b, ldb, 2, c, ldc);
        Assert.That(actual, Is.EqualTo(expected.Select(v => (float)v).ToArray()).Within(1e-5));
    }

    [Test]
    public void DgemmInDoublePrecision()
    {
        using CublasHandle blas = Cublas.Create();
        using var da = new DeviceBuffer(8);
        using var db = new DeviceBuffer(8);
        using var dc = new DeviceBuffer(8);
        Driver.CopyToDevice<double>(da.Pointer, [1 + 1e-12]);
        Driver.CopyToDevice<double>(db.Pointer, [3]);
        Cublas.Dgemm(blas, CublasOperation.None, CublasOperation.None, 1, 1, 1, 1, da.Pointer, 1, db.Pointer, 1, 0, dc.Pointer, 1);
        var c = new double[1];
        Driver.CopyToHost<double>(c, dc.Pointer);
        Assert.That(c[0], Is.EqualTo(3 + 3e-12).Within(1e-15));
    }

    [Test]
    public void StridedBatchedExOnAStreamAsTheBackendCallsIt()
    {
        // Two 1x1 products in one call, on a non-blocking stream.
        using CublasHandle blas = Cublas.Create();
        using StreamHandle stream = Driver.CreateStream();
        using var da = new DeviceBuffer(8);
        using var db = new DeviceBuffer(8);
        using var dc = new DeviceBuffer(8);
        Driver.CopyToDevice<float>(da.Pointer, [1.5f, 2f]);
        Driver.CopyToDevice<float>(db.Pointer, [1f, 3f]);
        // Those copies are legacy-stream work, which a non-blocking stream does not wait for: order them first.
        Driver.SynchronizeContext();
        float alpha = 1, beta = 0;
        Cublas.SetStream(blas, stream.DangerousGetHandle());
        Cublas.GemmStridedBatchedEx(blas, CublasOperation.None, CublasOperation.None, 1, 1, 1, (IntPtr)(&alpha),
            da.Pointer, CudaDataType.Float32, 1, 1, db.Pointer, CudaDataType.Float32, 1, 1, (IntPtr)(&beta),
            dc.Pointer, CudaDataType.Float32, 1, 1, 2, CublasComputeType.Float32);
        Driver.SynchronizeStream(stream.DangerousGetHandle());
        Assert.That(Download(dc, 2), Is.EqualTo((float[])[1.5f, 6f]));
    }

    // 256 x 256 x 256 (large enough that cuBLAS takes its tensor-core path when TF32 is allowed) with every A element
    // v and every B element 1: each D element is 256 * tf32(v), exact in float whatever the summation order.
    // v = 1 + 2^-11 + 2^-12 tells rounding to nearest (256.25) from truncation (256) and from no rounding (256.1875);
    // v = 1 + 2^-11, a tie, tells ties away from zero (256.25, cvt.rna) from ties to even (256).
    [TestCase(1 + (1.0 / 2048) + (1.0 / 4096), 256.25f)]
    [TestCase(1 + (1.0 / 2048), 256.25f)]
    public void Tf32RoundsInputsToNearestTiesAway(double v, float expected)
    {
        const int size = 256;
        using CublasHandle blas = Cublas.Create();
        using DeviceBuffer da = Upload(Enumerable.Repeat((float)v, size * size).ToArray());
        using DeviceBuffer db = Upload(Enumerable.Repeat(1f, size * size).ToArray());
        using var dc = new DeviceBuffer(size * size * sizeof(float));
        float alpha = 1, beta = 0;
        Cublas.GemmStridedBatchedEx(blas, CublasOperation.None, CublasOperation.None, size, size, size, (IntPtr)(&alpha),
            da.Pointer, CudaDataType.Float32, size, 0, db.Pointer, CudaDataType.Float32, size, 0, (IntPtr)(&beta),
            dc.Pointer, CudaDataType.Float32, size, 0, 1, CublasComputeType.Float32FastTf32);
        float[] d = Download(dc, size * size);
        Assert.That(d.Distinct().ToArray(), Is.EqualTo(new[] { expected }),
            $"v = {v:R}: 256.25 is round to nearest (ties away), 256 truncation or ties to even, {256 * (float)v:R} no TF32 rounding");
    }

    [Test]
    public void ABadLeadingDimensionIsCublasInvalidValue()
    {
        using CublasHandle blas = Cublas.Create();
        var e = Assert.Throws<CublasException>(() => Cublas.Sgemm(blas, CublasOperation.None, CublasOperation.None, 4, 4, 4, 1f, 0, 3, 0, 4, 0f, 0, 4))!;
        Assert.That(e.Status, Is.EqualTo(CublasStatus.CUBLAS_STATUS_INVALID_VALUE));
        if (Virtual) Assert.That(e.Message, Does.Contain("Virtual device: cublasSgemm_v2: lda = 3 < max(1, 4)"));
    }

    [Test]
    public void LtGeluBiasMatmul()
    {
        // D (2x3) = gelu(A (2x2) B (2x3) + bias), column-major.
        float[] a = [1, -1, 0.5f, 2];        // A = [1 0.5; -1 2]
        float[] b = [1, 0, 0, 1, 1, 1];      // B = [1 0 1; 0 1 1]
        float[] bias = [0.25f, -0.5f];
        using CublasLtHandle lt = CublasLt.Create();
        using CublasLtMatmulDescHandle desc = CublasLt.CreateMatmulDesc(CublasComputeType.Float32, CudaDataType.Float32);
        using DeviceBuffer da = Upload(a), db = Upload(b), dbias = Upload(bias);
        using var dd = new DeviceBuffer(6 * sizeof(float));
        CublasLt.SetEpilogue(desc, CublasLtEpilogue.GeluBias);
        CublasLt.SetBias(desc, dbias.Pointer);
        using CublasLtMatrixLayoutHandle la = CublasLt.CreateMatrixLayout(CudaDataType.Float32, 2, 2, 2);
        using CublasLtMatrixLayoutHandle lb = CublasLt.CreateMatrixLayout(CudaDataType.Float32, 2, 3, 2);
        using CublasLtMatrixLayoutHandle ld = CublasLt.CreateMatrixLayout(CudaDataType.Float32, 2, 3, 2);
        using CublasLtPreferenceHandle preference = CublasLt.CreatePreference(1 << 20);
        CublasLtHeuristicResult heuristic = CublasLt.GetHeuristic(lt, desc, la, lb, ld, ld, preference);
        Assert.That(heuristic.WorkspaceSize, Is.EqualTo((nuint)0));
        float alpha = 1, beta = 0;
        CublasLt.Matmul(lt, desc, (IntPtr)(&alpha), da.Pointer, la, db.Pointer, lb, (IntPtr)(&beta), dd.Pointer, ld, dd.Pointer, ld,
            heuristic.Algo, 0, 0, IntPtr.Zero);
        float[] d = Download(dd, 6);
        // A B = [1 0.5 1.5; -1 2 1]; + bias = [1.25 0.75 1.75; -1.5 1.5 0.5].
        double[] linear = [1.25, -1.5, 0.75, 1.5, 1.75, 0.5];
        for (int i = 0; i < 6; i++)
        {
            double x = linear[i];
            double gelu = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));
            Assert.That(d[i], Is.EqualTo(gelu).Within(1e-6), $"D[{i}]");
        }
    }

    private static DeviceBuffer Upload(double[] values) => Upload([.. values.Select(v => (float)v)]);

    private static DeviceBuffer Upload(float[] values)
    {
        var buffer = new DeviceBuffer((ulong)values.Length * sizeof(float));
        Driver.CopyToDevice<float>(buffer.Pointer, values);
        return buffer;
    }

    private static float[] Download(DeviceBuffer buffer, int count)
    {
        var values = new float[count];
        Driver.CopyToHost<float>(values, buffer.Pointer); // the legacy-stream copy waits for the work before it
        return values;
    }
}
