using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// Per-thread packing buffers for GEMM, 64-byte aligned and grown on demand, so that products after warm-up
/// allocate nothing. They live on the pinned object heap and go away with their thread.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed unsafe class GemmScratch<T>
    where T : unmanaged
{
    [ThreadStatic]
    private static GemmScratch<T>? t_current;

    private T[] _storage = [];
    private long _aLength;
    private long _bLength;
    private long _tileLength;

    /// <summary>Gets the packed-A buffer.</summary>
    public T* A { get; private set; }

    /// <summary>Gets the packed-B buffer.</summary>
    public T* B { get; private set; }

    /// <summary>Gets the edge-tile buffer.</summary>
    public T* Tile { get; private set; }

    /// <summary>Returns this thread's buffers, at least as large as asked.</summary>
    public static GemmScratch<T> Get(long aLength, long bLength, long tileLength)
    {
        var scratch = t_current ??= new GemmScratch<T>();
        if (aLength > scratch._aLength || bLength > scratch._bLength || tileLength > scratch._tileLength)
        {
            scratch.Grow(Math.Max(aLength, scratch._aLength), Math.Max(bLength, scratch._bLength), Math.Max(tileLength, scratch._tileLength));
        }

        return scratch;
    }

    private void Grow(long aLength, long bLength, long tileLength)
    {
        const int Align = 64; // bytes: one cache line, one zmm register
        int perLine = Align / sizeof(T);
        aLength = (aLength + perLine - 1) / perLine * perLine;
        bLength = (bLength + perLine - 1) / perLine * perLine;
        tileLength = (tileLength + perLine - 1) / perLine * perLine;
        _storage = GC.AllocateUninitializedArray<T>(checked((int)(aLength + bLength + tileLength + perLine)), pinned: true);
        T* start = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
        start = (T*)(((nuint)start + (Align - 1)) & ~(nuint)(Align - 1));
        A = start;
        B = start + aLength;
        Tile = B + bLength;
        _aLength = aLength;
        _bLength = bLength;
        _tileLength = tileLength;
    }
}
