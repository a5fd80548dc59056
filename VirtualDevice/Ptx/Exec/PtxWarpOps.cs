using System.Diagnostics;
using System.Numerics;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>
/// Warp-synchronous instructions: shfl.sync, vote.sync, activemask, redux.sync, match.sync, bar.warp.sync. A member
/// mask must name exactly the lanes executing the instruction together: a named lane that exited or diverged elsewhere
/// would hang a real GPU (or read an undefined value), so it is a fault naming the kernel and the lanes.
/// </summary>
internal static class PtxWarpOps
{
    private static void CheckMembers(PtxWarp w, ref PtxInstruction ins, uint mask, string what)
    {
        // Lanes past the end of the block never existed: a full mask in a partial warp names only the lanes that do.
        uint members = (uint)w.R[ins.M + PtxWarp.FirstLane(mask)] & w.Exists;
        uint missing = members & ~mask;
        uint outside = mask & ~members;
        if (missing != 0 || outside != 0)
        {
            string detail = missing != 0
                ? $"member mask 0x{members:X8} names lanes 0x{missing:X8} that are not executing it (exited, predicated off or diverged; executing 0x{mask:X8})"
                : $"lanes 0x{outside:X8} execute it but are not in the member mask 0x{members:X8}";
            throw w.Fault(CudaErrorCode.IllegalInstruction, $"{what}: {detail}", PtxWarp.FirstLane(missing != 0 ? mask : outside));
        }
    }

    /// <summary>shfl.sync.mode.b32 d[|p], a, b, c, membermask. Aux: 0 up, 1 down, 2 bfly, 3 idx.</summary>
    public static unsafe void Shfl(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        CheckMembers(w, ref ins, mask, "shfl.sync");
        ulong[] r = w.R;
        ulong* source = stackalloc ulong[32];
        for (int l = 0; l < 32; l++) source[l] = r[ins.A + l];
        uint valid = 0;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int lane = BitOperations.TrailingZeroCount(m);
            int b = (int)(r[ins.B + lane] & 31);
            uint c = (uint)r[ins.C + lane];
            int clamp = (int)(c & 31);
            int segmask = (int)((c >> 8) & 31);
            int maxLane = (lane & segmask) | (clamp & ~segmask);
            int minLane = lane & segmask;
            int j;
            bool pval;
            switch (ins.Aux)
            {
                case 0: j = lane - b; pval = j >= maxLane; break;
                case 1: j = lane + b; pval = j <= maxLane; break;
                case 2: j = lane ^ b; pval = j <= maxLane; break;
                default: j = minLane | (b & ~segmask); pval = j <= maxLane; break;
            }
            if (!pval) j = lane;
            r[ins.D + lane] = source[j];
            if (pval) valid |= 1u << lane;
        }
        if (ins.D2 >= 0) w.P[ins.D2] = (w.P[ins.D2] & ~mask) | valid;
    }

    /// <summary>vote.sync.{all,any,uni}.pred d, {!}a, membermask / vote.sync.ballot.b32 d, {!}a, membermask. Aux: 0 all,
    /// 1 any, 2 uni, 3 ballot; Ftz marks a negated source predicate.</summary>
    public static void Vote(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        CheckMembers(w, ref ins, mask, "vote.sync");
        uint a = w.P[ins.A];
        if (ins.Ftz) a = ~a;
        a &= mask;
        if (ins.Aux == 3)
        {
            for (uint m = mask; m != 0; m &= m - 1) w.R[ins.D + BitOperations.TrailingZeroCount(m)] = a;
            return;
        }
        bool result = ins.Aux switch
        {
            0 => a == mask,
            1 => a != 0,
            _ => a == 0 || a == mask,
        };
        w.P[ins.D] = (w.P[ins.D] & ~mask) | (result ? mask : 0);
    }

    /// <summary>activemask.b32 d: the lanes executing it.</summary>
    public static void ActiveMask(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        for (uint m = mask; m != 0; m &= m - 1) w.R[ins.D + BitOperations.TrailingZeroCount(m)] = mask;
    }

    /// <summary>redux.sync.op.type d, a, membermask. Aux: 0 add, 1 min, 2 max, 3 and, 4 or, 5 xor.</summary>
    public static void Redux(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        CheckMembers(w, ref ins, mask, "redux.sync");
        bool signed = ins.Type == PtxType.S32;
        long acc = ins.Aux switch { 1 => signed ? int.MaxValue : uint.MaxValue, 3 => uint.MaxValue, 2 => signed ? int.MinValue : 0, _ => 0 };
        for (uint m = mask; m != 0; m &= m - 1)
        {
            ulong raw = w.R[ins.A + BitOperations.TrailingZeroCount(m)];
            long v = signed ? (int)raw : (uint)raw;
            acc = ins.Aux switch
            {
                0 => acc + v,
                1 => Math.Min(acc, v),
                2 => Math.Max(acc, v),
                3 => acc & v,
                4 => acc | v,
                _ => acc ^ v,
            };
        }
        ulong result = PtxConvert.Fit(ins.Type, (ulong)acc);
        for (uint m = mask; m != 0; m &= m - 1) w.R[ins.D + BitOperations.TrailingZeroCount(m)] = result;
    }

    /// <summary>match.any.sync.bN d, a, membermask (d = lanes holding the same value) / match.all.sync.bN d[|p], a, membermask
    /// (d = all members when all values agree, else 0). Aux: 0 any, 1 all.</summary>
    public static void Match(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        CheckMembers(w, ref ins, mask, "match.sync");
        ulong vmask = ins.Type.Size() == 8 ? ulong.MaxValue : 0xFFFF_FFFF;
        uint allSame = mask;
        ulong first = w.R[ins.A + PtxWarp.FirstLane(mask)] & vmask;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong v = w.R[ins.A + l] & vmask;
            if (v != first) allSame = 0;
            if (ins.Aux == 0)
            {
                uint same = 0;
                for (uint k = mask; k != 0; k &= k - 1)
                {
                    int o = BitOperations.TrailingZeroCount(k);
                    if ((w.R[ins.A + o] & vmask) == v) same |= 1u << o;
                }
                w.R[ins.D + l] = same;
            }
        }
        if (ins.Aux == 1)
        {
            for (uint m = mask; m != 0; m &= m - 1) w.R[ins.D + BitOperations.TrailingZeroCount(m)] = allSame;
            if (ins.D2 >= 0) w.P[ins.D2] = (w.P[ins.D2] & ~mask) | (allSame != 0 ? mask : 0);
        }
    }

    /// <summary>bar.warp.sync membermask (__syncwarp): the named lanes must execute it together.</summary>
    public static void WarpSync(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        uint members = (uint)w.R[ins.M + PtxWarp.FirstLane(mask)];
        uint missing = members & ~mask & w.Exists;
        if (missing != 0)
        {
            throw w.Fault(CudaErrorCode.IllegalInstruction, $"bar.warp.sync: member mask 0x{members:X8} names lanes 0x{missing:X8} that are not executing it (executing 0x{mask:X8})", PtxWarp.FirstLane(mask));
        }
    }

    /// <summary>Special registers (Aux = <see cref="PtxSpecial"/>) read by mov.</summary>
    public static void Special(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        PtxBlock block = w.Block;
        var special = (PtxSpecial)ins.Aux;
        uint[]? tid = special switch { PtxSpecial.TidX => w.TidX, PtxSpecial.TidY => w.TidY, PtxSpecial.TidZ => w.TidZ, _ => null };
        if (tid is not null)
        {
            for (uint m = mask; m != 0; m &= m - 1)
            {
                int l = BitOperations.TrailingZeroCount(m);
                w.R[ins.D + l] = tid[l];
            }
            return;
        }
        if (special is >= PtxSpecial.LaneId and <= PtxSpecial.LanemaskGe && special != PtxSpecial.WarpId && special != PtxSpecial.NWarpId)
        {
            for (uint m = mask; m != 0; m &= m - 1)
            {
                int l = BitOperations.TrailingZeroCount(m);
                w.R[ins.D + l] = special switch
                {
                    PtxSpecial.LaneId => (ulong)l,
                    PtxSpecial.LanemaskEq => 1UL << l,
                    PtxSpecial.LanemaskLt => (1UL << l) - 1,
                    PtxSpecial.LanemaskLe => (2UL << l) - 1,
                    PtxSpecial.LanemaskGt => 0xFFFF_FFFFUL & ~((2UL << l) - 1),
                    _ => 0xFFFF_FFFFUL & ~((1UL << l) - 1),
                };
            }
            return;
        }
        // The rest are the same in every lane: computed once.
        Dim3 grid = block.Settings.Grid;
        ulong v = special switch
        {
            PtxSpecial.NtidX => block.BlockDim.X,
            PtxSpecial.NtidY => block.BlockDim.Y,
            PtxSpecial.NtidZ => block.BlockDim.Z,
            PtxSpecial.CtaidX => block.BlockIdx.X,
            PtxSpecial.CtaidY => block.BlockIdx.Y,
            PtxSpecial.CtaidZ => block.BlockIdx.Z,
            PtxSpecial.NctaidX => grid.X,
            PtxSpecial.NctaidY => grid.Y,
            PtxSpecial.NctaidZ => grid.Z,
            PtxSpecial.WarpId => (ulong)w.Index,
            PtxSpecial.NWarpId => (ulong)((block.ThreadCount + 31) / 32),
            PtxSpecial.Clock => (ulong)(uint)Stopwatch.GetTimestamp(),
            PtxSpecial.Clock64 => (ulong)Stopwatch.GetTimestamp(),
            PtxSpecial.GlobalTimer => (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency)),
            PtxSpecial.SmId => 0,
            PtxSpecial.NSmId => (ulong)Math.Max(1, block.Settings.MaxParallelism),
            PtxSpecial.DynamicSmemSize => (ulong)block.Settings.DynamicSharedBytes,
            PtxSpecial.TotalSmemSize => (ulong)block.SharedBytes,
            _ => 0,
        };
        for (uint m = mask; m != 0; m &= m - 1) w.R[ins.D + BitOperations.TrailingZeroCount(m)] = v;
    }
}

/// <summary>Special registers the executor provides.</summary>
internal enum PtxSpecial
{
    TidX, TidY, TidZ, NtidX, NtidY, NtidZ, CtaidX, CtaidY, CtaidZ, NctaidX, NctaidY, NctaidZ,
    LaneId, WarpId, NWarpId, LanemaskEq, LanemaskLt, LanemaskLe, LanemaskGt, LanemaskGe,
    Clock, Clock64, GlobalTimer, SmId, NSmId, DynamicSmemSize, TotalSmemSize, GridId,
}
