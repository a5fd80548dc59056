using CudaTensor.CudaRuntime.Memory;
using System.Globalization;

namespace CudaTensor;

/// <summary>
/// A CUDA device ran out of memory even after the pool freed its cache, the garbage collector ran the
/// finalizers of forgotten tensors, and the allocation was retried. The message states the request, what
/// tensors hold, what the pool caches, the device's free and total memory, and what to try.
/// </summary>
public sealed class CudaOutOfMemoryException : OutOfMemoryException
{
    /// <summary>Creates the exception with the numbers of the failed request.</summary>
    public CudaOutOfMemoryException(Device device, long requestedBytes, long allocatedBytes, long cachedBytes, long freeBytes, long totalBytes, long? limitBytes)
        : base(Format(device, requestedBytes, allocatedBytes, cachedBytes, freeBytes, totalBytes, limitBytes))
    {
        Device = device;
        RequestedBytes = requestedBytes;
        AllocatedBytes = allocatedBytes;
        CachedBytes = cachedBytes;
        FreeBytes = freeBytes;
        TotalBytes = totalBytes;
        LimitBytes = limitBytes;
    }

    /// <summary>The device.</summary>
    public Device Device { get; }

    /// <summary>The size of the failed request.</summary>
    public long RequestedBytes { get; }

    /// <summary>Bytes held by live tensors.</summary>
    public long AllocatedBytes { get; }

    /// <summary>Bytes the pool still caches (normally 0 here: the cache was released before giving up).</summary>
    public long CachedBytes { get; }

    /// <summary>Free memory the driver reported (-1 when unknown).</summary>
    public long FreeBytes { get; }

    /// <summary>The device's total memory (-1 when unknown).</summary>
    public long TotalBytes { get; }

    /// <summary>The pool's configured limit, or null.</summary>
    public long? LimitBytes { get; }

    /// <summary>Bytes as text with a binary unit: "2.00 GiB".</summary>
    internal static string FormatBytes(long bytes)
    {
        if (bytes < 0) return "unknown";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return u == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B") : string.Create(CultureInfo.InvariantCulture, $"{v:F2} {units[u]}");
    }

    private static string Format(Device device, long requested, long allocated, long cached, long free, long total, long? limit)
    {
        string limitText = limit is long l ? $"; the pool is limited to {FormatBytes(l)} by {CachingAllocator.LimitVariable}" : "";
        return $"CUDA out of memory on {device}: tried to allocate {FormatBytes(requested)}; tensors hold {FormatBytes(allocated)}, "
            + $"the pool caches {FormatBytes(cached)}, and the device has {FormatBytes(free)} free of {FormatBytes(total)} total{limitText}. "
            + "Try: dispose tensors you no longer need (or create them inside Tensor.NewScope()), use a smaller batch, "
            + "call Cuda.EmptyCache() if another library shares the GPU"
            + (limit is null ? "" : $", or raise {CachingAllocator.LimitVariable}") + ".";
    }
}
