using System.Numerics;

namespace CudaTensor.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    /// <summary>
    /// Batched product: floating dtypes go to the packed GEMM with the operands' strides (a transposed view is a
    /// transpose to the GEMM, never a copy); integer dtypes use a plain triple loop (rare, and exact).
    /// </summary>
    public void MatMul(Strided dst, Strided a, Strided b)
    {
        using var alive = new OperandsAlive(a.Storage, b.Storage);
        switch (dst.DType)
        {
            case DType.Float32: MatMulFloat<float>(dst, a, b); break;
            case DType.Float64: MatMulFloat<double>(dst, a, b); break;
            case DType.Int32: MatMulInteger<int>(dst, a, b); break;
            case DType.Int64: MatMulInteger<long>(dst, a, b); break;
            default: throw Unsupported("MatMul", dst.DType);
        }
    }

    private static void MatMulFloat<T>(Strided dst, Strided a, Strided b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long batch = dst.Shape[0];
        int m = (int)dst.Shape[1], n = (int)dst.Shape[2], k = (int)a.Shape[2];
        T* pa = (T*)Address(a), pb = (T*)Address(b), pc = (T*)Address(dst);
        for (long i = 0; i < batch; i++)
        {
            Gemm.Run(m, n, k,
                pa + i * a.Strides[0], a.Strides[1], a.Strides[2],
                pb + i * b.Strides[0], b.Strides[1], b.Strides[2],
                pc + i * dst.Strides[0], dst.Strides[1], T.One, T.Zero);
        }
    }

    private static void MatMulInteger<T>(Strided dst, Strided a, Strided b) where T : unmanaged, INumber<T>
    {
        long batch = dst.Shape[0], m = dst.Shape[1], n = dst.Shape[2], k = a.Shape[2];
        T* pa = (T*)Address(a), pb = (T*)Address(b), pc = (T*)Address(dst);
        for (long bi = 0; bi < batch; bi++)
        {
            for (long i = 0; i < m; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    T acc = T.Zero;
                    for (long p = 0; p < k; p++)
                        acc += pa[bi * a.Strides[0] + i * a.Strides[1] + p * a.Strides[2]] * pb[bi * b.Strides[0] + p * b.Strides[1] + j * b.Strides[2]];
                    pc[bi * dst.Strides[0] + i * dst.Strides[1] + j * dst.Strides[2]] = acc;
                }
            }
        }
    }
}
