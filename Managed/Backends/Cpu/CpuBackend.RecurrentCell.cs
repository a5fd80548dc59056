using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace CudaTensor.Backends.Cpu;

// The fused LSTM/GRU step (IFusedRecurrentCell): row by row, each row's gate blocks stay in L1 while every pass of the
// step's math runs over them with TensorPrimitives' vectorized kernels; rows are split over the CPU workers.
internal sealed unsafe partial class CpuBackend : IFusedRecurrentCell
{
    private enum CellKind { LstmForward, LstmBackward, GruForward, GruBackward }

    public void LstmCellForward(Strided act, Strided gh, Strided cPrev, Strided hOut, Strided cOut)
        => RunCell(CellKind.LstmForward, act, [act, gh, cPrev, hOut, cOut]);

    public void LstmCellBackward(Strided dGates, Strided dc, Strided dh, Strided act, Strided c, Strided cPrev)
        => RunCell(CellKind.LstmBackward, act, [dGates, dc, dh, act, c, cPrev]);

    public void GruCellForward(Strided act, Strided gi, Strided gh, Strided hPrev, Strided hOut)
        => RunCell(CellKind.GruForward, act, [act, gi, gh, hPrev, hOut]);

    public void GruCellBackward(Strided dGi, Strided dGh, Strided dhDirect, Strided dh, Strided act, Strided hPrev)
        => RunCell(CellKind.GruBackward, act, [dGi, dGh, dhDirect, dh, act, hPrev]);

    // The GEMM packs a row-major B wider than its in-place limit on every call: for [256, 1024] (LSTM, H = 256) that is
    // 1 MiB per step. Two products of 512 columns each read it in place: 64 steps of [32, 256]·[256, 1024] took 17% less
    // CPU time (10.6 against 12.8 ms, one thread, medians of 9).
    public long RecurrentProductColumns(long depth, long columns, int elementSize)
    {
        long max = Gemm.InPlaceBColumns(depth, elementSize) / 64 * 64;
        if (max <= 0 || max >= columns) return columns;
        long blocks = (columns + max - 1) / max;
        return Math.Min(columns, ((columns + blocks - 1) / blocks + 63) / 64 * 64);
    }

    private static void RunCell(CellKind kind, Strided act, Strided[] operands)
    {
        // The array holds every operand's storage: keeping it reachable keeps them all.
        using var alive = new OperandsAlive(operands);
        long rows = act.Shape[0], hidden = act.Shape[1] / 4;
        var p = new nint[6];
        for (int i = 0; i < operands.Length; i++) p[i] = (nint)Address(operands[i]);
        switch (act.DType)
        {
            case DType.Float32: RowRange.Run(new CellRows<float>(kind, p, (int)hidden), rows, RowRange.Chunks(rows, 4 * hidden, 8)); break;
            case DType.Float64: RowRange.Run(new CellRows<double>(kind, p, (int)hidden), rows, RowRange.Chunks(rows, 4 * hidden, 8)); break;
            default: throw Unsupported("RecurrentCell", act.DType);
        }
    }

    private readonly struct CellRows<T>(CellKind kind, nint[] p, int h) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Runs once per time step: without this the first few hundred steps would run unoptimized code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(long start, long end, int chunk)
        {
            T[] rented = ArrayPool<T>.Shared.Rent(2 * h);
            try
            {
                var t1 = rented.AsSpan(0, h);
                var t2 = rented.AsSpan(h, h);
                for (long r = start; r < end; r++)
                {
                    switch (kind)
                    {
                        case CellKind.LstmForward: LstmForward(r); break;
                        case CellKind.LstmBackward: LstmBackward(r, t1, t2); break;
                        case CellKind.GruForward: GruForward(r); break;
                        default: GruBackward(r, t1); break;
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        // The Tanh and Sigmoid ops' own span forms: float lanes for float32 (FloatSigmoidTanh.cs, about 0.4 ns per
        // float; TensorPrimitives.Tanh ran element by element at 27 ns), TensorPrimitives for float64.
        private static void Tanh(ReadOnlySpan<T> x, Span<T> y) => TanhOp<T>.Invoke(x, y, T.Zero, T.Zero);

        private static void Sigmoid(ReadOnlySpan<T> x, Span<T> y) => SigmoidOp<T>.Invoke(x, y, T.Zero, T.Zero);

        private Span<T> Row(int operand, long r, int width) => new((T*)p[operand] + r * width, width);

        private static Span<T> Block(Span<T> row, int block, int h) => row.Slice(block * h, h);

        // operands: act, gh, cPrev, hOut, cOut
        private void LstmForward(long r)
        {
            var a = Row(0, r, 4 * h);
            TensorPrimitives.Add(a, Row(1, r, 4 * h), a);
            var ifg = a[..(2 * h)];
            Sigmoid(ifg, ifg);
            var g = Block(a, 2, h);
            Tanh(g, g);
            var o = Block(a, 3, h);
            Sigmoid(o, o);
            var c = Row(4, r, h);
            TensorPrimitives.Multiply(Block(a, 1, h), Row(2, r, h), c);
            TensorPrimitives.FusedMultiplyAdd(Block(a, 0, h), g, c, c);
            var hOut = Row(3, r, h);
            Tanh(c, hOut);
            TensorPrimitives.Multiply(hOut, o, hOut);
        }

        // operands: dGates, dc, dh, act, c, cPrev
        private void LstmBackward(long r, Span<T> tc, Span<T> tmp)
        {
            var d = Row(0, r, 4 * h);
            var dc = Row(1, r, h);
            var dh = Row(2, r, h);
            var a = Row(3, r, 4 * h);
            Span<T> i = Block(a, 0, h), f = Block(a, 1, h), g = Block(a, 2, h), o = Block(a, 3, h);
            Span<T> di = Block(d, 0, h), df = Block(d, 1, h), dg = Block(d, 2, h), dO = Block(d, 3, h);
            Tanh(Row(4, r, h), tc);
            // do = dh·tanh(c')·o(1 - o)
            TensorPrimitives.Subtract(T.One, o, dO);
            TensorPrimitives.Multiply(dO, o, dO);
            TensorPrimitives.Multiply(dO, tc, dO);
            TensorPrimitives.Multiply(dO, dh, dO);
            // dc += dh·o·(1 - tanh²(c'))
            TensorPrimitives.Multiply(tc, tc, tmp);
            TensorPrimitives.Subtract(T.One, tmp, tmp);
            TensorPrimitives.Multiply(tmp, o, tmp);
            TensorPrimitives.FusedMultiplyAdd(tmp, dh, dc, dc);
            // di = dc·g·i(1 - i); dg = dc·i·(1 - g²); df = dc·c·f(1 - f); dc ← dc·f
            TensorPrimitives.Subtract(T.One, i, di);
            TensorPrimitives.Multiply(di, i, di);
            TensorPrimitives.Multiply(di, g, di);
            TensorPrimitives.Multiply(di, dc, di);
            TensorPrimitives.Multiply(g, g, dg);
            TensorPrimitives.Subtract(T.One, dg, dg);
            TensorPrimitives.Multiply(dg, i, dg);
            TensorPrimitives.Multiply(dg, dc, dg);
            TensorPrimitives.Subtract(T.One, f, df);
            TensorPrimitives.Multiply(df, f, df);
            TensorPrimitives.Multiply(df, Row(5, r, h), df);
            TensorPrimitives.Multiply(df, dc, df);
            TensorPrimitives.Multiply(dc, f, dc);
        }

        // operands: act, gi, gh, hPrev, hOut
        private void GruForward(long r)
        {
            var a = Row(0, r, 4 * h);
            var gi = Row(1, r, 3 * h);
            var gh = Row(2, r, 3 * h);
            var rz = a[..(2 * h)];
            TensorPrimitives.Add(gi[..(2 * h)], gh[..(2 * h)], rz);
            Sigmoid(rz, rz);
            Span<T> rg = Block(a, 0, h), z = Block(a, 1, h), n = Block(a, 2, h), hn = Block(a, 3, h);
            Block(gh, 2, h).CopyTo(hn);
            // n = tanh(gi_n + r·hn); h' = (h - n)·z + n
            TensorPrimitives.FusedMultiplyAdd(rg, hn, Block(gi, 2, h), n);
            Tanh(n, n);
            var hOut = Row(4, r, h);
            TensorPrimitives.Subtract(Row(3, r, h), n, hOut);
            TensorPrimitives.FusedMultiplyAdd(hOut, z, n, hOut);
        }

        // operands: dGi, dGh, dhDirect, dh, act, hPrev
        private void GruBackward(long r, Span<T> tmp)
        {
            var dGi = Row(0, r, 3 * h);
            var dGh = Row(1, r, 3 * h);
            var dh = Row(3, r, h);
            var a = Row(4, r, 4 * h);
            Span<T> rg = Block(a, 0, h), z = Block(a, 1, h), n = Block(a, 2, h), hn = Block(a, 3, h);
            Span<T> dr = Block(dGi, 0, h), dz = Block(dGi, 1, h), dn = Block(dGi, 2, h);
            // dn = dh·(1 - z)·(1 - n²)
            TensorPrimitives.Multiply(n, n, dn);
            TensorPrimitives.Subtract(T.One, dn, dn);
            TensorPrimitives.Subtract(T.One, z, tmp);
            TensorPrimitives.Multiply(dn, tmp, dn);
            TensorPrimitives.Multiply(dn, dh, dn);
            // dz = dh·(h - n)·z(1 - z)
            TensorPrimitives.Subtract(T.One, z, dz);
            TensorPrimitives.Multiply(dz, z, dz);
            TensorPrimitives.Subtract(Row(5, r, h), n, tmp);
            TensorPrimitives.Multiply(dz, tmp, dz);
            TensorPrimitives.Multiply(dz, dh, dz);
            // dr = dn·hn·r(1 - r)
            TensorPrimitives.Subtract(T.One, rg, dr);
            TensorPrimitives.Multiply(dr, rg, dr);
            TensorPrimitives.Multiply(dr, hn, dr);
            TensorPrimitives.Multiply(dr, dn, dr);
            dGi[..(2 * h)].CopyTo(dGh);
            TensorPrimitives.Multiply(dn, rg, Block(dGh, 2, h));
            TensorPrimitives.Multiply(dh, z, Row(2, r, h));
        }
    }
}
