using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// Runs the blocks one host worker takes, one at a time, reusing the warps and memory. Within a block, warps run
/// cooperatively: each runs until all its lanes have exited or wait at a barrier, then the next; when every warp is
/// stalled a barrier that every thread of the block waits at is released, and anything else is a barrier that can
/// never complete, reported instead of hanging.
/// <para>
/// Divergence: each lane has its own program counter and the warp always executes the group of lanes with the
/// lowest one. Lanes that branch ahead wait until the group behind them catches up and then run together again, so
/// the structured control flow NVRTC emits (if/else, loops with per-lane trip counts, early exits) reconverges at
/// its join points with no post-dominator analysis, and calls need none either (functions are inlined at decode).
/// Warp-synchronous instructions (shfl, vote, redux, match, bar.warp.sync) also gather their member mask: a group
/// that reaches one before other live members (a branch side laid out after the join and jumping back) parks there
/// while the others run; only when nothing else can run is a member found missing, and that is reported.
/// </para>
/// </summary>
internal sealed unsafe class PtxBlock
{
    private readonly PtxWarp[] _warps;
    private readonly byte[] _sharedArray;
    private readonly byte[] _localArray;
    private readonly byte* _shared;
    private readonly Dim3 _blockDim;
    private Dim3 _blockIdx;

    /// <summary>
    /// Creates the warps and memory for blocks of one shape. The memory is pinned managed memory, so a block kept
    /// in <see cref="PtxKernel"/>'s pool for the next launch costs nothing to drop.
    /// </summary>
    public PtxBlock(PtxKernel kernel, Dim3 blockDim, int dynamicSharedBytes)
    {
        Kernel = kernel;
        _blockDim = blockDim;
        DynamicSharedBytes = dynamicSharedBytes;
        ThreadCount = checked((int)blockDim.Count);
        SharedBytes = AlignedStatic(kernel) + dynamicSharedBytes;
        _sharedArray = GC.AllocateArray<byte>(Math.Max(1, SharedBytes), pinned: true);
        _shared = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_sharedArray));
        PtxCode code = kernel.Code;
        int warps = (ThreadCount + 31) / 32;
        int stride = (code.LocalBytes + 15) & ~15;
        _localArray = GC.AllocateArray<byte>(Math.Max(1, stride * 32 * warps), pinned: true);
        byte* local = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_localArray));
        _warps = new PtxWarp[warps];
        for (int w = 0; w < warps; w++) _warps[w] = new PtxWarp(this, w, code) { Local = local + (long)stride * 32 * w, LocalStride = stride };
        Memory = null!;
    }

    /// <summary>Prepares the block for a launch: its settings, parameters, memory and the module globals' addresses.</summary>
    public void Bind(in LaunchSettings settings, byte* parameters, IGlobalMemory memory, ReadOnlySpan<ulong> globalAddresses)
    {
        Settings = settings;
        Memory = memory;
        Parameters = parameters;
        ParameterBytes = Kernel.ParameterBytes;
        Executed = 0;
        foreach (PtxWarp warp in _warps)
        {
            warp.ForgetRegion();
            foreach (var (reg, global, offset) in Kernel.Code.GlobalAddresses)
            {
                if (global >= globalAddresses.Length) throw new ArgumentException($"Kernel {Kernel.Name} uses module variable {global} but the launch passed {globalAddresses.Length} global addresses.", nameof(globalAddresses));
                warp.R.AsSpan(reg, 32).Fill(globalAddresses[global] + (ulong)offset);
            }
        }
    }

    public int DynamicSharedBytes { get; }

    /// <summary>Static shared bytes rounded up so the dynamic array starts 16-byte aligned.</summary>
    public static int AlignedStatic(PtxKernel kernel) => (kernel.StaticSharedBytes + 15) & ~15;

    public PtxKernel Kernel { get; }

    public LaunchSettings Settings { get; private set; }

    public IGlobalMemory Memory { get; private set; }

    public byte* Parameters { get; private set; }

    public int ParameterBytes { get; private set; }

    public byte* SharedMemory => _shared;

    public int SharedBytes { get; }

    public int ThreadCount { get; }

    public Dim3 BlockIdx => _blockIdx;

    public Dim3 BlockDim => _blockDim;

    /// <summary>Thread-instructions executed (lanes times instructions), for throughput figures.</summary>
    public long Executed;

    /// <summary>"kernel K, block (x,y,z), thread (x,y,z)" for a linear thread index.</summary>
    public string Describe(int thread)
    {
        var (x, y, z) = ThreadXyz(thread);
        return $"kernel {Kernel.Name}, block ({_blockIdx.X},{_blockIdx.Y},{_blockIdx.Z}), thread ({x},{y},{z})";
    }

    public (uint X, uint Y, uint Z) ThreadXyz(int thread)
    {
        uint t = (uint)thread;
        return (t % _blockDim.X, t / _blockDim.X % _blockDim.Y, t / (_blockDim.X * _blockDim.Y));
    }

    public void Run(Dim3 blockIdx)
    {
        _blockIdx = blockIdx;
        // Shared and local memory start as garbage on a GPU: fill them with 0xFF bytes (NaN as float and double, -1
        // as integers) so a kernel that reads what it never wrote fails its comparison instead of passing on zeros.
        _sharedArray.AsSpan().Fill(0xFF);
        _localArray.AsSpan().Fill(0xFF);
        for (int w = 0; w < _warps.Length; w++) _warps[w].Start(w * 32, Math.Min(32, ThreadCount - w * 32));
        while (true)
        {
            foreach (PtxWarp warp in _warps)
            {
                if (warp.Runnable != 0) RunWarp(warp);
            }
            if (!ReleaseBarrier()) return;
        }
    }

    /// <summary>
    /// Every warp is stalled. Returns false when all threads exited; true after releasing a complete barrier (all
    /// threads of the block, or the thread count <c>bar.sync id, count</c> names, wait at the same id); throws when
    /// threads wait at a barrier that cannot complete.
    /// </summary>
    private bool ReleaseBarrier()
    {
        int waiting = 0, exited = 0;
        var arrived = new Dictionary<int, (int Count, int Expected)>();
        foreach (PtxWarp w in _warps)
        {
            waiting += BitOperations.PopCount(w.Waiting);
            exited += BitOperations.PopCount(w.Exists & ~w.Live);
            for (uint m = w.Waiting; m != 0; m &= m - 1)
            {
                int lane = BitOperations.TrailingZeroCount(m);
                int id = w.BarrierId[lane];
                int expected = w.BarrierCount[lane] > 0 ? w.BarrierCount[lane] : ThreadCount;
                arrived[id] = arrived.TryGetValue(id, out var a) ? (a.Count + 1, a.Expected) : (1, expected);
            }
        }
        if (waiting == 0) return false;
        bool released = false;
        foreach (var (id, (count, expected)) in arrived)
        {
            if (count < expected) continue;
            released = true;
            foreach (PtxWarp w in _warps)
            {
                for (uint m = w.Waiting; m != 0; m &= m - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(m);
                    if (w.BarrierId[lane] == id) w.Waiting &= ~(1u << lane);
                }
            }
        }
        if (released) return true;
        throw BarrierFault(waiting, exited);
    }

    private DeviceFaultException BarrierFault(int waiting, int exited)
    {
        var text = new StringBuilder();
        text.Append($"kernel {Kernel.Name}, block ({_blockIdx.X},{_blockIdx.Y},{_blockIdx.Z}): barrier can never complete: ");
        text.Append($"{waiting} of {ThreadCount} threads wait, {exited} exited");
        var groups = new SortedDictionary<(int Id, int Source), List<int>>();
        foreach (PtxWarp w in _warps)
        {
            for (uint m = w.Waiting; m != 0; m &= m - 1)
            {
                int lane = BitOperations.TrailingZeroCount(m);
                var key = (w.BarrierId[lane], w.BarrierSource[lane]);
                if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
                list.Add(w.FirstThread + lane);
            }
        }
        foreach (var ((id, source), threads) in groups)
        {
            text.Append($"; barrier {id} at {Kernel.Code.Sources[source]} holds threads {Ranges(threads)}");
        }
        var gone = new List<int>();
        foreach (PtxWarp w in _warps)
        {
            for (uint m = w.Exists & ~w.Live; m != 0; m &= m - 1) gone.Add(w.FirstThread + BitOperations.TrailingZeroCount(m));
        }
        if (gone.Count > 0) text.Append($"; exited threads {Ranges(gone)}");
        text.Append(" (every thread of the block must reach the same __syncthreads())");
        return new DeviceFaultException(CudaErrorCode.LaunchFailed, text.ToString());
    }

    private static string Ranges(List<int> threads)
    {
        var parts = new List<string>();
        for (int i = 0; i < threads.Count;)
        {
            int j = i;
            while (j + 1 < threads.Count && threads[j + 1] == threads[j] + 1) j++;
            parts.Add(i == j ? $"{threads[i]}" : $"{threads[i]}-{threads[j]}");
            i = j + 1;
        }
        return parts.Count > 8 ? string.Join(",", parts.Take(8)) + ",..." : string.Join(",", parts);
    }

    /// <summary>Runs the warp's lanes, lowest program counter first, until none is runnable.</summary>
    private void RunWarp(PtxWarp w)
    {
        PtxInstruction[] code = Kernel.Code.Instructions;
        uint[] preds = w.P;
        int[] lanePc = w.Pc;
        long executed = 0;
        try
        {
            while (true)
            {
                uint runnable = w.Runnable;
                if (runnable == 0) break;
                // Lanes parked at a warp-synchronous instruction wait for the rest of their member mask; run the others
                // first. When only parked lanes remain, run the lowest group anyway: its member check reports who is missing.
                uint candidates = runnable & ~w.Parked;
                bool force = candidates == 0;
                if (force) candidates = runnable;
                int pc = int.MaxValue;
                for (uint m = candidates; m != 0; m &= m - 1) pc = Math.Min(pc, lanePc[BitOperations.TrailingZeroCount(m)]);
                uint mask = 0;
                int next = int.MaxValue;
                for (uint m = runnable; m != 0; m &= m - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(m);
                    int p = lanePc[lane];
                    if (p == pc) mask |= 1u << lane;
                    else next = Math.Min(next, p);
                }
                w.Parked &= ~mask;
                // Run the group until it reaches another group's counter (merge) or passes it (switch), or diverges.
                while (true)
                {
                    ref PtxInstruction ins = ref code[pc];
                    uint active = mask;
                    if (ins.Guard >= 0) active &= ins.GuardNegated ? ~preds[ins.Guard] : preds[ins.Guard];
                    if (ins.Flow == PtxFlow.None)
                    {
                        if (ins.WarpSync && active != 0)
                        {
                            // A shuffle, vote or syncwarp whose members include live lanes elsewhere: wait for them
                            // (code laid out with the join before a branch's other side reconverges here).
                            uint members = (uint)w.R[ins.M + BitOperations.TrailingZeroCount(active)] & runnable & ~mask;
                            if (members != 0 && !force)
                            {
                                w.Parked |= mask;
                                break;
                            }
                        }
                        if (active != 0)
                        {
                            w.Current = pc;
                            ins.Execute(w, ref ins, active);
                            executed += BitOperations.PopCount(active);
                        }
                        pc++;
                        if (pc >= next) break;
                        continue;
                    }
                    w.Current = pc;
                    executed += BitOperations.PopCount(active);
                    if (ins.Flow == PtxFlow.Branch)
                    {
                        if (active == mask)
                        {
                            pc = ins.Target;
                            if (pc >= next) break;
                            continue;
                        }
                        if (active == 0)
                        {
                            pc++;
                            if (pc >= next) break;
                            continue;
                        }
                        SetPc(lanePc, active, ins.Target);
                        mask &= ~active;
                        pc++;
                        break;
                    }
                    if (ins.Flow == PtxFlow.Exit)
                    {
                        w.Live &= ~active;
                        mask &= ~active;
                        pc++;
                        if (mask == 0 || pc >= next) break;
                        continue;
                    }
                    if (ins.Flow == PtxFlow.Barrier)
                    {
                        if (active != 0)
                        {
                            int first = BitOperations.TrailingZeroCount(active);
                            int id = (int)w.R[ins.A + first];
                            int count = ins.B >= 0 ? (int)w.R[ins.B + first] : 0;
                            for (uint m = active; m != 0; m &= m - 1)
                            {
                                int lane = BitOperations.TrailingZeroCount(m);
                                w.BarrierId[lane] = id;
                                w.BarrierCount[lane] = count;
                                w.BarrierSource[lane] = ins.Source;
                            }
                            w.Waiting |= active;
                        }
                        pc++;
                        break;
                    }
                    if (active != 0)
                    {
                        // Aux 1: __assertfail, which CUDA reports as a device-side assert (CUDA_ERROR_ASSERT, 710).
                        throw ins.Aux == 1
                            ? w.Fault((CudaErrorCode)710, "device-side assert triggered (__assertfail)", PtxWarp.FirstLane(active))
                            : w.Fault(CudaErrorCode.LaunchFailed, "trap executed", PtxWarp.FirstLane(active));
                    }
                    pc++;
                    if (pc >= next) break;
                }
                SetPc(lanePc, mask, pc);
            }
        }
        catch (Exception e) when (e is not DeviceFaultException)
        {
            // An engine defect, not a kernel fault: still name the kernel, block, thread and instruction.
            throw w.Fault(CudaErrorCode.LaunchFailed, $"internal error of the PTX engine ({e.GetType().Name}: {e.Message})", 0, e);
        }
        finally
        {
            Executed += executed;
        }
    }

    private static void SetPc(int[] lanePc, uint mask, int pc)
    {
        for (uint m = mask; m != 0; m &= m - 1) lanePc[BitOperations.TrailingZeroCount(m)] = pc;
    }
}
