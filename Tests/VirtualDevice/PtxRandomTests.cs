using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;
using CudaTensor.RandomNumbers;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>The random kernels (Philox, Box-Muller with the accurate log and sincos) against the CPU's RandomFill.</summary>
[TestFixture]
public class PtxRandomTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    [Test]
    public void NormalFloat64MatchesTheCpuToAFewUlpOfItsTerms()
    {
        PtxModule module = PtxModule.Parse(PtxCompile.Corpus("random.cu", null));
        using var mem = new TestGlobalMemory();
        const int n = 1 << 16;
        const ulong seed = 0x1234_5678_9ABC_DEF0UL, start = 0xFFFF_FFFF_FFFF_FF00UL;
        ulong d = mem.Allocate(8L * n);
        ulong[] globals = Globals(module, mem);
        Launch(Kernel(module, "ct_normal_f64"), mem, D(64), D(256), 0, globals, d, (ulong)n, seed, start, -3.0, 2.0);
        double[] got = mem.Download<double>(d, n);
        var want = new double[n];
        CpuRandomFill.Normal<double>(want, seed, start, -3.0, 2.0);
        // The error is measured in ulps of the larger term of mean + std * z: where the two nearly cancel, a 1-ulp
        // difference of z between CUDA's log/sincos and .NET's is thousands of ulps of the small result.
        double worst = 0;
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            double scale = Math.Max(3.0, Math.Abs(want[i] + 3.0));
            double ulps = Math.Abs(got[i] - want[i]) / (Math.BitIncrement(scale) - scale);
            if (ulps > worst) { worst = ulps; at = i; }
        }
        Assert.That(worst, Is.LessThanOrEqualTo(8), $"worst at {at}: {got[at]:R} vs {want[at]:R}");
    }
}
