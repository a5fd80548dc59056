using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// The few vector operations the GEMM micro-kernel needs, abstracted over the register width so that one
/// kernel source serves 512-, 256- and 128-bit hardware. Every member is a JIT-time constant or an
/// intrinsic once the generic arguments are known, so the abstraction costs nothing.
/// </summary>
/// <typeparam name="TVec">The hardware vector type (<see cref="Vector512{T}"/> and friends).</typeparam>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
internal unsafe interface IGemmVectorOps<TVec, T>
    where TVec : unmanaged
    where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Rows of the micro-kernel: 2*MR accumulators + 2 B vectors + 1 broadcast must fit the register file.</summary>
    static abstract int MR { get; }

    /// <summary>Loads one vector (any alignment).</summary>
    static abstract TVec Load(T* p);

    /// <summary>Stores one vector (any alignment).</summary>
    static abstract void Store(TVec v, T* p);

    /// <summary>Broadcasts a scalar to every lane.</summary>
    static abstract TVec Broadcast(T x);

    /// <summary>Computes <c>a * b + c</c> with a single rounding.</summary>
    static abstract TVec Fma(TVec a, TVec b, TVec c);

    /// <summary>Lane-wise product.</summary>
    static abstract TVec Multiply(TVec a, TVec b);
}

/// <summary>AVX-512 operations: 32 zmm registers hold a 12-row by 2-vector accumulator tile.</summary>
internal readonly unsafe struct GemmOps512<T> : IGemmVectorOps<Vector512<T>, T>
    where T : unmanaged
{
    public static int Count => Vector512<T>.Count;

    public static int MR => 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> v, T* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
}

/// <summary>AVX2 operations: only 16 ymm registers, so the tile is 6 rows by 2 vectors.</summary>
internal readonly unsafe struct GemmOps256<T> : IGemmVectorOps<Vector256<T>, T>
    where T : unmanaged
{
    public static int Count => Vector256<T>.Count;

    public static int MR => 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> v, T* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
}

/// <summary>128-bit operations (Arm NEON, or software where nothing wider is accelerated): 8 rows by 2 vectors.</summary>
internal readonly unsafe struct GemmOps128<T> : IGemmVectorOps<Vector128<T>, T>
    where T : unmanaged
{
    public static int Count => Vector128<T>.Count;

    public static int MR => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(T* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> v, T* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T x) => Vector128.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
}
