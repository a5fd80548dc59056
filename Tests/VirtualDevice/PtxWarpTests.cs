using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>Warp-synchronous instructions: shuffles (modes, widths, partial masks), votes, ballots, activemask.</summary>
[TestFixture]
public class PtxWarpTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    [Test]
    public void ShufflesInEveryModeWithWidths()
    {
        const string source = """
            extern "C" __global__ void shuffles(int* out)
            {
                int lane = threadIdx.x & 31;
                int v = threadIdx.x * 10 + 1;
                int* o = out + threadIdx.x * 6;
                o[0] = __shfl_down_sync(0xffffffffu, v, 3);
                o[1] = __shfl_up_sync(0xffffffffu, v, 5);
                o[2] = __shfl_xor_sync(0xffffffffu, v, 9);
                o[3] = __shfl_sync(0xffffffffu, v, (lane * 7) & 31);
                o[4] = __shfl_down_sync(0xffffffffu, v, 2, 8);
                o[5] = __shfl_sync(0xffffffffu, v, 3, 16);
            }
            """;
        PtxKernel k = Kernel(Module(source), "shuffles");
        using var mem = new TestGlobalMemory();
        const int threads = 64;
        ulong d = mem.Allocate(threads * 6 * 4);
        Launch(k, mem, D(1), D(threads), d);
        int[] got = mem.Download<int>(d, threads * 6);
        var want = new int[threads * 6];
        for (int t = 0; t < threads; t++)
        {
            int lane = t & 31, warp = t - lane;
            int V(int l) => (warp + l) * 10 + 1;
            want[t * 6 + 0] = lane + 3 < 32 ? V(lane + 3) : V(lane);
            want[t * 6 + 1] = lane - 5 >= 0 ? V(lane - 5) : V(lane);
            want[t * 6 + 2] = V(lane ^ 9);
            want[t * 6 + 3] = V((lane * 7) & 31);
            int seg8 = lane & ~7;
            want[t * 6 + 4] = (lane & 7) + 2 < 8 ? V(lane + 2) : V(lane);
            want[t * 6 + 5] = V((lane & ~15) + 3);
            _ = seg8;
        }
        Assert.That(got, Is.EqualTo(want));
    }

    [Test]
    public void ShuffleWithPartialMaskInDivergentCode()
    {
        const string source = """
            extern "C" __global__ void partial(int* out)
            {
                int lane = threadIdx.x;
                int v = lane * lane;
                if (lane < 16)
                {
                    v += __shfl_down_sync(0x0000ffffu, v, 1, 16);
                }
                else
                {
                    v -= __shfl_xor_sync(0xffff0000u, v, 1);
                }
                out[lane] = v;
            }
            """;
        PtxKernel k = Kernel(Module(source), "partial");
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(32 * 4);
        Launch(k, mem, D(1), D(32), d);
        int[] want = Enumerable.Range(0, 32).Select(l => l < 16 ? l * l + (l + 1 < 16 ? (l + 1) * (l + 1) : l * l) : l * l - (l ^ 1) * (l ^ 1)).ToArray();
        Assert.That(mem.Download<int>(d, 32), Is.EqualTo(want));
    }

    [Test]
    public void WarpReductionWithXorShuffles()
    {
        const string source = """
            extern "C" __global__ void warp_sum(const float* x, float* out)
            {
                float v = x[threadIdx.x];
                for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
                if ((threadIdx.x & 31) == 0) out[threadIdx.x / 32] = v;
            }
            """;
        PtxKernel k = Kernel(Module(source), "warp_sum");
        using var mem = new TestGlobalMemory();
        float[] x = Enumerable.Range(0, 128).Select(i => (float)(i % 9 - 4)).ToArray();
        ulong dx = mem.Upload(x), d = mem.Allocate(16);
        Launch(k, mem, D(1), D(128), dx, d);
        Assert.That(mem.Download<float>(d, 4), Is.EqualTo(Enumerable.Range(0, 4).Select(w => x.Skip(w * 32).Take(32).Sum()).ToArray()));
    }

    [Test]
    public void VotesBallotAndActiveMask()
    {
        const string source = """
            extern "C" __global__ void votes(unsigned int* out)
            {
                int lane = threadIdx.x & 31;
                unsigned int* o = out + threadIdx.x * 5;
                o[0] = __ballot_sync(0xffffffffu, lane % 3 == 0);
                o[1] = __any_sync(0xffffffffu, lane == 17);
                o[2] = __all_sync(0xffffffffu, lane < 31);
                if (lane & 1) o[3] = __activemask();
                else o[3] = __ballot_sync(0x55555555u, lane < 10);
                o[4] = __all_sync(0xffffffffu, threadIdx.x < 1000);
            }
            """;
        PtxKernel k = Kernel(Module(source), "votes");
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(40 * 5 * 4);
        Launch(k, mem, D(1), D(40), d);
        uint[] got = mem.Download<uint>(d, 40 * 5);
        var want = new uint[40 * 5];
        for (int t = 0; t < 40; t++)
        {
            int lane = t & 31;
            int lanes = t < 32 ? 32 : 8;
            uint ballot = 0;
            for (int l = 0; l < lanes; l++) if (l % 3 == 0) ballot |= 1u << l;
            want[t * 5 + 0] = ballot;
            want[t * 5 + 1] = lanes > 17 ? 1u : 0u;
            want[t * 5 + 2] = lanes == 32 ? 0u : 1u;
            uint odd = 0, evenLow = 0;
            for (int l = 0; l < lanes; l++) { if ((l & 1) != 0) odd |= 1u << l; else if (l < 10) evenLow |= 1u << l; }
            want[t * 5 + 3] = (lane & 1) != 0 ? odd : evenLow;
            want[t * 5 + 4] = 1;
        }
        // The partial last warp has 8 lanes: its full masks name only the lanes that exist.
        Assert.That(got, Is.EqualTo(want));
    }
}
