using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

using Dim3 = CudaTensor.VirtualDevice.Ptx.Dim3;

/// <summary>Divergence and reconvergence, barriers across warps, shared memory (static and dynamic), .func calls.</summary>
[TestFixture]
public class PtxControlFlowTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    [Test]
    public void NestedBranchesLoopsWithPerLaneTripCountsAndEarlyReturn()
    {
        const string source = """
            extern "C" __global__ void diverge(int* out, int n)
            {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i >= n) return;
                if (i % 7 == 3) { out[i] = -1; return; }
                int acc = 0;
                for (int k = 0; k < (i % 13); k++)
                {
                    if (k & 1) acc += k * 3;
                    else if (k % 3 == 0) acc -= k;
                    else { acc ^= i; if (acc > 50) break; }
                }
                if (i & 4) acc *= 2; else acc += 1000;
                out[i] = acc;
            }
            """;
        PtxKernel k = Kernel(Module(source), "diverge");
        using var mem = new TestGlobalMemory();
        const int n = 300;
        ulong d = mem.Allocate(n * 4);
        Launch(k, mem, D(3), D(128), d, n);
        var want = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (i % 7 == 3) { want[i] = -1; continue; }
            int acc = 0;
            for (int kk = 0; kk < i % 13; kk++)
            {
                if ((kk & 1) != 0) acc += kk * 3;
                else if (kk % 3 == 0) acc -= kk;
                else { acc ^= i; if (acc > 50) break; }
            }
            if ((i & 4) != 0) acc *= 2; else acc += 1000;
            want[i] = acc;
        }
        Assert.That(mem.Download<int>(d, n), Is.EqualTo(want));
    }

    [Test]
    public void BlockReductionInSharedMemoryAcrossEightWarps()
    {
        const string source = """
            extern "C" __global__ void block_sum(const float* x, float* sums)
            {
                __shared__ float s[256];
                int t = threadIdx.x;
                s[t] = x[blockIdx.x * 256 + t];
                __syncthreads();
                for (int stride = 128; stride > 0; stride >>= 1)
                {
                    if (t < stride) s[t] += s[t + stride];
                    __syncthreads();
                }
                if (t == 0) sums[blockIdx.x] = s[0];
            }
            """;
        PtxKernel k = Kernel(Module(source), "block_sum");
        Assert.That(k.StaticSharedBytes, Is.EqualTo(1024));
        using var mem = new TestGlobalMemory();
        const int blocks = 6;
        float[] x = Enumerable.Range(0, blocks * 256).Select(i => (float)(i % 17)).ToArray();
        ulong dx = mem.Upload(x), ds = mem.Allocate(blocks * 4);
        Launch(k, mem, D(blocks), D(256), dx, ds);
        float[] want = Enumerable.Range(0, blocks).Select(b => x.Skip(b * 256).Take(256).Sum()).ToArray();
        Assert.That(mem.Download<float>(ds, blocks), Is.EqualTo(want));
    }

    [Test]
    public void DynamicSharedMemoryReversesEachBlock()
    {
        const string source = """
            extern "C" __global__ void reverse(int* data, int n)
            {
                extern __shared__ int buf[];
                int t = threadIdx.x;
                buf[t] = data[blockIdx.x * n + t];
                __syncthreads();
                data[blockIdx.x * n + t] = buf[n - 1 - t];
            }
            """;
        PtxKernel k = Kernel(Module(source), "reverse");
        using var mem = new TestGlobalMemory();
        const int n = 96, blocks = 4;
        int[] data = Enumerable.Range(0, n * blocks).ToArray();
        ulong d = mem.Upload(data);
        Launch(k, mem, D(blocks), D(n), n * 4, [], d, n);
        int[] want = Enumerable.Range(0, blocks).SelectMany(b => Enumerable.Range(0, n).Select(t => b * n + (n - 1 - t))).ToArray();
        Assert.That(mem.Download<int>(d, n * blocks), Is.EqualTo(want));
    }

    [Test]
    public void NoinlineFunctionCalledInDivergentCodeWithLocalArray()
    {
        const string source = """
            __device__ __noinline__ int collatz_steps(int v, int limit)
            {
                int seen[8];
                int steps = 0;
                while (v != 1 && steps < limit)
                {
                    seen[steps & 7] = v;
                    v = (v & 1) ? 3 * v + 1 : v / 2;
                    steps++;
                }
                return steps * 100 + seen[(steps + 7) & 7] % 100;
            }
            extern "C" __global__ void calls(int* out)
            {
                int i = threadIdx.x + 2;
                out[threadIdx.x] = (i % 3 == 0) ? collatz_steps(i, 200) : -collatz_steps(i + 1, 50);
            }
            """;
        PtxModule module = Module(source);
        PtxKernel k = Kernel(module, "calls");
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(64 * 4);
        Launch(k, mem, D(1), D(64), d);
        static int Steps(int v, int limit)
        {
            var seen = new int[8];
            int steps = 0;
            while (v != 1 && steps < limit)
            {
                seen[steps & 7] = v;
                v = (v & 1) != 0 ? 3 * v + 1 : v / 2;
                steps++;
            }
            return steps * 100 + seen[(steps + 7) & 7] % 100;
        }
        int[] want = Enumerable.Range(0, 64).Select(t => { int i = t + 2; return i % 3 == 0 ? Steps(i, 200) : -Steps(i + 1, 50); }).ToArray();
        Assert.That(mem.Download<int>(d, 64), Is.EqualTo(want));
    }

    private static readonly int[] Table = [10, 20, 30, 40, 50];
    private static readonly double[] Scale = [0.5, 4.0];
    private static readonly string[] GlobalNames = ["table", "scale", "counter"];

    [Test]
    public void ModuleGlobalsWithInitializers()
    {
        const string source = """
            __shared__ int module_scratch[64];
            __device__ int table[5] = {10, 20, 30, 40, 50};
            __constant__ double scale[2] = {0.5, 4.0};
            __device__ unsigned int counter;
            extern "C" __global__ void lookup(double* out)
            {
                int t = threadIdx.x;
                module_scratch[t] = table[t % 5];
                __syncthreads();
                out[t] = module_scratch[t] * scale[t & 1];
                atomicAdd(&counter, 1u);
                table[4] = 50;
            }
            extern "C" __global__ void read_counter(unsigned int* out) { *out = counter; }
            """;
        PtxModule module = Module(source);
        Assert.That(module.Globals.Select(g => g.Name), Is.EquivalentTo(GlobalNames));
        PtxGlobalVariable table = module.Globals.Single(g => g.Name == "table");
        Assert.That(table.SizeBytes, Is.EqualTo(20));
        Assert.That(table.InitialBytes, Is.EqualTo(Table.SelectMany(BitConverter.GetBytes).ToArray()));
        using var mem = new TestGlobalMemory();
        ulong[] globals = Globals(module, mem);
        ulong d = mem.Allocate(40 * 8), c = mem.Allocate(4);
        Launch(Kernel(module, "lookup"), mem, D(2), D(40), 0, globals, d);
        Launch(Kernel(module, "read_counter"), mem, D(1), D(1), 0, globals, c);
        double[] want = Enumerable.Range(0, 40).Select(t => Table[t % 5] * Scale[t & 1]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(mem.Download<double>(d, 40), Is.EqualTo(want));
            Assert.That(mem.Download<uint>(c, 1)[0], Is.EqualTo(80u));
        });
    }

    [Test]
    public void ThreeDimensionalSpecialRegisters()
    {
        const string source = """
            extern "C" __global__ void ids(unsigned int* out)
            {
                unsigned int block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
                unsigned int thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
                unsigned int lane;
                asm("mov.u32 %0, %%laneid;" : "=r"(lane));
                unsigned int id = block * (blockDim.x * blockDim.y * blockDim.z) + thread;
                out[id] = (threadIdx.x) | (threadIdx.y << 4) | (threadIdx.z << 8) | (blockIdx.x << 12) | (blockIdx.y << 16) | (blockIdx.z << 20) | (lane << 24);
            }
            """;
        PtxKernel k = Kernel(Module(source), "ids");
        using var mem = new TestGlobalMemory();
        Dim3 grid = D(2, 3, 2), block = D(4, 3, 5);
        int total = 12 * 60;
        ulong d = mem.Allocate(total * 4);
        Launch(k, mem, grid, block, d);
        uint[] got = mem.Download<uint>(d, total);
        var want = new uint[total];
        for (uint bz = 0; bz < 2; bz++)
        for (uint by = 0; by < 3; by++)
        for (uint bx = 0; bx < 2; bx++)
        for (uint tz = 0; tz < 5; tz++)
        for (uint ty = 0; ty < 3; ty++)
        for (uint tx = 0; tx < 4; tx++)
        {
            uint b = (bz * 3 + by) * 2 + bx, t = (tz * 3 + ty) * 4 + tx;
            want[b * 60 + t] = tx | (ty << 4) | (tz << 8) | (bx << 12) | (by << 16) | (bz << 20) | ((t % 32) << 24);
        }
        Assert.That(got, Is.EqualTo(want));
    }
}
