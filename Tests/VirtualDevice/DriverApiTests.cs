using System.Runtime.InteropServices;
using CudaTensor.Native;
using CudaTensor.VirtualDevice;
using CudaTensor.CudaRuntime;
using CudaTensor.VirtualDevice.Driver;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>Devices, memory, copies and modules of the virtual device, through the binding's real entry points.</summary>
[TestFixture]
public unsafe class DriverApiTests : DriverFixture
{
    [Test]
    public void TheDeviceSaysItIsVirtual()
    {
        CudaDeviceInfo d = Cuda.GetDeviceProperties(0);
        Assert.Multiple(() =>
        {
            Assert.That(d.Name, Does.Contain("Virtual"));
            Assert.That((d.ComputeCapabilityMajor, d.ComputeCapabilityMinor), Is.EqualTo((9, 9)));
            Assert.That(d.MultiprocessorCount, Is.EqualTo(8));
            Assert.That(d.MaxThreadsPerBlock, Is.EqualTo(1024));
            Assert.That(Driver.GetAttribute(0, DeviceAttribute.MaxSharedMemoryPerBlockOptin), Is.EqualTo(227 * 1024));
            Assert.That(d.TotalMemoryBytes, Is.EqualTo(DriverState.Options.MemoryBytes));
            Assert.That(Driver.GetVersion(), Is.EqualTo(13000));
            Assert.That(Cuda.Diagnose(), Does.Contain("Virtual device in use").And.Contain("NVRTC compiling for it"));
        });
    }

    [Test]
    public void RoundTripThroughCopiesAndMemsets()
    {
        const int N = 10_000;
        int[] values = Enumerable.Range(0, N).Select(i => i * 31 - 7).ToArray();
        using var a = new DeviceBuffer(N * sizeof(int));
        using var b = new DeviceBuffer(N * sizeof(int));
        Driver.CopyToDevice<int>(a.Pointer, values);
        Driver.CopyDeviceToDevice(b.Pointer, a.Pointer, N * sizeof(int));
        var back = new int[N];
        Driver.CopyToHost<int>(back, b.Pointer);
        Assert.That(back, Is.EqualTo(values));

        Driver.SetBytes(a.Pointer, 0xAB, 8);
        using StreamHandle stream = Driver.CreateStream();
        Driver.SetWordsAsync(b.Pointer + 16, 0x01020304, 3, stream.DangerousGetHandle());
        Driver.SynchronizeStream(stream.DangerousGetHandle());
        Driver.CopyToHost<int>(back, a.Pointer);
        Assert.That(back[..3], Is.EqualTo(new[] { unchecked((int)0xABABABAB), unchecked((int)0xABABABAB), values[2] }));
        Driver.CopyToHost<int>(back, b.Pointer);
        Assert.That(back[..8], Is.EqualTo(new[] { values[0], values[1], values[2], values[3], 0x01020304, 0x01020304, 0x01020304, values[7] }));
    }

    [Test]
    public void FreshMemoryReadsAsNaN()
    {
        using var a = new DeviceBuffer(64 * sizeof(float));
        var back = new float[64];
        Driver.CopyToHost<float>(back, a.Pointer);
        Assert.That(back, Has.All.NaN);
    }

    [Test]
    public void OutOfMemoryAtTheLimit()
    {
        var (free, total) = Driver.GetMemoryInfo();
        Assert.That(total, Is.EqualTo(DriverState.Options.MemoryBytes));
        CuResult r = Driver.TryAllocate(free + 1, out ulong p);
        Assert.That(r, Is.EqualTo(CuResult.CUDA_ERROR_OUT_OF_MEMORY));
        Assert.That(p, Is.Zero);
        Assert.That(new CudaException(r, "cuMemAlloc").Message, Does.Contain("Virtual device:").And.Contain($"of {total} bytes are allocated"));
        using var small = new DeviceBuffer(1024);
        Assert.That(Driver.GetMemoryInfo().Free, Is.EqualTo(free - 1024));
    }

    [Test]
    public void FreedPointersAreRefusedWithTheirHistory()
    {
        ulong p = Driver.Allocate(4096);
        Driver.Free(p);
        CudaException e = Fails(() => Driver.SetBytes(p + 8, 0, 16));
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        Assert.That(e.Message, Does.Contain("use after free").And.Contain("8 bytes into an allocation of 4096 bytes"));
        Assert.That(Fails(() => Driver.Free(p)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));

        using var small = new DeviceBuffer(100);
        var host = new byte[200];
        CudaException overrun = Fails(() => Driver.CopyToHost<byte>(host, small.Pointer));
        Assert.That(overrun.Message, Does.Contain("runs 100 bytes past the end of the allocation of 100 bytes"));
    }

    [Test]
    public void PointerAttributesOfDeviceAndPinnedMemory()
    {
        using var device = new DeviceBuffer(256);
        using PinnedHostBuffer pinned = Driver.AllocateHost(4096);
        Assert.Multiple(() =>
        {
            Assert.That(Driver.GetPointerAttribute(device.Pointer + 8, PointerAttribute.MemoryType), Is.EqualTo((ulong)MemoryType.Device));
            Assert.That(Driver.GetPointerAttribute(device.Pointer, PointerAttribute.DeviceOrdinal), Is.Zero);
            Assert.That(Driver.GetPointerAttribute(device.Pointer, PointerAttribute.Context), Is.EqualTo((ulong)Driver.GetCurrentContext()));
            Assert.That(Driver.GetPointerAttribute((ulong)pinned.Pointer, PointerAttribute.MemoryType), Is.EqualTo((ulong)MemoryType.Host));
            Assert.That(Driver.GetPointerAttribute((ulong)pinned.Pointer + 100, PointerAttribute.HostPointer), Is.EqualTo((ulong)pinned.Pointer + 100));
        });
        ulong pageable = (ulong)Marshal.AllocHGlobal(64);
        try
        {
            Assert.That(Fails(() => Driver.GetPointerAttribute(pageable, PointerAttribute.MemoryType)).Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_VALUE));
        }
        finally
        {
            Marshal.FreeHGlobal((IntPtr)pageable);
        }
    }

    [Test]
    public void CubinIsRefused()
    {
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0x33, 0, 0, 0, 0, 0, 0, 0, 0];
        CudaException e = Fails(() => Driver.LoadModule(elf));
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_NO_BINARY_FOR_GPU));
        Assert.That(e.Message, Does.Contain("executes PTX only"));
    }

    [Test]
    public void MalformedPtxIsRefusedWithTheReason()
    {
        CudaException e = Fails(() => Driver.LoadModule("this is not PTX\0"u8));
        Assert.That(e.Result, Is.EqualTo(CuResult.CUDA_ERROR_INVALID_PTX));
        Assert.That(e.Message, Does.Contain("Virtual device: cuModuleLoadData"));
    }

    [Test]
    public void AnUnimplementedExportReturnsNotSupportedAndNamesItself()
    {
        IntPtr shim = LibraryResolver.Probe(NativeLibraryKind.Driver).Handle;
        var register = (delegate* unmanaged[Cdecl]<byte*, IntPtr, int>)NativeLibrary.GetExport(shim, "ctvd_register");
        var isCapturing = (delegate* unmanaged[Cdecl]<IntPtr, int*, int>)NativeLibrary.GetExport(shim, "cuStreamIsCapturing");
        IntPtr implementation = DriverExports.All().Single(e => e.Name == "cuStreamIsCapturing").Function;
        fixed (byte* name = "cuStreamIsCapturing\0"u8)
        fixed (byte* unknown = "cuNoSuchFunction\0"u8)
        {
            Assert.That(register(unknown, implementation), Is.EqualTo(-1));
            Assert.That(register(name, IntPtr.Zero), Is.Zero);
            try
            {
                int status;
                int r = isCapturing(IntPtr.Zero, &status);
                Assert.That(r, Is.EqualTo((int)CuResult.CUDA_ERROR_NOT_SUPPORTED));
                Assert.That(new CudaException((CuResult)r, "cuStreamIsCapturing").Message,
                    Does.Contain("cuStreamIsCapturing is not implemented by the virtual device"));
            }
            finally
            {
                register(name, implementation);
            }
            int captured = -1;
            Assert.That(isCapturing(IntPtr.Zero, &captured), Is.Zero);
            Assert.That(captured, Is.Zero);
        }
    }

    [Test]
    public void TwoDevicesHaveTheirOwnMemoryAndCopyBetweenThem()
    {
        if (Driver.GetDeviceCount() < 2)
        {
            Assert.Ignore($"Needs two virtual devices: {LibraryResolver.VirtualDeviceVariable}=devices=2.");
        }
        using PrimaryContextHandle second = Driver.RetainPrimaryContext(Driver.GetDevice(1));
        using var onFirst = new DeviceBuffer(64);
        Driver.CopyToDevice<int>(onFirst.Pointer, Enumerable.Range(1, 16).ToArray());
        Driver.SynchronizeContext(); // the copy from pageable memory may still be queued, and legacy streams of two contexts are unordered
        second.MakeCurrent();
        try
        {
            Assert.That(Driver.GetName(1), Does.Contain("Virtual"));
            Assert.That(Driver.GetCurrentContext(), Is.Not.EqualTo(IntPtr.Zero));
            ulong onSecond = Driver.Allocate(64);
            Assert.That(Driver.GetPointerAttribute(onSecond, PointerAttribute.DeviceOrdinal), Is.EqualTo(1UL));
            Driver.CopyDeviceToDevice(onSecond, onFirst.Pointer, 64);
            var back = new int[16];
            Driver.CopyToHost<int>(back, onSecond);
            Assert.That(back, Is.EqualTo(Enumerable.Range(1, 16).ToArray()));
            Driver.Free(onSecond);
        }
        finally
        {
            MakeCurrent();
        }
    }
}
