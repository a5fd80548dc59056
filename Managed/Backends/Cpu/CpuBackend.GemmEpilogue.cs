using System.Numerics;

namespace CudaTensor.Backends.Cpu;

// GEMM epilogues: the packed GEMM applies the steps to each tile as it stores it (GemmEpilogueRows).
internal sealed unsafe partial class CpuBackend : IGemmEpilogue
{
    /// <inheritdoc/>
    public bool TryMatMulEpilogue(Strided dst, Strided a, Strided b, GemmEpilogue epilogue)
    {
        ArgumentNullException.ThrowIfNull(epilogue);
        if (dst.DType is not (DType.Float32 or DType.Float64) || !dst.IsContiguous || dst.Rank != 3) return false;
        foreach (var step in epilogue.Steps)
            if (!GemmEpilogueRows<float>.Supports(step, dst.DType)) return false;
        using var alive = new OperandsAlive(a.Storage, b.Storage, epilogue);
        if (dst.DType == DType.Float32) MatMulEpilogue<float>(dst, a, b, epilogue);
        else MatMulEpilogue<double>(dst, a, b, epilogue);
        return true;
    }

    private static void MatMulEpilogue<T>(Strided dst, Strided a, Strided b, GemmEpilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long batch = dst.Shape[0];
        int m = (int)dst.Shape[1], n = (int)dst.Shape[2], k = (int)a.Shape[2];
        var rows = new GemmEpilogueRows<T>(epilogue, dst.DType);
        T* pa = (T*)Address(a), pb = (T*)Address(b), pc = (T*)Address(dst);
        for (long i = 0; i < batch; i++)
        {
            Gemm.Run(m, n, k,
                pa + i * a.Strides[0], a.Strides[1], a.Strides[2],
                pb + i * b.Strides[0], b.Strides[1], b.Strides[2],
                pc + i * dst.Strides[0], dst.Strides[1], T.One, T.Zero, rows, i * m);
        }
    }
}
