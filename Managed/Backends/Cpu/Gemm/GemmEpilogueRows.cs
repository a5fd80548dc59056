using CudaTensor.Ops;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// A <see cref="GemmEpilogue"/> bound to the CPU backend's row kernels (<see cref="RowKernelTable"/>): each step runs
/// the code its separate op runs on a contiguous row, over one row of a finished block of C at a time, in place. So
/// the values are the separate ops' values, and the work is their arithmetic without their passes over memory.
/// </summary>
/// <typeparam name="T">The element type of the product.</typeparam>
internal sealed unsafe class GemmEpilogueRows<T> : IGemmTileEpilogue<T>
    where T : unmanaged
{
    private readonly GemmEpilogueStep[] _steps;
    private readonly ITileKernel?[] _kernels;
    private readonly long[] _rowStride, _colStride; // of each step's operand, in bytes

    /// <summary>Binds <paramref name="epilogue"/>'s steps for element type <paramref name="dtype"/>.</summary>
    public GemmEpilogueRows(GemmEpilogue epilogue, DType dtype)
    {
        _steps = epilogue.Steps;
        _kernels = new ITileKernel?[_steps.Length];
        _rowStride = new long[_steps.Length];
        _colStride = new long[_steps.Length];
        for (int i = 0; i < _steps.Length; i++)
        {
            var s = _steps[i];
            _kernels[i] = s.Kind switch
            {
                GemmEpilogueStepKind.Unary => RowKernelTable.Unary(s.UnaryOp, dtype, s.P0, s.P1),
                GemmEpilogueStepKind.Binary => RowKernelTable.Binary(s.BinaryOp, dtype),
                _ => null,
            };
            if (s.Operand is { } o)
            {
                _rowStride[i] = o.Strides[0] * sizeof(T);
                _colStride[i] = o.Strides[1] * sizeof(T);
            }
        }
    }

    /// <inheritdoc/>
    public void Apply(T* c, long ldc, long row, int col, int rows, int cols)
    {
        byte** ptr = stackalloc byte*[3];
        long* stride = stackalloc long[3];
        for (int r = 0; r < rows; r++)
        {
            byte* y = (byte*)(c + (r * ldc));
            for (int i = 0; i < _steps.Length; i++)
            {
                var s = _steps[i];
                byte* operand = s.Operand is { } o ? CpuBackend.Address(o) + ((row + r) * _rowStride[i]) + (col * _colStride[i]) : null;
                switch (s.Kind)
                {
                    case GemmEpilogueStepKind.Unary:
                        ptr[0] = ptr[1] = y;
                        stride[0] = stride[1] = sizeof(T);
                        _kernels[i]!.Row(cols, ptr, stride);
                        break;
                    case GemmEpilogueStepKind.Binary:
                        ptr[0] = y;
                        stride[0] = sizeof(T);
                        int at = s.OperandFirst ? 1 : 2;
                        ptr[at] = operand;
                        stride[at] = _colStride[i];
                        ptr[3 - at] = y;
                        stride[3 - at] = sizeof(T);
                        _kernels[i]!.Row(cols, ptr, stride);
                        break;
                    default:
                        Store((T*)y, (T*)operand, _colStride[i] / sizeof(T), cols);
                        break;
                }
            }
        }
    }

    private static void Store(T* value, T* dst, long dstStride, int cols)
    {
        if (dstStride == 1)
        {
            new ReadOnlySpan<T>(value, cols).CopyTo(new Span<T>(dst, cols));
            return;
        }
        for (int j = 0; j < cols; j++) dst[j * dstStride] = value[j];
    }

    /// <summary>Whether the CPU can run <paramref name="step"/> on <paramref name="dtype"/> (floating arithmetic, its formulas, operands of the product's dtype).</summary>
    public static bool Supports(in GemmEpilogueStep step, DType dtype) => step.Kind switch
    {
        GemmEpilogueStepKind.Binary => step.BinaryOp is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Maximum or BinaryOp.Minimum
                                       && step.Operand is { Rank: 2 } o && o.DType == dtype,
        GemmEpilogueStepKind.Store => step.Operand is { Rank: 2 } o && o.DType == dtype,
        _ => true,
    };
}
