using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>A function of 16 float32 lanes (<see cref="Vector512{T}"/>).</summary>
internal interface IFloatLaneFunction
{
    static abstract Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>Applies an <see cref="IFloatLaneFunction"/> to float32 rows, 16 elements at a time.</summary>
internal static class FloatLanes
{
    public static void Map<TFunction>(ReadOnlySpan<float> x, Span<float> y) where TFunction : IFloatLaneFunction
    {
        int i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (; i + 16 <= x.Length; i += 16) TFunction.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        if (i < x.Length)
        {
            // The tail through the same formula, so a result does not depend on the element's position in its row.
            Span<float> buffer = stackalloc float[16];
            x[i..].CopyTo(buffer);
            var r = TFunction.Invoke(Vector512.Create<float>(buffer));
            for (int k = 0; i + k < x.Length; k++) y[i + k] = r.GetElement(k);
        }
    }
}
