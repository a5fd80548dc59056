using CudaTensor.Backends;

namespace CudaTensor.Tensors;

/// <summary>
/// Copies between devices. A CPU tensor's storage is itself a pinned host buffer, so the device backend reads into it
/// or writes from it directly: one copy, with no host array of the tensor's size in between. Two CUDA devices pass
/// through a CPU tensor (host memory), which keeps each device's stream order without cross-device events.
/// </summary>
internal static class DeviceTransfer
{
    // Spans are int-sized; copying in 1 GiB pieces (a multiple of every element size) lifts that limit.
    private const long ChunkBytes = 1L << 30;

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/>: both contiguous, same shape and dtype, different devices.</summary>
    public static void Copy(Tensor dst, Tensor src)
    {
        if (src.Device.IsCpu) Chunked(dst, src, toHost: false);
        else if (dst.Device.IsCpu) Chunked(src, dst, toHost: true);
        else
        {
            using var host = src.To(Device.Cpu);
            Chunked(dst, host, toHost: false);
        }
    }

    private static unsafe void Chunked(Tensor device, Tensor host, bool toHost)
    {
        var hostMemory = Capability.Require<IHostMemory>(host.Backend, "To");
        int elementSize = host.DType.ElementSize();
        long total = host.NumElements, perChunk = ChunkBytes / elementSize;
        for (long start = 0; start < total; start += perChunk)
        {
            long count = Math.Min(perChunk, total - start);
            var bytes = new Span<byte>(hostMemory.HostAddress(host.FlatLayout(start, count)), checked((int)(count * elementSize)));
            if (toHost) device.Backend.ReadToHost(device.FlatLayout(start, count), bytes);
            else device.Backend.WriteFromHost(device.FlatLayout(start, count), bytes);
        }
    }
}
