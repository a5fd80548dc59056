using CudaTensor.Native;
using CudaTensor.VirtualDevice;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Streams, events, faults and graphs of the virtual device. Strict mode (work runs only when something waits for
/// it) turns a missing synchronization into wrong data, which these tests show on purpose.
/// </summary>
[TestFixture]
public unsafe class DriverStreamTests : DriverFixture
{
    private const int N = 1024;

    [Test]
    public void AMissingEventBetweenStreamsGivesStaleDataInStrictMode()
    {
        Strictly(() =>
        {
            using var source = new DeviceBuffer(N * 4);
            using var target = new DeviceBuffer(N * 4);
            using StreamHandle producer = Driver.CreateStream(), consumer = Driver.CreateStream();
            IntPtr p = producer.DangerousGetHandle(), c = consumer.DangerousGetHandle();
            Driver.SetWordsAsync(source.Pointer, 7, N, p);
            Driver.SynchronizeStream(p);

            // No event: the consumer copies before the producer's memset has run.
            Driver.SetWordsAsync(source.Pointer, 42, N, p);
            Driver.CopyDeviceToDeviceAsync(target.Pointer, source.Pointer, N * 4, c);
            Driver.SynchronizeStream(c);
            Assert.That(Read(target), Has.All.EqualTo(7), "strict mode must expose the missing event");
            Driver.SynchronizeStream(p);

            // With an event the consumer waits for the producer.
            using EventHandle produced = Driver.CreateEvent();
            Driver.SetWordsAsync(source.Pointer, 43, N, p);
            Driver.RecordEvent(produced.DangerousGetHandle(), p);
            Driver.StreamWaitEvent(c, produced.DangerousGetHandle());
            Driver.CopyDeviceToDeviceAsync(target.Pointer, source.Pointer, N * 4, c);
            Driver.SynchronizeStream(c);
            Assert.That(Read(target), Has.All.EqualTo(43));
        });
    }

    [Test]
    public void TheLegacyStreamWaitsForBlockingStreamsOnly()
    {
        Strictly(() =>
        {
            using var a = new DeviceBuffer(N * 4);
            using var b = new DeviceBuffer(N * 4);
            Driver.SetWords(a.Pointer, 1, N);
            Driver.SetWords(b.Pointer, 1, N);
            using StreamHandle blocking = Driver.CreateStream(0), nonBlocking = Driver.CreateStream(Driver.StreamNonBlocking);
            Driver.SetWordsAsync(a.Pointer, 5, N, blocking.DangerousGetHandle());
            Driver.SetWordsAsync(b.Pointer, 9, N, nonBlocking.DangerousGetHandle());
            Assert.That(Read(a), Has.All.EqualTo(5), "a legacy-stream copy follows earlier work on blocking streams");
            Assert.That(Read(b), Has.All.EqualTo(1), "but not work on non-blocking streams");
            Driver.SynchronizeStream(nonBlocking.DangerousGetHandle());
            Assert.That(Read(b), Has.All.EqualTo(9));
        });
    }

    [Test]
    public void QueriesSayNotReadyUntilSomethingWaits()
    {
        Strictly(() =>
        {
            using var a = new DeviceBuffer(N * 4);
            using StreamHandle stream = Driver.CreateStream();
            using EventHandle done = Driver.CreateEvent();
            IntPtr s = stream.DangerousGetHandle();
            Assert.That(Driver.QueryStream(s), Is.True);
            Assert.That(Driver.QueryEvent(done.DangerousGetHandle()), Is.True, "an event never recorded is complete");
            Driver.SetWordsAsync(a.Pointer, 3, N, s);
            Driver.RecordEvent(done.DangerousGetHandle(), s);
            Assert.That(Driver.QueryStream(s), Is.False);
            Assert.That(Driver.QueryEvent(done.DangerousGetHandle()), Is.False);
            Driver.SynchronizeEvent(done.DangerousGetHandle());
            Assert.That(Driver.QueryEvent(done.DangerousGetHandle()), Is.True);
            Assert.That(Driver.QueryStream(s), Is.True);
        });
    }

    [Test]
    public void EventsMeasureElapsedTime()
    {
        using var a = new DeviceBuffer(1 << 20);
        using StreamHandle stream = Driver.CreateStream();
        using EventHandle start = Driver.CreateEvent(Driver.EventDefault), end = Driver.CreateEvent(Driver.EventDefault);
        using EventHandle untimed = Driver.CreateEvent(Driver.EventDisableTiming);
        IntPtr s = stream.DangerousGetHandle();
        Driver.RecordEvent(start.DangerousGetHandle(), s);
        Driver.SetBytesAsync(a.Pointer, 1, 1 << 20, s);
        Driver.RecordEvent(end.DangerousGetHandle(), s);
        Driver.RecordEvent(untimed.DangerousGetHandle(), s);
        Driver.SynchronizeEvent(end.DangerousGetHandle());
        Assert.That(Driver.ElapsedMilliseconds(start.DangerousGetHandle(), end.DangerousGetHandle()), Is.GreaterThanOrEqualTo(0f));
        Driver.SynchronizeEvent(untimed.DangerousGetHandle());
        Assert.That(Fails(() => Driver.ElapsedMilliseconds(start.DangerousGetHandle(), untimed.DangerousGetHandle())).Result,
            Is.EqualTo(CuResult.CUDA_ERROR_INVALID_HANDLE));
    }

    [Test]
    public void PageableSourcesAreReadAtTheCallPinnedOnesWhenTheCopyRuns()
    {
        Strictly(() =>
        {
            using var a = new DeviceBuffer(N * 4);
            using var b = new DeviceBuffer(N * 4);
            using PinnedHostBuffer pinned = Driver.AllocateHost(N * 4);
            using StreamHandle stream = Driver.CreateStream();
            IntPtr s = stream.DangerousGetHandle();
            int[] pageable = Enumerable.Repeat(1, N).ToArray();
            Span<int> pin = pinned.AsSpan<int>();
            pin.Fill(1);
            fixed (int* source = pageable)
            {
                Driver.CopyToDeviceAsync(a.Pointer, (IntPtr)source, N * 4, s);
                Driver.CopyToDeviceAsync(b.Pointer, pinned.Pointer, N * 4, s);
                pageable.AsSpan().Fill(2);
                pin.Fill(2);
                Driver.SynchronizeStream(s);
            }
            Assert.That(Read(a), Has.All.EqualTo(1), "pageable memory is staged at the call");
            Assert.That(Read(b), Has.All.EqualTo(2), "pinned memory is read when the copy runs");

            pin.Clear();
            Driver.CopyToHostAsync(pinned.Pointer, a.Pointer, N * 4, s);
            Assert.That(pinned.AsSpan<int>().ToArray(), Has.All.EqualTo(0), "a copy into pinned memory lands when the stream runs it");
            Driver.SynchronizeStream(s);
            Assert.That(pinned.AsSpan<int>().ToArray(), Has.All.EqualTo(1));
        });
    }

    [Test]
    public void AFaultIsReportedOnceAtTheNextSynchronization()
    {
        using StreamHandle stream = Driver.CreateStream();
        IntPtr s = stream.DangerousGetHandle();
        IVirtualContext context = VirtualContexts.Current!;
        Assert.That(context, Is.Not.Null);
        CudaErrorCode queued = context.Enqueue(s, "test fault", () => throw new DeviceFaultException(CudaErrorCode.MisalignedAddress, "read of 4 bytes at 0x10000000002"));
        Assert.That(queued, Is.EqualTo(CudaErrorCode.Success));
        CudaException e = Fails(() => Driver.SynchronizeStream(s));
        Assert.That((int)e.Result, Is.EqualTo((int)CudaErrorCode.MisalignedAddress));
        Assert.That(e.Message, Does.Contain("test fault: read of 4 bytes at 0x10000000002"));
        Assert.DoesNotThrow(() => Driver.SynchronizeStream(s), "reported once, then cleared");
    }

    [Test]
    public void CaptureRecordsAndGraphsReplay()
    {
        using var a = new DeviceBuffer(N * 4);
        using var b = new DeviceBuffer(N * 4);
        using StreamHandle stream = Driver.CreateStream(), side = Driver.CreateStream();
        IntPtr s = stream.DangerousGetHandle(), t = side.DangerousGetHandle();
        using EventHandle fork = Driver.CreateEvent(), join = Driver.CreateEvent();

        Driver.BeginCapture(s);
        Driver.SetWordsAsync(a.Pointer, 42, N, s);
        Driver.RecordEvent(fork.DangerousGetHandle(), s);
        Driver.StreamWaitEvent(t, fork.DangerousGetHandle()); // the side stream joins the capture
        Driver.CopyDeviceToDeviceAsync(b.Pointer, a.Pointer, N * 4, t);
        Driver.RecordEvent(join.DangerousGetHandle(), t);
        Driver.StreamWaitEvent(s, join.DangerousGetHandle());
        using GraphHandle graph = Driver.EndCapture(s);
        using GraphExecHandle exec = Driver.Instantiate(graph);

        Driver.SetWordsAsync(a.Pointer, 0, N, s);
        Driver.SetWordsAsync(b.Pointer, 0, N, s);
        Driver.SynchronizeStream(s);
        Assert.That(Read(b), Has.All.EqualTo(0), "capturing ran nothing");
        for (int replay = 0; replay < 2; replay++)
        {
            Driver.SetWordsAsync(b.Pointer, 1, N, s);
            Driver.LaunchGraph(exec, s);
            Driver.SynchronizeStream(s);
            Assert.That(Read(a), Has.All.EqualTo(42));
            Assert.That(Read(b), Has.All.EqualTo(42));
        }
    }

    [Test]
    public void WaitingOnACapturingStreamInvalidatesTheCapture()
    {
        using StreamHandle stream = Driver.CreateStream();
        IntPtr s = stream.DangerousGetHandle();
        Driver.BeginCapture(s);
        Assert.That((int)Fails(() => Driver.SynchronizeStream(s)).Result, Is.EqualTo((int)CudaErrorCode.StreamCaptureUnsupported));
        Assert.That((int)Fails(() => Driver.EndCapture(s)).Result, Is.EqualTo((int)CudaErrorCode.StreamCaptureInvalidated));

        Driver.BeginCapture(s, StreamCaptureMode.ThreadLocal);
        CuResult r = Driver.TryAllocate(256, out _);
        Assert.That((int)r, Is.EqualTo((int)CudaErrorCode.StreamCaptureUnsupported), "cuMemAlloc is unsafe during a thread-local capture");
        Assert.That(new CudaException(r, "cuMemAlloc").Message, Does.Contain("allocate before cuStreamBeginCapture"));
        Assert.That((int)Fails(() => Driver.EndCapture(s)).Result, Is.EqualTo((int)CudaErrorCode.StreamCaptureInvalidated));
        Assert.DoesNotThrow(() => Driver.SynchronizeStream(s), "the stream works normally after the capture ended");
    }

    private static int[] Read(DeviceBuffer buffer)
    {
        var host = new int[buffer.Bytes / 4];
        Driver.CopyToHost<int>(host, buffer.Pointer);
        return host;
    }
}
