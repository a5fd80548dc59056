using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>CUDA's accurate double and float math (log, sincos, exp...) run by the engine stay within their documented ulp bounds.</summary>
[TestFixture]
public class PtxDoubleMathTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    [Test]
    public void LogSinCosExpInDouble()
    {
        const string source = """
            extern "C" __global__ void m(const double* x, double* out, int n)
            {
                int t = blockIdx.x * blockDim.x + threadIdx.x;
                if (t >= n) return;
                double s, c;
                sincos(x[t] * 6.283185307179586, &s, &c);
                out[4 * t + 0] = log(x[t]);
                out[4 * t + 1] = s;
                out[4 * t + 2] = c;
                out[4 * t + 3] = exp(x[t] * 3);
            }
            """;
        PtxModule module = Module(source);
        using var mem = new TestGlobalMemory();
        const int n = 4096;
        // Uniform points, then points next to the zeros of sin and cos (relative accuracy is hardest there).
        double[] xs = Enumerable.Range(0, n / 2).Select(i => (i + 0.5) / (n / 2))
            .Concat(Enumerable.Range(0, n / 2).Select(i => (i % 4 + 1) * 0.25 + (i / 4 - n / 16) * 1e-13)).ToArray();
        ulong[] globals = Globals(module, mem);
        ulong dx = mem.Upload(xs), d = mem.Allocate(32 * n);
        Launch(Kernel(module, "m"), mem, D(16), D(256), 0, globals, dx, d, n);
        double[] got = mem.Download<double>(d, 4 * n);
        static long Ulps(double a, double b) => Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));
        long[] worst = new long[4];
        for (int i = 0; i < n; i++)
        {
            double t = xs[i] * 6.283185307179586;
            worst[0] = Math.Max(worst[0], Ulps(got[4 * i], Math.Log(xs[i])));
            worst[1] = Math.Max(worst[1], Ulps(got[4 * i + 1], Math.Sin(t)));
            worst[2] = Math.Max(worst[2], Ulps(got[4 * i + 2], Math.Cos(t)));
            worst[3] = Math.Max(worst[3], Ulps(got[4 * i + 3], Math.Exp(xs[i] * 3)));
        }
        TestContext.Out.WriteLine($"worst ulp: log {worst[0]}, sin {worst[1]}, cos {worst[2]}, exp {worst[3]}");
        Assert.That(worst, Has.All.LessThanOrEqualTo(2), "log, sin, cos, exp in ulp (CUDA documents 1-2 ulp)");
    }
}
