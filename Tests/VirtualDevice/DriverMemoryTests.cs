using CudaTensor.VirtualDevice;
using CudaTensor.VirtualDevice.Driver;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>The virtual device's global memory, used directly (no driver activation needed).</summary>
[TestFixture]
public unsafe class DriverMemoryTests
{
    [Test]
    public void AllocationsArePoisonedAlignedAndAboveTheHostRange()
    {
        var memory = new DeviceMemory(0, 1UL << 20);
        Assert.That(memory.Allocate(100, out ulong a), Is.EqualTo(CudaErrorCode.Success));
        Assert.That(memory.Allocate(8, out ulong b), Is.EqualTo(CudaErrorCode.Success));
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.GreaterThanOrEqualTo(IGlobalMemory.LowestAddress));
            Assert.That(a % 256, Is.Zero);
            Assert.That(b % 256, Is.Zero);
            Assert.That(b, Is.GreaterThan(a + 100), "a gap separates allocations");
            Assert.That(memory.UsedBytes, Is.EqualTo(256UL + 256UL), "sizes round up to 256 bytes");
        });
        MemoryRegion region = memory.Resolve(a + 99);
        Assert.That(region.Start, Is.EqualTo(a));
        Assert.That(region.Length, Is.EqualTo(100UL));
        float f = *(float*)region.Host;
        double d = *(double*)region.Host;
        Assert.That(float.IsNaN(f) && double.IsNaN(d), "fresh memory reads as NaN");
    }

    [Test]
    public void OutOfMemoryAtTheLimit()
    {
        var memory = new DeviceMemory(0, 4096);
        Assert.That(memory.Allocate(4000, out _), Is.EqualTo(CudaErrorCode.Success));
        Assert.That(memory.Allocate(256, out ulong none), Is.EqualTo(CudaErrorCode.OutOfMemory));
        Assert.That(none, Is.Zero);
        Assert.That(DriverErrors.Detail((int)CudaErrorCode.OutOfMemory), Does.Contain("4096 of 4096 bytes"));
        Assert.That(memory.Allocate(0, out _), Is.EqualTo(CudaErrorCode.InvalidValue));
    }

    [Test]
    public void OverrunNamesTheAllocationAndTheDistance()
    {
        var memory = new DeviceMemory(0, 1UL << 20);
        memory.Allocate(64, out ulong a);
        DeviceFaultException e = memory.OutOfBounds(a + 60, 8, write: true);
        Assert.That(e.Error, Is.EqualTo(CudaErrorCode.IllegalAddress));
        Assert.That(e.Message, Does.Contain("write of 8 bytes").And.Contain("runs 4 bytes past the end").And.Contain($"0x{a:X}"));

        Assert.Throws<DeviceFaultException>(() => memory.Resolve(a + 64 + 16));
        string past = memory.OutOfBounds(a + 64 + 16, 4, write: false).Message;
        Assert.That(past, Does.Contain("16 bytes past the end of the allocation of 64 bytes"));
    }

    [Test]
    public void UseAfterFreeIsReportedAndAddressesAreNeverReused()
    {
        var memory = new DeviceMemory(0, 1UL << 20);
        memory.Allocate(1024, out ulong a);
        Assert.That(memory.Free(a), Is.EqualTo(CudaErrorCode.Success));
        memory.Allocate(1024, out ulong b);
        Assert.That(b, Is.Not.EqualTo(a));
        var e = Assert.Throws<DeviceFaultException>(() => memory.Resolve(a + 12));
        Assert.That(e!.Message, Does.Contain("use after free").And.Contain("12 bytes into an allocation of 1024 bytes"));
        Assert.That(memory.Free(a), Is.EqualTo(CudaErrorCode.InvalidValue), "double free");
        Assert.That(memory.UsedBytes, Is.EqualTo(1024UL));
    }

    [Test]
    public void NonDeviceAddressesAreCalledSo()
    {
        var memory = new DeviceMemory(1, 1UL << 20);
        Assert.That(memory.OutOfBounds(0, 4, write: false).Message, Does.Contain("not a device address"));
        Assert.That(memory.OutOfBounds(memory.Base + 5, 4, write: false).Message, Does.Contain("no live allocation"));
        memory.Allocate(256, out ulong a);
        Assert.That(memory.OutOfBounds(a - 1000, 4, write: false).Message, Does.Contain("starting 1000 bytes after the address"));
    }

    [Test]
    public void ConcurrentResolveSeesConsistentRegions()
    {
        var memory = new DeviceMemory(0, 64UL << 20);
        memory.Allocate(4096, out ulong stable);
        using var stop = new CancellationTokenSource();
        Task churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                memory.Allocate(512, out ulong p);
                memory.Free(p);
            }
        });
        for (int i = 0; i < 100_000; i++)
        {
            Assert.That(memory.Resolve(stable + (ulong)(i % 4096)).Start, Is.EqualTo(stable));
        }
        stop.Cancel();
        churn.Wait();
    }
}
