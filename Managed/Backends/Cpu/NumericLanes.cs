using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// sign(x) in lanes of any numeric dtype: 1 where x &gt; 0, -1 where x &lt; 0, +0 for ±0, NaN passed through, as
/// <see cref="SignOp{T}"/>. The comparison masks are all-ones or all-zeros, so masking the bit patterns of 1 and -1
/// with them selects the constants for integers and floats alike.
/// </summary>
internal readonly struct SignLanes<T> : ILaneFunction<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> p0, Vector512<T> p1)
    {
        var r = (Vector512.GreaterThan(x, Vector512<T>.Zero) & Vector512<T>.One)
            | (Vector512.LessThan(x, Vector512<T>.Zero) & Vector512.Create(-T.One));
        // x == x fails only for NaN (integers always pass).
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);
    }
}

/// <summary>x &lt; 0 ? x·slope : x, as <see cref="LeakyReluOp{T}"/>: NaN and -0 fail the comparison and pass through.</summary>
internal readonly struct LeakyReluLanes<T> : ILaneFunction<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> slope, Vector512<T> p1)
        => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), x * slope, x);
}
