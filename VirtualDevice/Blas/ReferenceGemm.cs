using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// The plain reference GEMM behind every emulated cuBLAS and cuBLASLt product: inputs converted to the compute
/// type (and rounded as the compute type says), fused multiply-add dot products in the compute type (float for
/// 32F compute, double for 64F), then alpha, beta, bias and activation in the compute type.
/// beta = 0 never reads C (C may hold NaN poison) and alpha = 0 never reads A or B, as cuBLAS documents.
/// Output columns run in parallel; each element's sum has a fixed order, so results do not depend on threads.
/// </summary>
internal static unsafe class ReferenceGemm
{
    // Below this many multiply-adds a product runs on the calling thread: scheduling would cost more.
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Runs <paramref name="problem"/> against <paramref name="memory"/>.</summary>
    /// <exception cref="DeviceFaultException">An operand lies outside the live allocations.</exception>
    public static void Execute(IGlobalMemory memory, GemmProblem problem)
    {
        if (problem.DoublePrecision) Run<double>(memory, problem);
        else Run<float>(memory, problem);
    }

    private static void Run<T>(IGlobalMemory memory, GemmProblem p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (p.M == 0 || p.N == 0 || p.BatchCount == 0) return;
        T alpha = T.CreateTruncating(p.Alpha.Resolve(memory, "alpha"));
        T beta = T.CreateTruncating(p.Beta.Resolve(memory, "beta"));
        bool product = alpha != T.Zero && p.K > 0;
        bool readC = beta != T.Zero;
        T[]? sharedB = null;
        for (long batch = 0; batch < p.BatchCount; batch++)
        {
            // Every operand is mapped (and bounds-checked) before any element of D is written, so a fault leaves
            // D as it was for this batch, and no exception is thrown from inside the parallel loop.
            T[]? a = null, b = null;
            if (product)
            {
                a = Pack<T>(p.A.Map(memory, batch, write: false), p.A, p.M, p.K, p.A.RowStride, p.A.ColStride, p.Rounding);
                if (p.B.BatchStride == 0 && sharedB is not null) b = sharedB;
                else
                {
                    // B is packed by columns: B[kk, j] at j * K + kk, so each output element reads two contiguous runs.
                    b = Pack<T>(p.B.Map(memory, batch, write: false), p.B, p.N, p.K, p.B.ColStride, p.B.RowStride, p.Rounding);
                    if (p.B.BatchStride == 0) sharedB = b;
                }
            }
            byte* c = readC ? p.C.Map(memory, batch, write: false) : null;
            byte* bias = p.Epilogue.HasBias() ? p.Bias!.Value.Map(memory, batch, write: false) : null;
            byte* d = p.D.Map(memory, batch, write: true);
            var column = new ColumnWriter<T>(p, a, b, c, bias, d, alpha, beta);
            if (p.M * p.N * Math.Max(1, p.K) < ParallelThreshold) for (long j = 0; j < p.N; j++) column.Write(j);
            else Parallel.For(0, p.N, j => column.Write(j));
        }
    }

    // rows x depth elements, element (r, kk) at r * rowStride + kk * depthStride, into a dense row-major array.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T[] Pack<T>(byte* source, MatrixOperand operand, long rows, long depth, long rowStride, long depthStride,
        InputRounding rounding) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var packed = new T[checked(rows * depth)];
        bool round = rounding != InputRounding.None && typeof(T) == typeof(float);
        for (long r = 0; r < rows; r++)
        {
            for (long kk = 0; kk < depth; kk++)
            {
                double value = ElementAccess.Read(source, operand.Type, (r * rowStride) + (kk * depthStride));
                packed[(r * depth) + kk] = round
                    ? T.CreateTruncating(ElementAccess.Round((float)value, rounding))
                    : T.CreateTruncating(value);
            }
        }
        return packed;
    }

    // One dot product in the compute type: FMA chains over SIMD lanes, then the lanes summed, then the tail. The order
    // is fixed by the length alone, so results do not depend on threads (a GPU's tiled order differs anyway).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (typeof(T) == typeof(float)) sum = T.CreateTruncating(DotVector(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), out i));
        else if (typeof(T) == typeof(double)) sum = T.CreateTruncating(DotVector(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), out i));
        for (; i < x.Length; i++) sum = T.FusedMultiplyAdd(x[i], y[i], sum);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotVector(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out int done)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            acc = Vector.FusedMultiplyAdd(new Vector<float>(x[i..]), new Vector<float>(y[i..]), acc);
        }
        done = i;
        return Vector.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double DotVector(ReadOnlySpan<double> x, ReadOnlySpan<double> y, out int done)
    {
        var acc = Vector<double>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            acc = Vector.FusedMultiplyAdd(new Vector<double>(x[i..]), new Vector<double>(y[i..]), acc);
        }
        done = i;
        return Vector.Sum(acc);
    }

    // One output column: a class so the parallel loop's delegate captures one object, not a dozen locals.
    private sealed class ColumnWriter<T>(GemmProblem p, T[]? a, T[]? b, byte* c, byte* bias, byte* d, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Optimized at once: the virtual device's test runs make many small GEMMs, which would stay in tier 0.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Write(long j)
        {
            long k = p.K;
            for (long i = 0; i < p.M; i++)
            {
                T value = T.Zero;
                if (a is not null)
                {
                    value = alpha * Dot(a.AsSpan((int)(i * k), (int)k), b.AsSpan((int)(j * k), (int)k));
                }
                if (c != null)
                {
                    value += beta * T.CreateTruncating(ElementAccess.Read(c, p.C.Type, (i * p.C.RowStride) + (j * p.C.ColStride)));
                }
                if (bias != null)
                {
                    MatrixOperand vector = p.Bias!.Value;
                    value += T.CreateTruncating(ElementAccess.Read(bias, vector.Type, i * vector.RowStride));
                }
                value = p.Epilogue.Activate(value);
                ElementAccess.Write(d, p.D.Type, (i * p.D.RowStride) + (j * p.D.ColStride), double.CreateTruncating(value));
            }
        }
    }
}
