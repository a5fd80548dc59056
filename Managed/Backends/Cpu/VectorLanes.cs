using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>A function of one <see cref="Vector512{T}"/> of elements and two parameters broadcast to every lane.</summary>
internal interface ILaneFunction<T> where T : unmanaged
{
    static abstract Vector512<T> Invoke(Vector512<T> x, Vector512<T> p0, Vector512<T> p1);
}

/// <summary>
/// Applies an <see cref="ILaneFunction{T}"/> to rows, a whole <see cref="Vector512{T}"/> at a time. The tail goes
/// through the same lane function (padded with zeros), so an element's result depends on its value alone, not on its
/// position in the row. <c>y</c> may be <c>x</c> itself: each vector is loaded before its slot is stored.
/// Callers check <see cref="IsSupported"/> and keep their scalar loop otherwise (Vector512 without AVX-512 is emulated).
/// </summary>
internal static class VectorLanes
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    public static void Map<T, TFunction>(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
        where T : unmanaged where TFunction : ILaneFunction<T>
    {
        var v0 = Vector512.Create(p0);
        var v1 = Vector512.Create(p1);
        int n = x.Length, i = 0, w = Vector512<T>.Count;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        for (; i + w <= n; i += w) TFunction.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), v0, v1).StoreUnsafe(ref yr, (nuint)i);
        if (i < n)
        {
            Span<T> buffer = stackalloc T[Vector512<T>.Count];
            buffer.Clear();
            x[i..].CopyTo(buffer);
            TFunction.Invoke(Vector512.Create<T>(buffer), v0, v1).CopyTo(buffer);
            buffer[..(n - i)].CopyTo(y[i..]);
        }
    }

    /// <summary>
    /// Float32 or float64 rows of <typeparamref name="T"/> through a float64 lane function (float32 widened, see
    /// <see cref="MapWidened{TFunction}"/>); false, with nothing written, for other dtypes or without AVX-512.
    /// </summary>
    public static bool TryMapFloating<T, TFunction>(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
        where T : unmanaged where TFunction : ILaneFunction<double>
    {
        if (!IsSupported) return false;
        if (typeof(T) == typeof(double))
        {
            Map<double, TFunction>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), Unsafe.As<T, double>(ref p0), Unsafe.As<T, double>(ref p1));
            return true;
        }
        if (typeof(T) == typeof(float))
        {
            MapWidened<TFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), Unsafe.As<T, float>(ref p0), Unsafe.As<T, float>(ref p1));
            return true;
        }
        return false;
    }

    /// <summary>
    /// Float32 rows through a float64 lane function: 16 floats are widened to two vectors of 8 doubles, evaluated, and
    /// rounded back once. With a float64 function accurate to a few double ulps the float result is correctly rounded
    /// but for rare halfway cases; overflow rounds to ±inf and small results to float subnormals, as a float formula would.
    /// </summary>
    public static void MapWidened<TFunction>(ReadOnlySpan<float> x, Span<float> y, double p0, double p1)
        where TFunction : ILaneFunction<double>
    {
        var v0 = Vector512.Create(p0);
        var v1 = Vector512.Create(p1);
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (; i + 16 <= n; i += 16) Widened<TFunction>(Vector512.LoadUnsafe(ref xr, (nuint)i), v0, v1).StoreUnsafe(ref yr, (nuint)i);
        if (i < n)
        {
            Span<float> buffer = stackalloc float[16];
            buffer.Clear();
            x[i..].CopyTo(buffer);
            Widened<TFunction>(Vector512.Create<float>(buffer), v0, v1).CopyTo(buffer);
            buffer[..(n - i)].CopyTo(y[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widened<TFunction>(Vector512<float> x, Vector512<double> p0, Vector512<double> p1)
        where TFunction : ILaneFunction<double>
    {
        var (lo, hi) = Vector512.Widen(x);
        return Vector512.Narrow(TFunction.Invoke(lo, p0, p1), TFunction.Invoke(hi, p0, p1));
    }
}
