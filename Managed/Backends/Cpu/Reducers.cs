using System.Numerics;
using System.Numerics.Tensors;

namespace CudaTensor.Backends.Cpu;

/// <summary>An associative combine with vectorized span forms: whole-span reduce and row-wise accumulate.</summary>
internal interface IReducer<T> where T : unmanaged
{
    static abstract T Combine(T acc, T x);
    static abstract T Reduce(ReadOnlySpan<T> x);
    /// <summary>acc[i] = Combine(acc[i], x[i]).</summary>
    static abstract void Accumulate(ReadOnlySpan<T> x, Span<T> acc);
}

internal readonly struct SumReducer<T> : IReducer<T> where T : unmanaged, INumber<T>
{
    public static T Combine(T acc, T x) => acc + x;
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Sum(x);
    public static void Accumulate(ReadOnlySpan<T> x, Span<T> acc) => TensorPrimitives.Add(acc, x, acc);
}

internal readonly struct ProdReducer<T> : IReducer<T> where T : unmanaged, INumber<T>
{
    public static T Combine(T acc, T x) => acc * x;
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Product(x);
    public static void Accumulate(ReadOnlySpan<T> x, Span<T> acc) => TensorPrimitives.Multiply(acc, x, acc);
}

internal readonly struct MaxReducer<T> : IReducer<T> where T : unmanaged, INumber<T>
{
    // T.Max and TensorPrimitives.Max propagate NaN, matching torch.max/amax.
    public static T Combine(T acc, T x) => T.Max(acc, x);
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Max(x);
    public static void Accumulate(ReadOnlySpan<T> x, Span<T> acc) => TensorPrimitives.Max(acc, x, acc);
}

internal readonly struct MinReducer<T> : IReducer<T> where T : unmanaged, INumber<T>
{
    public static T Combine(T acc, T x) => T.Min(acc, x);
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Min(x);
    public static void Accumulate(ReadOnlySpan<T> x, Span<T> acc) => TensorPrimitives.Min(acc, x, acc);
}
