using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

// The tanh approximation of GELU, 0.5·x·(1 + tanh(z)) with z = √(2/π)·(x + 0.044715·x³), in lanes as
// x / (1 + e^(-2z)): the same function (1 + tanh z = 2/(1 + e^(-2z))), one exp instead of a tanh, and no
// cancellation for negative x, where 1 + tanh z loses the leading digits in the scalar form. Edge values as the scalar
// form: -0 stays -0, +∞ gives +∞, -∞ gives NaN (-∞/∞ here, -∞·0 there), and a finite x whose e^(-2z) overflows gives
// -0 (the scalar form gives -0 from about x = -5.6 in float64, -3 in float32, where 1 + tanh z rounds to 0).

/// <summary>GELU (tanh form) in float64 lanes with <see cref="DoubleExp"/>.</summary>
internal readonly struct GeluTanhLanes : ILaneFunction<double>
{
    // -2·√(2/π) and -2·√(2/π)·0.044715: -2z = x·(K1 + K3·x²).
    private const double K1 = -1.5957691216057307;
    private const double K3 = -1.5957691216057307 * 0.044715;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> p0, Vector512<double> p1)
    {
        var w = x * Vector512.FusedMultiplyAdd(x * x, Vector512.Create(K3), Vector512.Create(K1));
        return x / (Vector512<double>.One + DoubleExp.Invoke(w));
    }
}

/// <summary>GELU (tanh form) in float32 lanes with <see cref="FloatExp"/> (about 2 ulp): a few float ulps in all.</summary>
internal readonly struct GeluTanhFloat : IFloatLaneFunction
{
    private const float K1 = -1.5957691216057307f;
    private const float K3 = (float)(-1.5957691216057307 * 0.044715);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var w = x * Vector512.FusedMultiplyAdd(x * x, Vector512.Create(K3), Vector512.Create(K1));
        return x / (Vector512<float>.One + FloatExp.Invoke(w));
    }
}
