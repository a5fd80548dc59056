using System.Numerics;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Page-locked host buffers for copies between managed memory and the device. A host-to-device copy stages the
/// bytes in a pinned buffer and queues an asynchronous copy on the stream; the buffer is reused once an event
/// recorded after the copy has completed, so the caller never waits. Buffers are powers of two from 64 KiB;
/// copies above <see cref="MaxStagedBytes"/> bypass staging (the driver then copies pageable memory itself).
/// At most <see cref="MaxCachedBytes"/> of idle buffers are kept.
/// </summary>
internal sealed class PinnedStagingPool(CudaDeviceContext device)
{
    /// <summary>Copies up to 64 MiB are staged.</summary>
    public const long MaxStagedBytes = 64L << 20;

    private const long MinBufferBytes = 64L << 10;       // 64 KiB: below, one buffer serves many small copies
    private const long MaxCachedBytes = 256L << 20;      // keep at most 256 MiB pinned while idle

    private readonly Lock _gate = new();
    private readonly List<PinnedHostBuffer> _idle = [];
    private readonly List<(EventHandle Event, PinnedHostBuffer Buffer)> _inFlight = [];
    private long _idleBytes;

    /// <summary>Rents a buffer of at least <paramref name="bytes"/>; give it back with <see cref="ReturnAfter"/> or <see cref="Return"/>.</summary>
    public PinnedHostBuffer Rent(long bytes)
    {
        ulong size = BitOperations.RoundUpToPowerOf2((ulong)Math.Max(bytes, MinBufferBytes));
        lock (_gate)
        {
            Reclaim();
            int best = -1;
            for (int i = 0; i < _idle.Count; i++)
            {
                if (_idle[i].Bytes >= size && (best < 0 || _idle[i].Bytes < _idle[best].Bytes)) best = i;
            }
            if (best >= 0)
            {
                var b = _idle[best];
                _idle.RemoveAt(best);
                _idleBytes -= (long)b.Bytes;
                return b;
            }
        }
        device.MakeCurrent();
        return Driver.AllocateHost(size);
    }

    /// <summary>Returns a buffer whose last use on <paramref name="stream"/> is queued: it is reused after that work completes.</summary>
    public void ReturnAfter(PinnedHostBuffer buffer, nint stream)
    {
        var ev = Driver.CreateEvent(Driver.EventDisableTiming);
        Driver.RecordEvent(ev.DangerousGetHandle(), stream);
        lock (_gate) _inFlight.Add((ev, buffer));
    }

    /// <summary>Returns a buffer no queued work uses.</summary>
    public void Return(PinnedHostBuffer buffer)
    {
        lock (_gate) Keep(buffer);
    }

    private void Keep(PinnedHostBuffer buffer)
    {
        if (_idleBytes + (long)buffer.Bytes > MaxCachedBytes)
        {
            buffer.Dispose();
            return;
        }
        _idle.Add(buffer);
        _idleBytes += (long)buffer.Bytes;
    }

    private void Reclaim()
    {
        for (int i = _inFlight.Count - 1; i >= 0; i--)
        {
            var (ev, buffer) = _inFlight[i];
            if (!Driver.QueryEvent(ev.DangerousGetHandle())) continue;
            _inFlight.RemoveAt(i);
            ev.Dispose();
            Keep(buffer);
        }
    }
}
