using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>Basic execution: elementwise kernels over grids, 2-D indexing, partial warps.</summary>
[TestFixture]
public class PtxExecutorTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    [Test]
    public void SaxpyOverManyBlocksWithAPartialLastBlock()
    {
        const string source = """
            extern "C" __global__ void saxpy(float* y, const float* x, float a, int n)
            {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) y[i] = a * x[i] + y[i];
            }
            """;
        PtxKernel k = Kernel(Module(source), "saxpy");
        using var mem = new TestGlobalMemory();
        const int n = 1000;
        float[] x = Enumerable.Range(0, n).Select(i => i * 0.5f).ToArray();
        float[] y = Enumerable.Range(0, n).Select(i => 1000f - i).ToArray();
        ulong dx = mem.Upload(x), dy = mem.Upload(y);
        Launch(k, mem, D(8), D(128), dy, dx, 3f, n);
        float[] got = mem.Download<float>(dy, n);
        float[] want = Enumerable.Range(0, n).Select(i => 3f * x[i] + y[i]).ToArray();
        Assert.That(got, Is.EqualTo(want));
    }

    [Test]
    public void TwoDimensionalGridAndBlock()
    {
        const string source = """
            extern "C" __global__ void coords(int* out, int width)
            {
                int x = blockIdx.x * blockDim.x + threadIdx.x;
                int y = blockIdx.y * blockDim.y + threadIdx.y;
                out[y * width + x] = x * 1000 + y + threadIdx.z * 0;
            }
            """;
        PtxKernel k = Kernel(Module(source), "coords");
        using var mem = new TestGlobalMemory();
        const int w = 24, h = 10;
        ulong d = mem.Allocate(w * h * 4);
        Launch(k, mem, D(3, 5), D(8, 2), d, w);
        int[] got = mem.Download<int>(d, w * h);
        int[] want = Enumerable.Range(0, w * h).Select(i => (i % w) * 1000 + i / w).ToArray();
        Assert.That(got, Is.EqualTo(want));
    }
}
