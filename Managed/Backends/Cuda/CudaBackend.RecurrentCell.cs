namespace CudaTensor.Backends.Cuda;

// The fused LSTM/GRU step (IFusedRecurrentCell, Kernels/recurrent.cu): one launch per step and direction instead of
// the ~10 (forward) and ~25 (backward) elementwise launches of the composed step.
internal sealed unsafe partial class CudaBackend : IFusedRecurrentCell
{
    // cuBLAS needs no help: one product per step.
    public long RecurrentProductColumns(long depth, long columns, int elementSize) => columns;

    public void LstmCellForward(Strided act, Strided gh, Strided cPrev, Strided hOut, Strided cOut)
        => Cell("LSTM", CudaKernels.LstmCellForward, act, [act, gh, cPrev, hOut, cOut]);

    public void LstmCellBackward(Strided dGates, Strided dc, Strided dh, Strided act, Strided c, Strided cPrev)
        => Cell("LSTMBackward", CudaKernels.LstmCellBackward, act, [dGates, dc, dh, act, c, cPrev]);

    public void GruCellForward(Strided act, Strided gi, Strided gh, Strided hPrev, Strided hOut)
        => Cell("GRU", CudaKernels.GruCellForward, act, [act, gi, gh, hPrev, hOut]);

    public void GruCellBackward(Strided dGi, Strided dGh, Strided dhDirect, Strided dh, Strided act, Strided hPrev)
        => Cell("GRUBackward", CudaKernels.GruCellBackward, act, [dGi, dGh, dhDirect, dh, act, hPrev]);

    private void Cell(string op, string kernel, Strided act, Strided[] operands)
    {
        RequireFused(op, act.DType);
        long rows = act.Shape[0], hidden = act.Shape[1] / 4;
        if (rows * hidden == 0) return;
        nint stream = Begin();
        var pointers = stackalloc ulong[operands.Length];
        for (int i = 0; i < operands.Length; i++) pointers[i] = Ptr(operands[i], stream);
        Span<nint> args = stackalloc nint[operands.Length + 2];
        for (int i = 0; i < operands.Length; i++) args[i] = (nint)(pointers + i);
        args[operands.Length] = (nint)(&rows);
        args[operands.Length + 1] = (nint)(&hidden);
        Launch(Kernel(CudaKernels.RecurrentProgram, act.DType, kernel), rows * hidden, stream, args);
    }
}
