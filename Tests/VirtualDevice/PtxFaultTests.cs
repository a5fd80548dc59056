using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>What compute-sanitizer would report ends the launch with the driver's error and a message naming the
/// kernel, block, thread, instruction and address.</summary>
[TestFixture]
public class PtxFaultTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    private const string Source = """
        extern "C" __global__ void copy(float* dst, const float* src, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) dst[i] = src[i];
        }
        extern "C" __global__ void read_int(int* dst, const char* src)
        {
            dst[0] = *(const int*)(src + 2);
        }
        extern "C" __global__ void sync_some(int* out)
        {
            if (threadIdx.x < 40) __syncthreads();
            out[threadIdx.x] = 1;
        }
        extern "C" __global__ void exit_then_sync(int* out)
        {
            if (threadIdx.x >= 48) return;
            __syncthreads();
            out[threadIdx.x] = 1;
        }
        extern "C" __global__ void shuffle_missing(int* out)
        {
            int v = threadIdx.x;
            if (threadIdx.x < 20) v = __shfl_down_sync(0xffffffffu, v, 1);
            out[threadIdx.x] = v;
        }
        extern "C" __global__ void shared_overrun(int* out, int k)
        {
            __shared__ int s[64];
            s[threadIdx.x] = 1;
            __syncthreads();
            out[threadIdx.x] = s[threadIdx.x + k];
        }
        """;

    private static PtxModule module = null!;

    [OneTimeSetUp]
    public void Compile()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        module = Module(Source);
    }

    [Test]
    public void OutOfBoundsReadNamesKernelBlockThreadAndAddress()
    {
        using var mem = new TestGlobalMemory();
        ulong src = mem.Allocate(100 * 4), dst = mem.Allocate(200 * 4);
        // n = 130 reads 30 floats past src (the next allocation is 64 KiB away).
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "copy"), mem, D(2), D(128), dst, src, 130))!;
        ulong first = src + 400;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
            Assert.That(e.Message, Does.Contain("kernel copy").And.Contain("block (0,0,0)").And.Contain("thread (100,0,0)"));
            Assert.That(e.Message, Does.Contain($"0x{first:X}").And.Contain("read of 4 bytes").And.Contain("ld.global"));
            Assert.That(e.Message, Does.Contain("nearest allocation"), "the memory's own description is kept");
        });
    }

    [Test]
    public void OutOfBoundsWrite()
    {
        using var mem = new TestGlobalMemory();
        ulong src = mem.Allocate(256 * 4), dst = mem.Allocate(64 * 4);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "copy"), mem, D(1), D(256), dst, src, 256))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
            Assert.That(e.Message, Does.Contain("write of 4 bytes").And.Contain($"0x{dst + 256:X}").And.Contain("thread (64,0,0)").And.Contain("st.global"));
        });
    }

    [Test]
    public void MisalignedAccess()
    {
        using var mem = new TestGlobalMemory();
        ulong src = mem.Allocate(64), dst = mem.Allocate(4);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "read_int"), mem, D(1), D(1), dst, src))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.MisalignedAddress));
            Assert.That(e.Message, Does.Contain("kernel read_int").And.Contain($"0x{src + 2:X}").And.Contain("4 bytes"));
        });
    }

    [Test]
    public void BarrierNotReachedByAllThreads()
    {
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(64 * 4);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "sync_some"), mem, D(1), D(64), d))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.LaunchFailed));
            Assert.That(e.Message, Does.Contain("kernel sync_some").And.Contain("block (0,0,0)").And.Contain("barrier"));
            Assert.That(e.Message, Does.Contain("40 of 64 threads wait").And.Contain("0-39"));
        });
    }

    [Test]
    public void BarrierAfterSomeThreadsExited()
    {
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(64 * 4);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "exit_then_sync"), mem, D(1), D(64), d))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.LaunchFailed));
            Assert.That(e.Message, Does.Contain("kernel exit_then_sync").And.Contain("48 of 64 threads wait").And.Contain("exited threads 48-63"));
        });
    }

    [Test]
    public void FullMaskShuffleWithMissingLanes()
    {
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(32 * 4);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "shuffle_missing"), mem, D(1), D(32), d))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("kernel shuffle_missing").And.Contain("shfl.sync").And.Contain("0xFFF00000"));
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.IllegalInstruction));
        });
    }

    [Test]
    public void SharedMemoryOverrun()
    {
        using var mem = new TestGlobalMemory();
        ulong d = mem.Allocate(64 * 4);
        Launch(Kernel(module, "shared_overrun"), mem, D(1), D(64), d, 0);
        var e = Assert.Throws<DeviceFaultException>(() => Launch(Kernel(module, "shared_overrun"), mem, D(1), D(64), d, 1))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
            Assert.That(e.Message, Does.Contain("kernel shared_overrun").And.Contain("thread (63,0,0)").And.Contain("shared").And.Contain("256 bytes"));
        });
    }

    [Test]
    public void UnknownInstructionFailsAtLoadWithItsLine()
    {
        const string ptx = """
            .version 7.8
            .target sm_90
            .address_size 64
            .visible .entry k(.param .u64 p)
            {
                .reg .b32 %r<3>;
                mov.u32 %r1, 1;
                frobnicate.b32 %r2, %r1;
                ret;
            }
            """;
        var e = Assert.Throws<PtxLoadException>(() => PtxModule.Parse(ptx))!;
        Assert.That(e.Message, Does.Contain("line 8").And.Contain("frobnicate.b32 %r2, %r1;"));
    }
}
