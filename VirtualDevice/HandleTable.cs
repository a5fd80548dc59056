using System.Collections.Concurrent;

namespace CudaTensor.VirtualDevice;

/// <summary>
/// The opaque handles the emulated libraries hand out (CUcontext, CUstream, CUevent, CUmodule, CUfunction, CUgraph,
/// CUgraphExec; cuBLAS handles, cuBLASLt descriptors, layouts and preferences): small non-zero numbers mapped to the
/// emulator's objects, never host addresses. One table for every kind, so that a handle of the wrong kind (an event
/// passed as a stream, a layout passed as a descriptor) or a destroyed one is found and refused.
/// </summary>
internal static class HandleTable
{
    // Handles are multiples of 16 from 0x10000: never zero, never CU_STREAM_LEGACY (1) or CU_STREAM_PER_THREAD (2).
    private static readonly ConcurrentDictionary<IntPtr, object> Objects = new();
    private static long s_next = 0x10000;

    /// <summary>A new handle for <paramref name="value"/>.</summary>
    /// <param name="value">The object.</param>
    /// <returns>The handle.</returns>
    public static IntPtr Add(object value)
    {
        var handle = checked((IntPtr)Interlocked.Add(ref s_next, 16));
        Objects[handle] = value;
        return handle;
    }

    /// <summary>The object behind <paramref name="handle"/> when it is a live <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The expected kind.</typeparam>
    /// <param name="handle">The handle.</param>
    /// <param name="value">The object.</param>
    /// <returns>Whether the handle is a live <typeparamref name="T"/>.</returns>
    public static bool TryGet<T>(IntPtr handle, out T value)
        where T : class
    {
        if (Objects.TryGetValue(handle, out object? o) && o is T t)
        {
            value = t;
            return true;
        }
        value = null!;
        return false;
    }

    /// <summary>The object behind <paramref name="handle"/>, or null when it is unknown, destroyed or of another kind.</summary>
    /// <typeparam name="T">The expected kind.</typeparam>
    /// <param name="handle">The handle.</param>
    /// <returns>The object or null.</returns>
    public static T? Get<T>(IntPtr handle)
        where T : class
        => TryGet(handle, out T value) ? value : null;

    /// <summary>Forgets a handle (destroy calls); later uses of it are invalid.</summary>
    /// <param name="handle">The handle.</param>
    public static void Remove(IntPtr handle) => Objects.TryRemove(handle, out _);

    /// <summary>Forgets <paramref name="handle"/> when it is a live <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The expected kind.</typeparam>
    /// <param name="handle">The handle.</param>
    /// <returns>False when the handle is unknown, destroyed or of another kind (then nothing is removed).</returns>
    public static bool Remove<T>(IntPtr handle)
        where T : class
        => TryGet(handle, out T value) && Objects.TryRemove(new KeyValuePair<IntPtr, object>(handle, value));
}
