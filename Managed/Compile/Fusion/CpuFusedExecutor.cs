using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CudaTensor.Backends.Cpu;
using CudaTensor.Backends;
using CudaTensor.Memory;
using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Runs an <see cref="ElementwiseProgram"/> on the CPU tile by tile: a tile of <see cref="TileElements"/> elements
/// passes through every instruction while it is in L1, each instruction being the CPU backend's own row kernel over
/// the tile (the vectorized span forms of its operator structs), so memory is read once per input and written once per
/// output instead of once per op. Values that are one number over a tile (constants, operands broadcast along the
/// tile) stay numbers and reach the kernels' span-number forms. Tiles are split across <see cref="CpuWorkers"/>.
/// No code is generated: every kernel is a generic instantiation the compiler sees, so this is trim and AOT safe.
/// </summary>
internal static unsafe class CpuFusedExecutor
{
    /// <summary>Elements per tile: 8 KiB of float32 per value, so a chain's few live values stay in a 32-48 KiB L1.</summary>
    public const int TileElements = 2048;

    // A row's last tile takes in a remainder shorter than this rather than leave it alone: the span forms compute
    // rows under 4 elements with scalar formulas, which can differ from the vector ones by an ulp (eager mode ran the
    // whole row through the vector ones).
    private const int MinTail = 64;

    // Buffers hold the longest tile of the widest dtype (8 bytes).
    private const int SlotBytes = (TileElements + MinTail) * 8;

    private static readonly ConditionalWeakTable<ElementwiseProgram, Plan> Plans = new();

    /// <summary>
    /// Runs <paramref name="program"/>: <paramref name="outputs"/>[k] = output k, element by element over the outputs'
    /// shape. Every operand must already have that shape (inputs broadcast by stride 0) and the program's dtypes.
    /// Outputs may be strided views but not expanded; an output that shares memory with an input must have exactly
    /// that input's layout (each tile reads its inputs before it writes).
    /// </summary>
    /// <exception cref="ArgumentException">Counts, dtypes, shapes or devices do not match the program.</exception>
    /// <exception cref="DivideByZeroException">An integer division met a zero divisor.</exception>
    public static void Run(ElementwiseProgram program, ReadOnlySpan<Strided> inputs, ReadOnlySpan<Strided> outputs)
    {
        FusedOperands.Check(program, inputs, outputs, "CpuFusedExecutor.Run", expectCpu: true);
        var operands = new Strided[outputs.Length + inputs.Length];
        outputs.CopyTo(operands);
        inputs.CopyTo(operands.AsSpan(outputs.Length));
        var layout = FusedLayout.Build(outputs[0].Shape, operands, "CpuFusedExecutor.Run");
        if (layout.Count == 0) return;
        var plan = Plans.GetValue(program, p => new Plan(p));
        var run = new TileRun(program, plan, layout, operands, outputs.Length);
        try
        {
            int threads = CpuWorkers.MaxThreads;
            if (threads > 1 && layout.Count * plan.WorkPerElement >= StridedLoop.ParallelThreshold && run.Tiles > 1)
                CpuWorkers.For(new TileJob(run), (int)Math.Min(threads * 4L, run.Tiles));
            else
                run.RunTiles(0, run.Tiles);
        }
        catch (DivideByZeroException e)
        {
            throw new DivideByZeroException(
                "A fused elementwise program divided an integer by zero (Remainder, FMod, TruncDivide or FloorDivide of an integer dtype). " +
                "Eager mode refuses such a divisor before running; check divisors with .Eq(0).Any() first.", e);
        }
        finally
        {
            foreach (var o in operands) GC.KeepAlive(o.Storage);
        }
    }

    /// <summary>What a program needs per run, computed once: the row kernel and buffer slot of each instruction.</summary>
    private sealed class Plan
    {
        public readonly ITileKernel?[] Kernels;
        public readonly int[] Slot;
        public readonly int Slots;
        public readonly double WorkPerElement;

        public Plan(ElementwiseProgram p)
        {
            int n = p.Instructions.Count;
            Kernels = new ITileKernel?[n];
            Slot = new int[n];
            var last = p.LastUses();
            var free = new Stack<int>();
            double work = 0;
            for (int i = 0; i < n; i++)
            {
                var ins = p.Instructions[i];
                if (ins.Kind is not (FusedOpKind.Input or FusedOpKind.Constant))
                {
                    Kernels[i] = CpuTileKernels.For(ins, p.Instructions[ins.Kind == FusedOpKind.Where ? ins.B : ins.A].DType);
                    work += ins.Kind == FusedOpKind.Unary ? OpTable.Of(ins.UnaryOp).CpuWork : ins.Kind == FusedOpKind.Binary ? OpTable.Of(ins.BinaryOp).CpuWork : 1;
                }
                Slot[i] = ins.Kind == FusedOpKind.Constant ? -1 : free.Count > 0 ? free.Pop() : Slots++;
                // Operands whose last reader is this instruction give their buffers back (after it wrote its own).
                for (int k = 0; k < ins.OperandCount; k++)
                {
                    int v = ins.Operand(k);
                    if (last[v] == i && Slot[v] >= 0 && !IsOperandRepeated(ins, k)) free.Push(Slot[v]);
                }
                if (last[i] < 0 && Slot[i] >= 0) free.Push(Slot[i]); // never read: its buffer is free at once
            }
            WorkPerElement = Math.Max(1, work);
        }

        // An operand read twice by one instruction (x * x) is freed once.
        private static bool IsOperandRepeated(in FusedInstruction ins, int k)
        {
            for (int j = 0; j < k; j++) if (ins.Operand(j) == ins.Operand(k)) return true;
            return false;
        }
    }

    private readonly struct TileJob(TileRun run) : IChunkJob
    {
        public void Run(int chunk, int chunks) => run.RunTiles(run.Tiles * chunk / chunks, run.Tiles * (chunk + 1) / chunks);
    }

    /// <summary>One call's operands and tiling; <see cref="RunTiles"/> runs on any thread with its own buffers.</summary>
    private sealed class TileRun
    {
        private readonly ElementwiseProgram _program;
        private readonly Plan _plan;
        private readonly FusedLayout _layout;
        private readonly nint[] _bases;
        private readonly int[] _elementSize;
        private readonly int _outputs;
        private readonly bool _rowTiles;
        private readonly long _inner;
        private readonly long _tilesPerRow;
        private readonly long _rowsPerTile;
        private readonly long _rows;
        private readonly bool _directOutputs;

        public TileRun(ElementwiseProgram program, Plan plan, FusedLayout layout, Strided[] operands, int outputs)
        {
            _program = program;
            _plan = plan;
            _layout = layout;
            _outputs = outputs;
            _bases = new nint[operands.Length];
            _elementSize = new int[operands.Length];
            for (int k = 0; k < operands.Length; k++)
            {
                _elementSize[k] = operands[k].DType.ElementSize();
                _bases[k] = (nint)(((CpuStorage)operands[k].Storage).Pointer + operands[k].Offset * _elementSize[k]);
            }
            // An output written straight from the kernels must not be memory that a later instruction still reads.
            _directOutputs = true;
            for (int o = 0; o < outputs; o++)
                for (int k = outputs; k < operands.Length; k++)
                    if (ReferenceEquals(operands[o].Storage, operands[k].Storage)) _directOutputs = false;
            _inner = layout.Rank == 0 ? 1 : layout.Sizes[^1];
            _rows = layout.Count / _inner;
            // Long rows are cut into tiles; short rows are grouped, whole, into one tile.
            _rowTiles = _inner >= TileElements / 2;
            if (_rowTiles)
            {
                _tilesPerRow = _inner / TileElements + (_inner % TileElements >= MinTail ? 1 : 0);
                Tiles = _rows * _tilesPerRow;
            }
            else
            {
                _rowsPerTile = Math.Max(1, TileElements / _inner);
                Tiles = (_rows + _rowsPerTile - 1) / _rowsPerTile;
            }
        }

        public long Tiles { get; }

        private long InnerStride(int k) => _layout.Rank == 0 ? 0 : _layout.Strides[k][^1];

        // Element offset of the start of row r (the dimensions outside the innermost) in operand k.
        private long RowOffset(int k, long r)
        {
            long off = 0;
            var strides = _layout.Strides[k];
            for (int d = _layout.Rank - 2; d >= 0 && r > 0; d--)
            {
                long size = _layout.Sizes[d];
                off += r % size * strides[d];
                r /= size;
            }
            return off;
        }

        // How operand k appears within a tile.
        private enum View { Dense, Number, Strided, Rows }

        public void RunTiles(long first, long end)
        {
            var program = _program;
            int n = program.Instructions.Count;
            nuint bytes = (nuint)(_plan.Slots * (long)SlotBytes + n * 17L + 64);
            byte* block = (byte*)NativeMemory.AlignedAlloc(bytes, 64);
            try
            {
                byte* slots = block;
                long* numbers = (long*)(block + _plan.Slots * (long)SlotBytes);
                byte** reg = (byte**)(numbers + n);
                bool* isNumber = (bool*)(reg + n);
                byte** ptr = stackalloc byte*[3 + 1];
                long* stride = stackalloc long[3 + 1];
                int nops = _bases.Length;
                byte** opPtr = stackalloc byte*[nops];
                var opView = stackalloc View[nops];
                long* opStride = stackalloc long[nops];
                for (int i = 0; i < n; i++)
                {
                    var ins = program.Instructions[i];
                    if (ins.Kind == FusedOpKind.Constant) numbers[i] = ins.Bits;
                }

                for (long t = first; t < end; t++)
                {
                    long len = Locate(t, opPtr, opView, opStride, out long r0, out long r1);
                    for (int i = 0; i < n; i++)
                    {
                        var ins = program.Instructions[i];
                        byte* buffer = _plan.Slot[i] >= 0 ? slots + (long)_plan.Slot[i] * SlotBytes : null;
                        switch (ins.Kind)
                        {
                            case FusedOpKind.Constant:
                                reg[i] = (byte*)(numbers + i);
                                isNumber[i] = true;
                                continue;
                            case FusedOpKind.Input:
                            {
                                int k = _outputs + ins.A;
                                switch (opView[k])
                                {
                                    case View.Dense: reg[i] = opPtr[k]; isNumber[i] = false; break;
                                    case View.Number: reg[i] = opPtr[k]; isNumber[i] = true; break;
                                    default: Move(k, buffer, opPtr[k], opView[k], opStride[k], len, r0, r1, gather: true); reg[i] = buffer; isNumber[i] = false; break;
                                }
                                continue;
                            }
                        }
                        int count = ins.OperandCount;
                        bool allNumbers = true;
                        for (int j = 0; j < count; j++) allNumbers &= isNumber[ins.Operand(j)];
                        int outSize = ins.DType.ElementSize();
                        if (allNumbers)
                        {
                            // One element, through the span form as an eager op on a one-element row.
                            ptr[0] = (byte*)(numbers + i);
                            stride[0] = outSize;
                            for (int j = 0; j < count; j++)
                            {
                                int v = ins.Operand(j);
                                ptr[j + 1] = reg[v];
                                stride[j + 1] = program.Instructions[v].DType.ElementSize();
                            }
                            _plan.Kernels[i]!.Row(1, ptr, stride);
                            reg[i] = (byte*)(numbers + i);
                            isNumber[i] = true;
                            continue;
                        }
                        byte* direct = DirectDestination(i, opPtr, opView);
                        byte* dst = direct != null ? direct : buffer;
                        ptr[0] = dst;
                        stride[0] = outSize;
                        for (int j = 0; j < count; j++)
                        {
                            int v = ins.Operand(j);
                            ptr[j + 1] = reg[v];
                            stride[j + 1] = isNumber[v] ? 0 : program.Instructions[v].DType.ElementSize();
                        }
                        _plan.Kernels[i]!.Row(len, ptr, stride);
                        reg[i] = dst;
                        isNumber[i] = false;
                    }
                    for (int o = 0; o < _outputs; o++)
                    {
                        int v = program.Outputs[o];
                        if (reg[v] == opPtr[o] && opView[o] == View.Dense) continue; // computed in place
                        if (isNumber[v]) FillFromNumber(o, reg[v], opPtr[o], opView[o], opStride[o], len, r0, r1);
                        else Move(o, reg[v], opPtr[o], opView[o], opStride[o], len, r0, r1, gather: false);
                    }
                }
            }
            finally
            {
                NativeMemory.AlignedFree(block);
            }
        }

        // The output memory of value i in this tile when it can be written there directly: dense, not shared with an
        // input, and the first output that names it (a value named twice is copied to the second).
        private byte* DirectDestination(int i, byte** opPtr, View* opView)
        {
            if (!_directOutputs) return null;
            var outs = _program.Outputs;
            for (int o = 0; o < outs.Count; o++)
            {
                if (outs[o] == i) return opView[o] == View.Dense ? opPtr[o] : null;
            }
            return null;
        }

        // Where tile t lies: its length, each operand's view and start, and (grouped rows) its rows [r0, r1).
        private long Locate(long t, byte** opPtr, View* opView, long* opStride, out long r0, out long r1)
        {
            int nops = _bases.Length;
            if (_rowTiles)
            {
                long row = t / _tilesPerRow, col = t % _tilesPerRow * TileElements;
                r0 = row;
                r1 = row + 1;
                for (int k = 0; k < nops; k++)
                {
                    long s = InnerStride(k);
                    opPtr[k] = (byte*)_bases[k] + (RowOffset(k, row) + col * s) * _elementSize[k];
                    opStride[k] = s;
                    opView[k] = s == 1 ? View.Dense : s == 0 ? View.Number : View.Strided;
                }
                return t % _tilesPerRow == _tilesPerRow - 1 ? _inner - col : TileElements;
            }
            r0 = t * _rowsPerTile;
            r1 = Math.Min(_rows, r0 + _rowsPerTile);
            for (int k = 0; k < nops; k++)
            {
                opStride[k] = InnerStride(k);
                if (_layout.IsBroadcastNumber(k)) { opPtr[k] = (byte*)_bases[k]; opView[k] = View.Number; }
                else if (_layout.IsDense(k)) { opPtr[k] = (byte*)_bases[k] + r0 * _inner * _elementSize[k]; opView[k] = View.Dense; }
                else { opPtr[k] = (byte*)_bases[k]; opView[k] = View.Rows; }
            }
            return (r1 - r0) * _inner;
        }

        // Gathers operand k's tile into a dense buffer, or scatters a dense buffer to output k.
        private void Move(int k, byte* dense, byte* at, View view, long strideElems, long len, long r0, long r1, bool gather)
        {
            int es = _elementSize[k];
            if (view == View.Dense)
            {
                if (gather) Buffer.MemoryCopy(at, dense, len * es, len * es);
                else Buffer.MemoryCopy(dense, at, len * es, len * es);
                return;
            }
            if (view == View.Strided)
            {
                Copy(dense, at, len, strideElems, es, gather);
                return;
            }
            // Whole rows, each from its own start.
            for (long r = r0; r < r1; r++)
            {
                byte* rowStart = (byte*)_bases[k] + RowOffset(k, r) * es;
                Copy(dense + (r - r0) * _inner * es, rowStart, _inner, strideElems, es, gather);
            }
        }

        private void FillFromNumber(int k, byte* number, byte* at, View view, long strideElems, long len, long r0, long r1)
        {
            int es = _elementSize[k];
            if (view == View.Dense)
            {
                FillDense(at, number, len, es);
                return;
            }
            if (view == View.Strided)
            {
                for (long j = 0; j < len; j++) Buffer.MemoryCopy(number, at + j * strideElems * es, es, es);
                return;
            }
            for (long r = r0; r < r1; r++)
            {
                byte* rowStart = (byte*)_bases[k] + RowOffset(k, r) * es;
                for (long j = 0; j < _inner; j++) Buffer.MemoryCopy(number, rowStart + j * strideElems * es, es, es);
            }
        }
    }

    private static void FillDense(byte* at, byte* number, long len, int es)
    {
        switch (es)
        {
            case 8: new Span<long>(at, (int)len).Fill(*(long*)number); break;
            case 4: new Span<int>(at, (int)len).Fill(*(int*)number); break;
            default: new Span<byte>(at, (int)len).Fill(*number); break;
        }
    }

    // Strided element copies between a dense tile buffer and memory stepping strideElems elements of es bytes.
    private static void Copy(byte* dense, byte* strided, long n, long strideElems, int es, bool gather)
    {
        switch (es)
        {
            case 8: CopyTyped((long*)dense, (long*)strided, n, strideElems, gather); break;
            case 4: CopyTyped((int*)dense, (int*)strided, n, strideElems, gather); break;
            default: CopyTyped(dense, strided, n, strideElems, gather); break;
        }
    }

    private static void CopyTyped<T>(T* dense, T* strided, long n, long s, bool gather) where T : unmanaged
    {
        if (gather) for (long j = 0; j < n; j++) dense[j] = strided[j * s];
        else for (long j = 0; j < n; j++) strided[j * s] = dense[j];
    }
}
