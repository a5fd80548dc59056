using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>Atomics under contention: blocks run on several host threads, so totals are exact only if atomics are real.</summary>
[TestFixture]
public class PtxAtomicTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    private const string Source = """
        extern "C" __global__ void contend(int* i32, unsigned long long* u64, float* f32, double* f64, int* mx, unsigned int* inc, int* cas_sum)
        {
            int id = blockIdx.x * blockDim.x + threadIdx.x;
            atomicAdd(i32, 3);
            atomicAdd(u64, (unsigned long long)id << 20);
            atomicAdd(f32, 1.0f);
            atomicAdd(f64, 0.5);
            atomicMax(mx, (id * 7919) % 10007);
            atomicMin(mx + 1, (id * 7919) % 10007 - 5000);
            atomicInc(inc, 99u);
            atomicOr((unsigned int*)(mx + 2), 1u << (id & 31));
            atomicXor(mx + 3, id);
            int old = *cas_sum, assumed;
            do { assumed = old; old = atomicCAS(cas_sum, assumed, assumed + id); } while (old != assumed);
        }
        extern "C" __global__ void shared_hist(const int* keys, int* hist, int n)
        {
            __shared__ int h[16];
            if (threadIdx.x < 16) h[threadIdx.x] = 0;
            __syncthreads();
            for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) atomicAdd(&h[keys[i] & 15], 1);
            __syncthreads();
            if (threadIdx.x < 16) atomicAdd(&hist[threadIdx.x], h[threadIdx.x]);
        }
        """;

    [Test]
    public void ContendedGlobalAtomicsGiveExactTotals()
    {
        PtxModule module = Module(Source);
        using var mem = new TestGlobalMemory();
        const int blocks = 64, threads = 128, total = blocks * threads;
        ulong i32 = mem.Allocate(4), u64 = mem.Allocate(8), f32 = mem.Allocate(4), f64 = mem.Allocate(8), inc = mem.Allocate(4), cas = mem.Allocate(4);
        ulong mx = mem.Upload(new[] { int.MinValue, int.MaxValue, 0, 0 });
        Launch(Kernel(module, "contend"), mem, D(blocks), D(threads), i32, u64, f32, f64, mx, inc, cas);
        var ids = Enumerable.Range(0, total).ToArray();
        int xor = ids.Aggregate(0, (a, b) => a ^ b);
        Assert.Multiple(() =>
        {
            Assert.That(mem.Download<int>(i32, 1)[0], Is.EqualTo(3 * total));
            Assert.That(mem.Download<ulong>(u64, 1)[0], Is.EqualTo(ids.Aggregate(0UL, (a, id) => a + ((ulong)id << 20))));
            Assert.That(mem.Download<float>(f32, 1)[0], Is.EqualTo((float)total));
            Assert.That(mem.Download<double>(f64, 1)[0], Is.EqualTo(total * 0.5));
            Assert.That(mem.Download<int>(mx, 4), Is.EqualTo(new[] { ids.Max(id => id * 7919 % 10007), ids.Min(id => id * 7919 % 10007 - 5000), -1, xor }));
            Assert.That(mem.Download<uint>(inc, 1)[0], Is.EqualTo((uint)(total % 100)), "atomicInc wraps to 0 past its limit");
            Assert.That(mem.Download<int>(cas, 1)[0], Is.EqualTo(ids.Sum()));
        });
    }

    [Test]
    public void SharedMemoryHistogram()
    {
        PtxModule module = Module(Source);
        using var mem = new TestGlobalMemory();
        const int n = 5000;
        int[] keys = Enumerable.Range(0, n).Select(i => (i * 31 + i / 7) % 1000).ToArray();
        ulong dk = mem.Upload(keys), dh = mem.Allocate(16 * 4);
        Launch(Kernel(module, "shared_hist"), mem, D(8), D(96), dk, dh, n);
        int[] want = new int[16];
        foreach (int k in keys) want[k & 15]++;
        Assert.That(mem.Download<int>(dh, 16), Is.EqualTo(want));
    }
}
