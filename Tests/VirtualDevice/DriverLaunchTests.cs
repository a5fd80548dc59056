using System.Runtime.InteropServices;
using System.Text;
using CudaTensor.Native;
using CudaTensor.VirtualDevice;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Modules and kernel launches through cuModuleLoadData and cuLaunchKernel: the driver's launch validation, kernel
/// faults reported at the next synchronization with the kernel and the address, and strict-mode stream ordering.
/// Kernels are CUDA C compiled by the real NVRTC to compute_90 PTX.
/// </summary>
[TestFixture]
public unsafe class DriverLaunchTests : DriverFixture
{
    private const string Source = """
        __device__ int table[4] = { 10, 20, 30, 40 };

        extern "C" __global__ void scale(float* y, const float* x, float a, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = a * x[i];
        }

        extern "C" __global__ void copyAll(int* y, const int* x, int n)   // no bounds check: faults past n
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            y[i] = x[i] + 0 * n;
        }

        extern "C" __global__ void readShifted(int* y, const char* x)
        {
            y[threadIdx.x] = *(const int*)(x + 2);                          // misaligned 4-byte load
        }

        extern "C" __global__ void lookup(int* y)
        {
            y[threadIdx.x] = table[threadIdx.x & 3];
        }

        extern "C" __global__ void withShared(float* y)
        {
            extern __shared__ float s[];
            s[threadIdx.x] = threadIdx.x;
            __syncthreads();
            y[threadIdx.x] = s[blockDim.x - 1 - threadIdx.x];
        }
        """;

    private static readonly int[] TableTwice = [10, 20, 30, 40, 10, 20, 30, 40];

    private CudaModuleHandle _module = null!;

    [OneTimeSetUp]
    public void LoadModule()
    {
        MakeCurrent();
        string ptx = PtxCompile.Source(Source);
        _module = Driver.LoadModule(Encoding.ASCII.GetBytes(ptx + "\0"));
    }

    [OneTimeTearDown]
    public void UnloadModule()
    {
        MakeCurrent();
        _module?.Dispose();
    }

    [Test]
    public void AKernelRunsOnAStreamWithItsArguments()
    {
        const int N = 1000;
        float[] x = Enumerable.Range(0, N).Select(i => i * 0.25f).ToArray();
        using var dx = new DeviceBuffer(N * 4);
        using var dy = new DeviceBuffer(N * 4);
        using StreamHandle stream = Driver.CreateStream();
        Driver.CopyToDevice<float>(dx.Pointer, x);
        Driver.SynchronizeContext();
        Launch("scale", (8, 1, 1), (128, 1, 1), 0, stream.DangerousGetHandle(), dy.Pointer, dx.Pointer, 3f, N);
        Driver.SynchronizeStream(stream.DangerousGetHandle());
        Assert.That(Read<float>(dy, N), Is.EqualTo(x.Select(v => 3f * v).ToArray()));
    }

    [Test]
    public void ModuleVariablesHoldTheirInitializers()
    {
        using var dy = new DeviceBuffer(8 * 4);
        Launch("lookup", (1, 1, 1), (8, 1, 1), 0, IntPtr.Zero, dy.Pointer);
        Assert.That(Read<int>(dy, 8), Is.EqualTo(TableTwice));
    }

    [Test]
    public void LaunchConfigurationIsValidatedAsTheDriverDoes()
    {
        using var dy = new DeviceBuffer(4096 * 4);
        CudaException tooManyThreads = Fails(() => Launch("withShared", (1, 1, 1), (1025, 1, 1), 0, IntPtr.Zero, dy.Pointer));
        Assert.That(tooManyThreads.Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Assert.That(tooManyThreads.Message, Does.Contain("1025 threads"));
        Assert.That(Fails(() => Launch("withShared", (1, 1, 1), (32, 32, 2), 0, IntPtr.Zero, dy.Pointer)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Assert.That(Fails(() => Launch("withShared", (1, 65536, 1), (32, 1, 1), 0, IntPtr.Zero, dy.Pointer)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Assert.That(Fails(() => Launch("withShared", (0, 1, 1), (32, 1, 1), 0, IntPtr.Zero, dy.Pointer)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));

        CudaException tooMuchShared = Fails(() => Launch("withShared", (1, 1, 1), (32, 1, 1), 48 * 1024 + 4, IntPtr.Zero, dy.Pointer));
        Assert.That(tooMuchShared.Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Assert.That(tooMuchShared.Message, Does.Contain("dynamic shared memory"));

        IntPtr f = Driver.GetFunction(_module, "withShared");
        Assert.That(Fails(() => Driver.SetFunctionAttribute(f, Driver.FuncAttributeMaxDynamicSharedSizeBytes, 228 * 1024)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Driver.SetFunctionAttribute(f, Driver.FuncAttributeMaxDynamicSharedSizeBytes, 64 * 1024);
        Launch("withShared", (1, 1, 1), (256, 1, 1), 64 * 1024, IntPtr.Zero, dy.Pointer);
        Assert.That(Read<float>(dy, 256), Is.EqualTo(Enumerable.Range(0, 256).Select(i => (float)(255 - i)).ToArray()));
    }

    [Test]
    public void AMissingKernelIsNotFound()
    {
        CudaException e = Fails(() => Driver.GetFunction(_module, "noSuchKernel"));
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_NOT_FOUND));
        Assert.That(e.Message, Does.Contain("noSuchKernel").And.Contain("scale"));
    }

    [Test]
    public void OccupancyFollowsThreadAndSharedMemoryLimits()
    {
        IntPtr f = Driver.GetFunction(_module, "scale");
        Assert.That(Driver.MaxPotentialBlockSize(f), Is.EqualTo((16, 1024)), "2 blocks of 1024 threads per SM, 8 SMs");
        Assert.That(Driver.MaxActiveBlocksPerMultiprocessor(f, 128), Is.EqualTo(16));
        Assert.That(Driver.MaxActiveBlocksPerMultiprocessor(f, 32), Is.EqualTo(32), "at most 32 resident blocks");
    }

    [Test]
    public void AnOutOfBoundsReadIsReportedWithTheKernelAndTheAllocation()
    {
        using var x = new DeviceBuffer(100 * 4);
        using var y = new DeviceBuffer(128 * 4);
        using StreamHandle stream = Driver.CreateStream();
        Launch("copyAll", (1, 1, 1), (128, 1, 1), 0, stream.DangerousGetHandle(), y.Pointer, x.Pointer, 100);
        CudaException e = Fails(() => Driver.SynchronizeStream(stream.DangerousGetHandle()));
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_ILLEGAL_ADDRESS));
        Assert.That(e.Message, Does.Contain("copyAll").And.Contain("past the end of the allocation of 400 bytes").And.Contain($"0x{x.Pointer:X}"));
        // The access is stated once, with its size: the executor's words, not the memory's.
        Assert.That(e.Message, Does.Contain("read of 4 bytes").And.Not.Contain("read of 1 byte"));
        Assert.DoesNotThrow(() => Driver.SynchronizeStream(stream.DangerousGetHandle()), "the fault is reported once");
    }

    [Test]
    public void AKernelUsingFreedMemoryFaults()
    {
        ulong x = Driver.Allocate(128 * 4);
        Driver.Free(x);
        using var y = new DeviceBuffer(128 * 4);
        Launch("copyAll", (1, 1, 1), (128, 1, 1), 0, IntPtr.Zero, y.Pointer, x, 128);
        CudaException e = Fails(Driver.SynchronizeContext);
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_ILLEGAL_ADDRESS));
        Assert.That(e.Message, Does.Contain("use after free").And.Contain("copyAll"));
    }

    [Test]
    public void AMisalignedLoadFaults()
    {
        using var x = new DeviceBuffer(64);
        using var y = new DeviceBuffer(32 * 4);
        Launch("readShifted", (1, 1, 1), (32, 1, 1), 0, IntPtr.Zero, y.Pointer, x.Pointer);
        CudaException e = Fails(Driver.SynchronizeContext);
        Assert.That((int)e.Result, Is.EqualTo((int)CudaErrorCode.MisalignedAddress));
        Assert.That(e.Message, Does.Contain("readShifted").And.Contain("misaligned"));
    }

    [Test]
    public void AKernelReadingAnotherStreamsMemsetNeedsAnEvent()
    {
        Strictly(() =>
        {
            const int N = 256;
            using var x = new DeviceBuffer(N * 4);
            using var y = new DeviceBuffer(N * 4);
            using StreamHandle producer = Driver.CreateStream(), consumer = Driver.CreateStream();
            IntPtr p = producer.DangerousGetHandle(), c = consumer.DangerousGetHandle();
            Driver.SetWordsAsync(x.Pointer, BitConverter.SingleToUInt32Bits(2f), N, p);
            Launch("scale", (2, 1, 1), (128, 1, 1), 0, c, y.Pointer, x.Pointer, 10f, N);
            Driver.SynchronizeStream(c);
            Assert.That(Read<float>(y, N), Has.All.NaN, "without an event the kernel reads the poisoned, unwritten memory");

            using EventHandle written = Driver.CreateEvent();
            Driver.RecordEvent(written.DangerousGetHandle(), p);
            Driver.StreamWaitEvent(c, written.DangerousGetHandle());
            Launch("scale", (2, 1, 1), (128, 1, 1), 0, c, y.Pointer, x.Pointer, 10f, N);
            Driver.SynchronizeStream(c);
            Assert.That(Read<float>(y, N), Has.All.EqualTo(20f));
        });
    }

    [Test]
    public void ACapturedKernelReplaysWithItsArguments()
    {
        const int N = 64;
        using var x = new DeviceBuffer(N * 4);
        using var y = new DeviceBuffer(N * 4);
        using StreamHandle stream = Driver.CreateStream();
        IntPtr s = stream.DangerousGetHandle();
        Driver.SetWordsAsync(x.Pointer, BitConverter.SingleToUInt32Bits(1.5f), N, s);
        Driver.BeginCapture(s);
        Launch("scale", (1, 1, 1), (N, 1, 1), 0, s, y.Pointer, x.Pointer, 4f, N);
        using GraphHandle graph = Driver.EndCapture(s);
        using GraphExecHandle exec = Driver.Instantiate(graph);
        Driver.SynchronizeStream(s);
        Assert.That(Read<float>(y, N), Has.All.NaN, "capture does not run the kernel");
        Driver.LaunchGraph(exec, s);
        Driver.SynchronizeStream(s);
        Assert.That(Read<float>(y, N), Has.All.EqualTo(6f));
    }

    [Test]
    public void ThePackedBufferFormOfLaunchArgumentsWorks()
    {
        // cuLaunchKernel(..., kernelParams = NULL, extra = { BUFFER_POINTER, p, BUFFER_SIZE, &size, END }), called
        // through the shim's export because the binding always passes kernelParams.
        const int N = 32;
        using var dx = new DeviceBuffer(N * 4);
        using var dy = new DeviceBuffer(N * 4);
        Driver.SetWordsAsync(dx.Pointer, BitConverter.SingleToUInt32Bits(2f), N, IntPtr.Zero);
        IntPtr f = Driver.GetFunction(_module, "scale");
        var launch = (delegate* unmanaged[Cdecl]<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)
            NativeLibrary.GetExport(LibraryResolver.Probe(NativeLibraryKind.Driver).Handle, "cuLaunchKernel");
        byte* buffer = stackalloc byte[24];              // y, x (8 bytes each), a (4), n (4): the PTX parameter layout
        *(ulong*)buffer = dy.Pointer;
        *(ulong*)(buffer + 8) = dx.Pointer;
        *(float*)(buffer + 16) = 5f;
        *(int*)(buffer + 20) = N;
        nuint size = 24;
        void** extra = stackalloc void*[5];
        extra[0] = (void*)1;
        extra[1] = buffer;
        extra[2] = (void*)2;
        extra[3] = &size;
        extra[4] = null;
        Assert.That(launch(f, 1, 1, 1, N, 1, 1, 0, IntPtr.Zero, null, extra), Is.Zero);
        Assert.That(Read<float>(dy, N), Has.All.EqualTo(10f));
        size = 16;
        Assert.That(launch(f, 1, 1, 1, N, 1, 1, 0, IntPtr.Zero, null, extra), Is.EqualTo((int)CuResult.CUDA_ERROR_INVALID_VALUE), "a buffer shorter than the parameters");
    }

    [Test]
    public void OccupancyAsksTheCallbackForEachBlockSizesSharedMemory()
    {
        IntPtr f = Driver.GetFunction(_module, "scale"); // its dynamic shared limit is the default 48 KiB
        var potential = (delegate* unmanaged[Cdecl]<int*, int*, IntPtr, IntPtr, nuint, int, int>)
            NativeLibrary.GetExport(LibraryResolver.Probe(NativeLibraryKind.Driver).Handle, "cuOccupancyMaxPotentialBlockSize");
        int grid, block;
        delegate* unmanaged[Cdecl]<int, nuint> sharedPerBlock = &SixtyFourBytesPerThread;
        Assert.That(potential(&grid, &block, f, (IntPtr)sharedPerBlock, 0, 0), Is.Zero);
        // 1024 threads would need 64 KiB, over the 48 KiB default; 512 threads (32 KiB) fit 4 per SM by threads.
        Assert.That((grid, block), Is.EqualTo((32, 512)));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static nuint SixtyFourBytesPerThread(int blockSize) => (nuint)(blockSize * 64);

    // cuLaunchKernel with kernelParams[i] pointing at each argument's value.
    private void Launch(string kernel, (uint, uint, uint) grid, (uint, uint, uint) block, uint shared, IntPtr stream, params object[] args)
    {
        IntPtr f = Driver.GetFunction(_module, kernel);
        IntPtr values = Marshal.AllocHGlobal(8 * args.Length + 8);
        try
        {
            var pointers = new IntPtr[args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                IntPtr slot = values + 8 * i;
                switch (args[i])
                {
                    case ulong v: *(ulong*)slot = v; break;
                    case int v: *(int*)slot = v; break;
                    case float v: *(float*)slot = v; break;
                    default: throw new ArgumentException($"argument {i}: {args[i].GetType()}");
                }
                pointers[i] = slot;
            }
            Driver.Launch(f, grid, block, shared, stream, pointers);
        }
        finally
        {
            Marshal.FreeHGlobal(values);
        }
    }

    private static T[] Read<T>(DeviceBuffer buffer, int count)
        where T : unmanaged
    {
        var host = new T[count];
        Driver.CopyToHost<T>(host, buffer.Pointer);
        return host;
    }
}
