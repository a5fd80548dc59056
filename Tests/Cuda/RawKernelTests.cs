using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// <see cref="RawKernel"/> and <see cref="Dim3"/> without a GPU: conversions, the signature parser, every argument check
/// that comes before the device, and compilation through NVRTC alone (errors carry the log; the cache is shared).
/// </summary>
[TestFixture]
public class RawKernelValidationTests
{
    internal const string Saxpy = """
        // y = a * x + y
        extern "C" __global__ void saxpy(float a, const float* __restrict__ x, float* y, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = a * x[i] + y[i];
        }
        """;

    [Test]
    public void Dim3ConvertsFromIntPairAndTriple()
    {
        Dim3 one = 256, two = (16, 8), three = (4, 3, 2);
        Assert.Multiple(() =>
        {
            Assert.That(one, Is.EqualTo(new Dim3(256, 1, 1)));
            Assert.That(two, Is.EqualTo(new Dim3(16, 8, 1)));
            Assert.That(three, Is.EqualTo(new Dim3(4, 3, 2)));
            Assert.That(three.Count, Is.EqualTo(24));
            Assert.That(new Dim3(65536, 65536, 2).Count, Is.EqualTo(8589934592L), "counted in 64 bits");
            Assert.That(two.ToString(), Is.EqualTo("(16, 8, 1)"));
            Assert.That(Dim3.FromValueTuple((2, 3)), Is.EqualTo(new Dim3(2, 3)));
        });
    }

    [TestCase("float a", "Scalar", typeof(float), null)]
    [TestCase("const int n", "Scalar", typeof(int), null)]
    [TestCase("unsigned int n", "Scalar", typeof(uint), null)]
    [TestCase("unsigned", "Scalar", typeof(uint), null)]
    [TestCase("long long count", "Scalar", typeof(long), null)]
    [TestCase("unsigned long long seed", "Scalar", typeof(ulong), null)]
    [TestCase("size_t bytes", "Scalar", typeof(ulong), null)]
    [TestCase("double", "Scalar", typeof(double), null)]
    [TestCase("bool flag", "Scalar", typeof(bool), null)]
    [TestCase("long n", "Other", null, null)]
    [TestCase("short s", "Other", null, null)]
    [TestCase("my_struct s", "Other", null, null)]
    [TestCase("const float* __restrict__ x", "Pointer", null, DType.Float32)]
    [TestCase("double *out", "Pointer", null, DType.Float64)]
    [TestCase("long long* idx", "Pointer", null, DType.Int64)]
    [TestCase("unsigned char* mask", "Pointer", null, DType.Bool)]
    [TestCase("void* p", "Pointer", null, null)]
    [TestCase("float** table", "Pointer", null, null)]
    [TestCase("float* const p", "Pointer", null, DType.Float32)]
    public void ParametersAreClassified(string declaration, string kind, Type? scalar, DType? element)
    {
        KernelParameter p = KernelSignature.Classify(declaration);
        Assert.That((p.Kind.ToString(), p.ScalarType, p.ElementType), Is.EqualTo((kind, scalar, element)));
    }

    [Test]
    public void SignaturesAreFoundDespiteCommentsAndLaunchBounds()
    {
        const string Source = """
            /* __global__ void commented(int a) {} */
            // __global__ void also_commented(int a, int b) {}
            extern "C" {
            __global__ void __launch_bounds__(256) first(const float* x,
                                                         float* y, // output
                                                         int n) {}
            __global__ __launch_bounds__(128, 2) void second() {}
            __global__ void third(void) {}
            }
            template <typename T> __global__ void generic(T* p, int n) {}
            """;
        Assert.Multiple(() =>
        {
            Assert.That(KernelSignature.KernelNames(Source), Is.EqualTo(new[] { "first", "second", "third", "generic" }));
            Assert.That(KernelSignature.Find(Source, "first")!.Select(p => p.Declaration), Is.EqualTo(new[] { "const float* x", "float* y", "int n" }));
            Assert.That(KernelSignature.Find(Source, "second"), Is.Empty);
            Assert.That(KernelSignature.Find(Source, "third"), Is.Empty);
            Assert.That(KernelSignature.Find(Source, "commented"), Is.Null);
            Assert.That(KernelSignature.Find(Source, "generic")![0], Is.EqualTo(new KernelParameter("T* p", KernelParameterKind.Pointer, null, null)), "a pointer of unknown element type");
        });
    }

    [TestCase("")]
    [TestCase("2saxpy")]
    [TestCase("sax py")]
    [TestCase("saxpy<float>")]
    public void NameMustBeAnIdentifier(string name)
        => Assert.That(() => new RawKernel(Saxpy, name), Throws.ArgumentException.With.Message.Contains("is not a kernel name"));

    [TestCase("-arch=sm_80")]
    [TestCase("--gpu-architecture=compute_90")]
    [TestCase(" ")]
    public void OptionsCannotSetTheArchitectureOrBeEmpty(string option)
        => Assert.That(() => new RawKernel(Saxpy, "saxpy", [option]), Throws.ArgumentException.With.Message.Contains("RawKernel 'saxpy'"));

    [Test]
    public void ParameterCountComesFromTheSource()
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        using var hidden = new RawKernel("#define K(n) extern \"C\" __global__ void n(int* p) { *p = 1; }\nK(made)", "made");
        Assert.Multiple(() =>
        {
            Assert.That(saxpy.ParameterCount, Is.EqualTo(4));
            Assert.That(hidden.ParameterCount, Is.Null, "declared by a macro: launched unchecked");
        });
    }

    [TestCase(0, 1)]
    [TestCase(-1, 1)]
    [TestCase(1, 0)]
    public void GridAndBlockMustBePositive(int gridX, int blockY)
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        Assert.That(() => saxpy.Launch(gridX, (32, blockY), 0, 1f, 0L, 0L, 1),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("at least 1"));
    }

    [Test]
    public void SharedBytesMustNotBeNegative()
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        Assert.That(() => saxpy.Launch(1, 32, -4, 1f, 0L, 0L, 1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("sharedBytes"));
    }

    [Test]
    public void WrongArgumentCountNamesTheDeclaration()
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        Assert.That(() => saxpy.Launch(1, 32, 0, 2f, 1),
            Throws.ArgumentException.With.Message.Contains("takes 4 argument(s) (float a, const float* __restrict__ x, float* y, int n) but Launch got 2"));
    }

    [Test]
    public void UnsupportedArgumentTypesAreRejected()
    {
        using var k = new RawKernel("extern \"C\" __global__ void k(int a) {}", "k");
        Assert.Multiple(() =>
        {
            Assert.That(() => k.Launch(1, 1, 0, "3"), Throws.ArgumentException.With.Message.Contains("argument 0 is a String"));
            Assert.That(() => k.Launch(1, 1, 0, (short)3), Throws.ArgumentException.With.Message.Contains("argument 0 is a Int16"));
            Assert.That(() => k.Launch(1, 1, 0, new object[] { null! }), Throws.ArgumentNullException.With.Message.Contains("argument 0 is null"));
        });
    }

    [Test]
    public void ScalarTypesMustMatchTheDeclaration()
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        using var scalars = new RawKernel("extern \"C\" __global__ void s(float a, int n, unsigned long long m, bool b) {}", "s");
        Assert.Multiple(() =>
        {
            Assert.That(() => scalars.Launch(1, 1, 0, 2.0, 1, 1UL, true), Throws.ArgumentException.With.Message.Contains("argument 0 (float a) is a Double, but the parameter needs a Single"));
            Assert.That(() => scalars.Launch(1, 1, 0, 2f, 1L, 1UL, true), Throws.ArgumentException.With.Message.Contains("argument 1 (int n) is a Int64"));
            Assert.That(() => scalars.Launch(1, 1, 0, 2f, 1, 1L, true), Throws.ArgumentException.With.Message.Contains("argument 2 (unsigned long long m) is a Int64, but the parameter needs a UInt64"));
            Assert.That(() => scalars.Launch(1, 1, 0, 2f, 1, 1UL, 1), Throws.ArgumentException.With.Message.Contains("argument 3 (bool b) is a Int32"));
            Assert.That(() => saxpy.Launch(1, 32, 0, 2f, 5L, 0L, 1), Throws.ArgumentException.With.Message.Contains("argument 1 (const float* __restrict__ x) is a Int64 value, but the parameter is a pointer: pass a CUDA tensor"));
        });
    }

    [Test]
    public void CpuTensorsAreRejected()
    {
        using var saxpy = new RawKernel(Saxpy, "saxpy");
        using var x = Tensor.Zeros([4]);
        using var y = Tensor.Zeros([4]);
        Assert.That(() => saxpy.Launch(1, 32, 0, 2f, x, y, 4), Throws.ArgumentException.With.Message.Contains("argument 1 is Tensor [4] float32 on cpu").And.Message.Contains(".To(Device.Cuda())"));
    }

    [Test]
    public void DisposedKernelsCannotLaunch()
    {
        var saxpy = new RawKernel(Saxpy, "saxpy");
        saxpy.Dispose();
        saxpy.Dispose(); // idempotent
        Assert.That(() => saxpy.Launch(1, 32, 0, 2f, 0L, 0L, 1), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void CompileErrorsCarryNvrtcsLog()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        const string Broken = """
            extern "C" __global__ void broken(float* y, int n)
            {
                y[threadIdx.x] = undefined_value * 2.0f;
            }
            """;
        using var kernel = new RawKernel(Broken, "broken");
        var target = new KernelTarget(KernelCompiler.SupportedArchitectures.Max(), Cubin: false);
        var e = Assert.Throws<KernelCompilationException>(() => kernel.CompileFor(target))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("broken.cu(3): error: identifier \"undefined_value\" is undefined"));
            Assert.That(e.Message, Does.Contain(">    3 |     y[threadIdx.x] = undefined_value * 2.0f;"), "the numbered source line");
            Assert.That(e.ProgramName, Is.EqualTo("broken.cu"));
        });
    }

    [Test]
    public void CompilationIsCachedAndKeyedByOptions()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(KernelCompiler.SupportedArchitectures.Max(), Cubin: false);
        const string Source = "extern \"C\" __global__ void scaled(float* y) { y[threadIdx.x] *= SCALE; }";
        using var three = new RawKernel(Source, "scaled", ["-DSCALE=3.0f"]);
        using var threeAgain = new RawKernel(Source, "scaled", ["-DSCALE=3.0f"]);
        using var half = new RawKernel(Source, "scaled", ["-DSCALE=1.5f"]);
        CompiledKernel a = three.CompileFor(target), b = threeAgain.CompileFor(target), c = half.CompileFor(target);
        string ptx = System.Text.Encoding.ASCII.GetString(a.Image);
        Assert.Multiple(() =>
        {
            Assert.That(b, Is.SameAs(a), "one compilation per source, options and target");
            Assert.That(c.Key, Is.Not.EqualTo(a.Key));
            Assert.That(ptx, Does.Contain(".entry scaled"));
            Assert.That(ptx, Does.Contain("0f40400000").IgnoreCase, "3.0f appears in the PTX");
            Assert.That(System.Text.Encoding.ASCII.GetString(c.Image), Does.Contain("0f3fc00000").IgnoreCase, "1.5f in the other");
        });
    }
}

/// <summary>
/// <see cref="RawKernel"/> on a device (a GPU, or the virtual device in CI): results against a C# computation on fresh
/// random inputs, 2-D grids, offsets of views, every scalar type, streams, and the errors only a device can give.
/// </summary>
public class RawKernelDeviceTests : GpuFixture
{
    [Test]
    public void SaxpyMatchesTheCpu()
    {
        const int N = 1000; // not a multiple of the block: the bounds check matters
        var random = new Random(TestContext.CurrentContext.Random.Next());
        float a = (float)(random.NextDouble() * 4 - 2);
        float[] x = Enumerable.Range(0, N).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, N).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var kernel = new RawKernel(RawKernelValidationTests.Saxpy, "saxpy");
        using var dx = Tensor.FromArray(x, Gpu);
        using var dy = Tensor.FromArray(y, Gpu);
        kernel.Launch((N + 255) / 256, 256, 0, a, dx, dy, N);
        float[] expected = x.Select((xi, i) => MathF.FusedMultiplyAdd(a, xi, y[i])).ToArray();
        float[] plain = x.Select((xi, i) => (a * xi) + y[i]).ToArray();
        float[] actual = dy.ToArray<float>();
        for (int i = 0; i < N; i++)
        {
            // The device may fuse a * x + y into one FMA or not: either rounding is right.
            Assert.That(actual[i], Is.EqualTo(expected[i]).Or.EqualTo(plain[i]), $"y[{i}]");
        }
        Assert.That(dx.ToArray<float>(), Is.EqualTo(x), "x is read only");
    }

    [Test]
    public void TwoDimensionalGridCoversAMatrix()
    {
        const int Rows = 37, Cols = 70;
        const string Source = """
            extern "C" __global__ void coords(long long* out, int rows, int cols)
            {
                int c = blockIdx.x * blockDim.x + threadIdx.x;
                int r = blockIdx.y * blockDim.y + threadIdx.y;
                if (r < rows && c < cols) out[(long long)r * cols + c] = r * 1000LL + c + 1000000LL * gridDim.y;
            }
            """;
        using var kernel = new RawKernel(Source, "coords");
        using var output = Tensor.Zeros([Rows, Cols], DType.Int64, Gpu);
        Dim3 block = (16, 8);
        kernel.Launch(((Cols + 15) / 16, (Rows + 7) / 8), block, 0, output, Rows, Cols);
        long[] actual = output.ToArray<long>();
        long gridY = (Rows + 7) / 8;
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++)
            {
                Assert.That(actual[(r * Cols) + c], Is.EqualTo((r * 1000L) + c + (1000000L * gridY)), $"[{r}, {c}]");
            }
        }
    }

    [Test]
    public void ViewsArePassedAtTheirOffset()
    {
        const string Source = "extern \"C\" __global__ void fill(double* p, double v, int n) { int i = threadIdx.x; if (i < n) p[i] = v; }";
        using var kernel = new RawKernel(Source, "fill");
        using var all = Tensor.Zeros([10], DType.Float64, Gpu);
        using (var middle = all.Narrow(0, 3, 4))
        {
            kernel.Launch(1, 32, 0, middle, 2.5, 4);
        }
        Assert.That(all.ToArray<double>(), Is.EqualTo(new[] { 0, 0, 0, 2.5, 2.5, 2.5, 2.5, 0, 0, 0 }));
    }

    [Test]
    public void EveryScalarTypeArrivesByValue()
    {
        const string Source = """
            extern "C" __global__ void scalars(long long* out, int i, unsigned int u, long long l, unsigned long long ul, float f, double d, bool b)
            {
                out[0] = i; out[1] = (long long)u; out[2] = l; out[3] = (long long)(ul >> 1);
                out[4] = __float_as_int(f); out[5] = __double_as_longlong(d); out[6] = b ? 7 : 8;
            }
            """;
        using var kernel = new RawKernel(Source, "scalars");
        using var output = Tensor.Zeros([7], DType.Int64, Gpu);
        kernel.Launch(1, 1, 0, output, -123456, 4000000000u, -9_000_000_000_000L, 18_000_000_000_000_000_000UL, -1.5f, Math.PI, true);
        Assert.That(output.ToArray<long>(), Is.EqualTo(new[]
        {
            -123456L, 4000000000L, -9_000_000_000_000L, (long)(18_000_000_000_000_000_000UL >> 1),
            BitConverter.SingleToInt32Bits(-1.5f), BitConverter.DoubleToInt64Bits(Math.PI), 7L,
        }));
    }

    [Test]
    public void UncheckedArgumentsPassTheirBits()
    {
        const string Source = "extern \"C\" __global__ void bits(float v, int* out) { *out = __float_as_int(v); }";
        using var kernel = new RawKernel(Source, "bits") { CheckArgumentTypes = false };
        using var output = Tensor.Zeros([1], DType.Int32, Gpu);
        kernel.Launch(1, 1, 0, 0x3f800000, output); // an int where a float is declared: its bits arrive
        Assert.That(output.ToArray<int>(), Is.EqualTo(new[] { 0x3f800000 }));
    }

    [Test]
    public void TensorDTypeMustMatchThePointer()
    {
        using var kernel = new RawKernel(RawKernelValidationTests.Saxpy, "saxpy");
        using var x = Tensor.Zeros([4], DType.Float64, Gpu);
        using var y = Tensor.Zeros([4], DType.Float32, Gpu);
        Assert.That(() => kernel.Launch(1, 32, 0, 2f, x, y, 4),
            Throws.ArgumentException.With.Message.Contains("argument 1 (const float* __restrict__ x) is a float64 tensor, but the pointer's elements are float32"));
    }

    [Test]
    public void LaunchesGoToTheCurrentStream()
    {
        const string Source = "extern \"C\" __global__ void inc(int* p) { p[threadIdx.x] += 1; }";
        using var kernel = new RawKernel(Source, "inc");
        using var stream = new CudaStream(Gpu);
        using var data = Tensor.Zeros([64], DType.Int32, Gpu);
        Cuda.CurrentStream(Gpu).Synchronize(); // the zeros were written on the default stream
        using (Cuda.UseStream(stream))
        {
            for (int i = 0; i < 3; i++) kernel.Launch(1, 64, 0, data);
        }
        stream.Synchronize();
        Assert.That(data.ToArray<int>(), Has.All.EqualTo(3));
    }

    [Test]
    public void DynamicSharedMemoryIsUsable()
    {
        const string Source = """
            extern "C" __global__ void reverse(const int* in, int* out, int n)
            {
                extern __shared__ int tile[];
                int i = threadIdx.x;
                if (i < n) tile[i] = in[i];
                __syncthreads();
                if (i < n) out[i] = tile[n - 1 - i];
            }
            """;
        using var kernel = new RawKernel(Source, "reverse");
        int[] values = Enumerable.Range(0, 100).Select(i => i * 3).ToArray();
        using var input = Tensor.FromArray(values, Gpu);
        using var output = Tensor.Zeros([100], DType.Int32, Gpu);
        kernel.Launch(1, 128, 100 * sizeof(int), input, output, 100);
        Assert.That(output.ToArray<int>(), Is.EqualTo(values.Reverse().ToArray()));
    }

    [Test]
    public void MissingKernelNamesWhatExists()
    {
        const string Source = """
            extern "C" __global__ void present(int* p) { *p = 1; }
            __global__ void mangled(int* p) { *p = 2; }
            """;
        using var absent = new RawKernel(Source, "absent");
        using var mangled = new RawKernel(Source, "mangled");
        Assert.Multiple(() =>
        {
            Assert.That(() => absent.Compile(Gpu), Throws.ArgumentException.With.Message.Contains("no kernel named 'absent'; its __global__ functions are present, mangled"));
            Assert.That(() => mangled.Compile(Gpu), Throws.ArgumentException.With.Message.Contains("Declare 'mangled' extern \"C\""));
        });
    }

    [Test]
    public void CompileErrorsSurfaceOnLaunch()
    {
        using var kernel = new RawKernel("extern \"C\" __global__ void bad(int* p) { *p = missing; }", "bad");
        using var p = Tensor.Zeros([1], DType.Int32, Gpu);
        Assert.That(() => kernel.Launch(1, 1, 0, p), Throws.TypeOf<KernelCompilationException>().With.Message.Contains("identifier \"missing\" is undefined"));
    }

    [Test]
    public void OversizedBlocksAreRejectedBeforeTheDriver()
    {
        using var kernel = new RawKernel("extern \"C\" __global__ void k(int* p) {}", "k");
        using var p = Tensor.Zeros([1], DType.Int32, Gpu);
        int max = Cuda.GetDeviceProperties(Gpu.Index).MaxThreadsPerBlock;
        Assert.That(() => kernel.Launch(1, (max, 2), 0, p), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains($"allows at most {max} per block"));
    }

    [Test]
    public void TensorsOnDifferentDevicesAreRejected()
    {
        if (Cuda.DeviceCount < 2)
        {
            Assert.Ignore("Needs two CUDA devices (the virtual device offers devices=2).");
        }
        using var kernel = new RawKernel(RawKernelValidationTests.Saxpy, "saxpy");
        using var x = Tensor.Zeros([4], device: Device.Cuda(0));
        using var y = Tensor.Zeros([4], device: Device.Cuda(1));
        Assert.That(() => kernel.Launch(1, 32, 0, 2f, x, y, 4), Throws.ArgumentException.With.Message.Contains("an earlier tensor argument is on cuda:0"));
    }

    [Test]
    public void DisposeUnloadsAndLaterLaunchesThrow()
    {
        var kernel = new RawKernel("extern \"C\" __global__ void one(int* p) { *p = 1; }", "one");
        using var p = Tensor.Zeros([1], DType.Int32, Gpu);
        kernel.Launch(1, 1, 0, p);
        kernel.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(p.ToArray<int>(), Is.EqualTo(new[] { 1 }), "queued work finished before the module went");
            Assert.That(() => kernel.Launch(1, 1, 0, p), Throws.TypeOf<ObjectDisposedException>());
        });
    }
}
