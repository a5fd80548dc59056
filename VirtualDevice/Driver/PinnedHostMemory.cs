using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// cuMemAllocHost's page-locked host memory. The driver treats it differently from pageable memory: an
/// asynchronous copy from it is read when the copy executes (not at the call), and one into it is written when the
/// copy executes (the call returns at once), so code must synchronize before touching the buffer.
/// </summary>
internal static unsafe class PinnedHostMemory
{
    private const nuint PageBytes = 4096;
    private static readonly object Gate = new();
    private static readonly SortedList<ulong, (ulong Length, DriverContext Context)> Blocks = [];

    /// <summary>Allocates a pinned block.</summary>
    /// <param name="bytes">Size (not zero).</param>
    /// <param name="context">The context current at the call (pointer attributes report it).</param>
    /// <returns>The host pointer, or null when the host has no memory.</returns>
    public static void* Allocate(ulong bytes, DriverContext context)
    {
        void* p = NativeMemory.AlignedAlloc((nuint)bytes, PageBytes);
        if (p != null)
        {
            lock (Gate)
            {
                Blocks.Add((ulong)p, (bytes, context));
            }
        }
        return p;
    }

    /// <summary>Frees a block from <see cref="Allocate"/>.</summary>
    /// <param name="p">The pointer.</param>
    /// <returns>False when <paramref name="p"/> is not a pinned block's start.</returns>
    public static bool Free(void* p)
    {
        lock (Gate)
        {
            if (!Blocks.Remove((ulong)p))
            {
                return false;
            }
        }
        NativeMemory.AlignedFree(p);
        return true;
    }

    /// <summary>The pinned block holding [<paramref name="p"/>, + <paramref name="bytes"/>) whole, if any.</summary>
    /// <param name="p">The first byte.</param>
    /// <param name="bytes">The length.</param>
    /// <param name="context">The context that allocated it.</param>
    /// <returns>Whether the range is pinned.</returns>
    public static bool Contains(ulong p, ulong bytes, out DriverContext? context)
    {
        lock (Gate)
        {
            IList<ulong> starts = Blocks.Keys;
            int lo = 0, hi = starts.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (starts[mid] <= p)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (found >= 0)
            {
                var (length, owner) = Blocks.Values[found];
                if (p - starts[found] + bytes <= length)
                {
                    context = owner;
                    return true;
                }
            }
        }
        context = null;
        return false;
    }
}
