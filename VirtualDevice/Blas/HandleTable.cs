using System.Collections.Concurrent;

namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// Opaque handles for emulated library objects (cuBLAS handles, cuBLASLt descriptors). A handle is a synthetic
/// non-null value, never a host address: each table stamps its own tag into the high bits, so a handle of one
/// kind passed where another is expected, or a destroyed handle, is found unknown instead of being misread.
/// </summary>
/// <typeparam name="T">The object behind each handle.</typeparam>
/// <param name="tag">A distinct small number per table (1..255).</param>
internal sealed class HandleTable<T>(int tag) where T : class
{
    private readonly ConcurrentDictionary<IntPtr, T> objects = new();
    private long next;

    /// <summary>Registers <paramref name="value"/> and returns its new handle.</summary>
    public IntPtr Add(T value)
    {
        // 16-byte steps keep handles looking like aligned pointers to code that checks alignment.
        var handle = new IntPtr(((long)tag << 48) | (Interlocked.Increment(ref next) << 4));
        objects[handle] = value;
        return handle;
    }

    /// <summary>The object behind <paramref name="handle"/>, or null when it is unknown or destroyed.</summary>
    public T? Get(IntPtr handle) => objects.TryGetValue(handle, out T? value) ? value : null;

    /// <summary>Forgets <paramref name="handle"/>; false when it was not live.</summary>
    public bool Remove(IntPtr handle) => objects.TryRemove(handle, out _);

    /// <summary>Live handles (for tests that check nothing leaks).</summary>
    public int Count => objects.Count;
}
