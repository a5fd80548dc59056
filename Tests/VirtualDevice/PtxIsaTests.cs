using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Instruction semantics from hand-written PTX (no NVRTC needed): each thread reads three 64-bit inputs a, b, c
/// (%rd1..%rd3), runs a body that leaves its result in %rd0, and writes it; results are checked against a C# reading
/// of the PTX ISA's definition.
/// </summary>
[TestFixture]
public class PtxIsaTests
{
    private static string Ptx(string body) => $$"""
        .version 7.8
        .target sm_90
        .address_size 64
        .visible .entry k(.param .u64 pa, .param .u64 pb, .param .u64 pc, .param .u64 pout)
        {
            .reg .pred %p<8>;
            .reg .b16 %h<8>;
            .reg .b32 %r<16>;
            .reg .b64 %rd<16>;
            .reg .f32 %f<16>;
            .reg .f64 %fd<16>;
            .reg .b64 %pa, %pb, %pc, %po, %off;
            ld.param.u64 %pa, [pa];
            ld.param.u64 %pb, [pb];
            ld.param.u64 %pc, [pc];
            ld.param.u64 %po, [pout];
            mov.u32 %r0, %tid.x;
            mul.wide.u32 %off, %r0, 8;
            add.s64 %pa, %pa, %off;
            add.s64 %pb, %pb, %off;
            add.s64 %pc, %pc, %off;
            add.s64 %po, %po, %off;
            ld.global.u64 %rd1, [%pa];
            ld.global.u64 %rd2, [%pb];
            ld.global.u64 %rd3, [%pc];
            mov.u64 %rd0, 0;
        {{body}}
            st.global.u64 [%po], %rd0;
            ret;
        }
        """;

    /// <summary>Runs <paramref name="body"/> on each (a, b, c) and returns the results.</summary>
    private static ulong[] Run(string body, ulong[] a, ulong[]? b = null, ulong[]? c = null)
    {
        b ??= new ulong[a.Length];
        c ??= new ulong[a.Length];
        PtxKernel k = Kernel(PtxModule.Parse(Ptx(body)), "k");
        using var mem = new TestGlobalMemory();
        ulong da = mem.Upload(a), db = mem.Upload(b), dc = mem.Upload(c), dout = mem.Allocate(8 * a.Length);
        Launch(k, mem, D(1), D((uint)a.Length), da, db, dc, dout);
        return mem.Download<ulong>(dout, a.Length);
    }

    private static ulong F(float f) => (uint)BitConverter.SingleToInt32Bits(f);

    private static ulong F(double d) => (ulong)BitConverter.DoubleToInt64Bits(d);

    private static float AsF(ulong bits) => BitConverter.Int32BitsToSingle((int)bits);

    [Test]
    public void CarryChainsAdd128AndSubtract128()
    {
        // (a + b) and (a - b) on 128-bit values made of (a, c) and (b, c'), in 32-bit limbs with .cc chains.
        const string body = """
                mov.b64 {%r1, %r2}, %rd1;
                mov.b64 {%r3, %r4}, %rd2;
                add.cc.u32 %r5, %r1, %r3;
                addc.cc.u32 %r6, %r2, %r4;
                addc.u32 %r7, 0, 0;
                sub.cc.u32 %r8, %r1, %r3;
                subc.cc.u32 %r9, %r2, %r4;
                subc.u32 %r10, 0, 0;
                mov.b64 %rd4, {%r5, %r6};
                mov.b64 %rd5, {%r8, %r9};
                xor.b64 %rd0, %rd4, %rd5;
                cvt.u64.u32 %rd6, %r7;
                cvt.u64.u32 %rd7, %r10;
                shl.b64 %rd6, %rd6, 1;
                add.s64 %rd6, %rd6, %rd7;
                xor.b64 %rd0, %rd0, %rd6;
            """;
        ulong[] a = [ulong.MaxValue, 5, 0x8000_0000_0000_0000, 0xFFFF_FFFF, 0, 123456789012345];
        ulong[] b = [1, 7, 0x8000_0000_0000_0000, 1, 1, 98765432109876];
        ulong[] got = Run(body, a, b);
        for (int i = 0; i < a.Length; i++)
        {
            UInt128 sum = (UInt128)a[i] + b[i];
            ulong carry = (ulong)(sum >> 64);
            ulong borrowWord = a[i] < b[i] ? 0xFFFF_FFFFUL : 0;
            ulong want = (ulong)sum ^ (a[i] - b[i]) ^ ((carry << 1) + borrowWord);
            Assert.That(got[i], Is.EqualTo(want), $"a={a[i]:X} b={b[i]:X}");
        }
    }

    [Test]
    public void MadCarryChainGivesTheFull64BitProduct()
    {
        const string body = """
                mov.b64 {%r1, %r2}, %rd1;
                mov.b64 {%r3, %r4}, %rd2;
                mul.lo.u32 %r5, %r1, %r3;
                mul.hi.u32 %r6, %r1, %r3;
                mad.lo.cc.u32 %r6, %r1, %r4, %r6;
                madc.hi.u32 %r7, %r1, %r4, 0;
                mad.lo.cc.u32 %r6, %r2, %r3, %r6;
                madc.hi.cc.u32 %r7, %r2, %r3, %r7;
                madc.hi.u32 %r8, %r2, %r4, 0;
                mad.lo.cc.u32 %r7, %r2, %r4, %r7;
                addc.u32 %r8, %r8, 0;
                mov.b64 %rd4, {%r5, %r6};
                mov.b64 %rd5, {%r7, %r8};
                mul.hi.u64 %rd6, %rd1, %rd2;
                mul.lo.u64 %rd7, %rd1, %rd2;
                xor.b64 %rd0, %rd4, %rd7;
                xor.b64 %rd8, %rd5, %rd6;
                or.b64 %rd0, %rd0, %rd8;
            """;
        ulong[] a = [ulong.MaxValue, 0x1234_5678_9ABC_DEF0, 3, 0xFFFF_FFFF_0000_0001];
        ulong[] b = [ulong.MaxValue, 0x0FED_CBA9_8765_4321, 5, 0x0000_0001_FFFF_FFFF];
        Assert.That(Run(body, a, b), Is.All.Zero, "the limb-wise product equals mul.lo/mul.hi.u64");
    }

    [Test]
    public void BitFieldsPermutesAndFunnelShifts()
    {
        const string body = """
                mov.b64 {%r1, %r2}, %rd1;
                cvt.u32.u64 %r3, %rd2;
                cvt.u32.u64 %r4, %rd3;
                bfe.u32 %r5, %r1, %r3, %r4;
                bfe.s32 %r6, %r1, %r3, %r4;
                bfi.b32 %r7, %r2, %r1, %r3, %r4;
                prmt.b32 %r8, %r1, %r2, 0x7351;
                shf.l.wrap.b32 %r9, %r1, %r2, %r3;
                shf.r.clamp.b32 %r10, %r1, %r2, %r3;
                brev.b32 %r11, %r1;
                popc.b32 %r12, %r1;
                bfind.s32 %r13, %r1;
                xor.b32 %r5, %r5, %r6;
                add.s32 %r5, %r5, %r7;
                xor.b32 %r5, %r5, %r8;
                add.s32 %r5, %r5, %r9;
                xor.b32 %r5, %r5, %r10;
                add.s32 %r5, %r5, %r11;
                mad.lo.s32 %r5, %r12, 65537, %r5;
                add.s32 %r5, %r5, %r13;
                cvt.u64.u32 %rd0, %r5;
            """;
        ulong[] a = [0xDEADBEEF_01234567, 0x80000000_FFFFFFFF, 0x0000_0001_8000_0000, 0x1234_5678_0000_0000];
        ulong[] starts = [4, 28, 31, 0];
        ulong[] lengths = [8, 10, 1, 40];
        ulong[] got = Run(body, a, starts, lengths);
        for (int i = 0; i < a.Length; i++)
        {
            uint lo = (uint)a[i], hi = (uint)(a[i] >> 32);
            int pos = (int)starts[i], len = (int)lengths[i];
            uint Bfe(bool signed)
            {
                uint r = 0;
                int msb = Math.Min(pos + len - 1, 31);
                bool sbit = signed && ((lo >> msb) & 1) != 0;
                for (int k = 0; k < 32; k++) if (k < len && pos + k < 32 ? ((lo >> (pos + k)) & 1) != 0 : sbit) r |= 1u << k;
                return len == 0 ? 0 : r;
            }
            uint bfi = lo;
            for (int k = 0; k < len && pos + k < 32; k++) bfi = ((hi >> k) & 1) != 0 ? bfi | (1u << (pos + k)) : bfi & ~(1u << (pos + k));
            ulong pair = lo | ((ulong)hi << 32);
            uint prmt = 0;
            for (int k = 0; k < 4; k++) prmt |= (uint)((pair >> (8 * (int)((0x7351u >> (4 * k)) & 7))) & 0xFF) << (8 * k);
            uint shl = (uint)((pair << (pos & 31)) >> 32);
            uint shr = (uint)(pair >> Math.Min(pos, 32));
            uint brev = 0;
            for (int k = 0; k < 32; k++) brev |= ((lo >> k) & 1) << (31 - k);
            uint popc = (uint)System.Numerics.BitOperations.PopCount(lo);
            int sv = (int)lo;
            uint bfind = (sv < 0 ? ~sv : sv) == 0 ? 0xFFFFFFFF : (uint)(31 - System.Numerics.BitOperations.LeadingZeroCount((uint)(sv < 0 ? ~sv : sv)));
            uint r5 = Bfe(false) ^ Bfe(true);
            r5 += bfi;
            r5 ^= prmt;
            r5 += shl;
            r5 ^= shr;
            r5 += brev;
            r5 = popc * 65537 + r5;
            r5 += bfind;
            Assert.That(got[i], Is.EqualTo((ulong)r5), $"case {i}");
        }
    }

    [Test]
    public void DirectedRoundingOfFloatArithmetic()
    {
        // add/mul/fma/div/sqrt in each mode; the oracle rounds the exact double (or exact rational) result.
        const string body = """
                cvt.rn.f32.f64 %f1, %fd1;
                mov.b64 %fd1, %rd1;
                mov.b64 %fd2, %rd2;
                cvt.rn.f32.f64 %f1, %fd1;
                cvt.rn.f32.f64 %f2, %fd2;
                add.rz.f32 %f3, %f1, %f2;
                add.rm.f32 %f4, %f1, %f2;
                add.rp.f32 %f5, %f1, %f2;
                mul.rz.f32 %f6, %f1, %f2;
                fma.rm.f32 %f7, %f1, %f2, %f1;
                fma.rp.f32 %f8, %f1, %f2, %f1;
                mov.b32 %r1, %f3;
                mov.b32 %r2, %f4;
                mov.b32 %r3, %f5;
                mov.b32 %r4, %f6;
                mov.b32 %r5, %f7;
                mov.b32 %r6, %f8;
                cvt.u64.u32 %rd4, %r1;
                cvt.u64.u32 %rd5, %r2;
                cvt.u64.u32 %rd6, %r3;
                cvt.u64.u32 %rd7, %r4;
                cvt.u64.u32 %rd8, %r5;
                cvt.u64.u32 %rd9, %r6;
                mul.lo.s64 %rd0, %rd4, 3;
                add.s64 %rd0, %rd0, %rd5;
                mul.lo.s64 %rd0, %rd0, 5;
                add.s64 %rd0, %rd0, %rd6;
                mul.lo.s64 %rd0, %rd0, 7;
                add.s64 %rd0, %rd0, %rd7;
                mul.lo.s64 %rd0, %rd0, 11;
                add.s64 %rd0, %rd0, %rd8;
                mul.lo.s64 %rd0, %rd0, 13;
                add.s64 %rd0, %rd0, %rd9;
            """;
        float[] xs = [1f, 1e8f, -3.3f, 16777216f, 0.1f, -1e-3f];
        float[] ys = [1e-9f, 1.5f, 7.7f, 1f, 0.2f, 3e7f];
        ulong[] got = Run(body, xs.Select(x => F((double)x)).ToArray(), ys.Select(y => F((double)y)).ToArray());
        static float Round(double exact, int mode)
        {
            float f = (float)exact;
            if ((double)f == exact) return f;
            float down = (double)f < exact ? f : MathF.BitDecrement(f);
            float up = (double)f > exact ? f : MathF.BitIncrement(f);
            return mode switch { 0 => exact > 0 ? down : up, 1 => down, _ => up };
        }
        for (int i = 0; i < xs.Length; i++)
        {
            double x = xs[i], y = ys[i];
            // Sums and products of two floats are exact in double here (exponents are close).
            ulong Bits(float f) => (uint)BitConverter.SingleToInt32Bits(f);
            ulong want = Bits(Round(x + y, 0));
            want = want * 3 + Bits(Round(x + y, 1));
            want = want * 5 + Bits(Round(x + y, 2));
            want = want * 7 + Bits(Round(x * y, 0));
            want = want * 11 + Bits(Round(Math.FusedMultiplyAdd(x, y, x), 1));
            want = want * 13 + Bits(Round(Math.FusedMultiplyAdd(x, y, x), 2));
            Assert.That(got[i], Is.EqualTo(want), $"x={x} y={y}");
        }
    }

    [Test]
    public void CvtBetweenFloatWidthsAndToIntegersWithModes()
    {
        const string body = """
                mov.b64 %fd1, %rd1;
                cvt.rz.f32.f64 %f1, %fd1;
                cvt.rp.f32.f64 %f2, %fd1;
                cvt.rmi.s32.f64 %r1, %fd1;
                cvt.rpi.u16.f64 %h1, %fd1;
                cvt.sat.s8.s32 %r2, %r1;
                cvt.u32.u16 %r3, %h1;
                mov.b32 %r4, %f1;
                mov.b32 %r5, %f2;
                cvt.u64.u32 %rd4, %r4;
                cvt.u64.u32 %rd5, %r5;
                shl.b64 %rd5, %rd5, 32;
                or.b64 %rd0, %rd4, %rd5;
                cvt.s64.s32 %rd6, %r1;
                cvt.s64.s32 %rd7, %r2;
                cvt.u64.u32 %rd8, %r3;
                mul.lo.s64 %rd6, %rd6, 1000003;
                mul.lo.s64 %rd7, %rd7, 101;
                xor.b64 %rd0, %rd0, %rd6;
                xor.b64 %rd0, %rd0, %rd7;
                xor.b64 %rd0, %rd0, %rd8;
            """;
        double[] xs = [1.0 / 3, -1.0 / 3, 1e40, -1e40, double.NaN, 70000.5, -129.5, 255.2];
        ulong[] got = Run(body, xs.Select(F).ToArray());
        for (int i = 0; i < xs.Length; i++)
        {
            double x = xs[i];
            float rn = (float)x;
            float rz = double.IsNaN(x) ? rn : double.IsInfinity(rn) ? (x > 0 ? float.MaxValue : float.MinValue) : (Math.Abs((double)rn) > Math.Abs(x) ? (x > 0 ? MathF.BitDecrement(rn) : MathF.BitIncrement(rn)) : rn);
            float rp = double.IsNaN(x) ? rn : double.IsInfinity(rn) ? (x > 0 ? rn : float.MinValue) : ((double)rn < x ? MathF.BitIncrement(rn) : rn);
            long rmi = double.IsNaN(x) ? 0 : (long)Math.Clamp(Math.Floor(x), int.MinValue, int.MaxValue);
            long rpi16 = double.IsNaN(x) ? 0 : (long)Math.Clamp(Math.Ceiling(x), 0, ushort.MaxValue);
            long sat8 = Math.Clamp(rmi, sbyte.MinValue, sbyte.MaxValue);
            ulong want = ((ulong)(uint)BitConverter.SingleToInt32Bits(rz)) | ((ulong)(uint)BitConverter.SingleToInt32Bits(rp) << 32);
            want ^= (ulong)(rmi * 1000003);
            want ^= (ulong)(sat8 * 101);
            want ^= (ulong)rpi16;
            Assert.That(got[i], Is.EqualTo(want), $"x={x}");
        }
    }

    [Test]
    public void SetSlctTestpCopysignAndPredicateCombinations()
    {
        const string body = """
                mov.b64 {%r1, %r2}, %rd1;
                mov.b32 %f1, %r1;
                mov.b32 %f2, %r2;
                setp.ne.u32 %p7, %r1, %r1;
                setp.lt.and.f32 %p1, %f1, %f2, !%p7;
                setp.gtu.f32 %p2|%p3, %f1, %f2;
                set.ne.u32.f32 %r3, %f1, %f2;
                slct.s32.f32 %r4, 11, 22, %f1;
                testp.notanumber.f32 %p4, %f2;
                testp.infinite.f32 %p5, %f1;
                copysign.f32 %f3, %f1, %f2;
                xor.pred %p6, %p1, %p4;
                selp.u32 %r5, 1, 0, %p1;
                selp.u32 %r6, 2, 0, %p2;
                selp.u32 %r7, 4, 0, %p3;
                selp.u32 %r8, 8, 0, %p4;
                selp.u32 %r9, 16, 0, %p5;
                selp.u32 %r10, 32, 0, %p6;
                or.b32 %r5, %r5, %r6;
                or.b32 %r5, %r5, %r7;
                or.b32 %r5, %r5, %r8;
                or.b32 %r5, %r5, %r9;
                or.b32 %r5, %r5, %r10;
                and.b32 %r3, %r3, 64;
                or.b32 %r5, %r5, %r3;
                mul.lo.s32 %r4, %r4, 128;
                add.s32 %r5, %r5, %r4;
                mov.b32 %r11, %f3;
                mov.b64 %rd0, {%r5, %r11};
            """;
        (float A, float B)[] pairs = [(1f, 2f), (2f, 1f), (float.NaN, 1f), (1f, float.NaN), (-0f, 0f), (float.PositiveInfinity, -3f), (-5f, -5f)];
        ulong[] got = Run(body, pairs.Select(p => F(p.A) | (F(p.B) << 32)).ToArray());
        for (int i = 0; i < pairs.Length; i++)
        {
            var (a, b) = pairs[i];
            bool p1 = a < b, p2 = !(a <= b), p3 = !p2, p4 = float.IsNaN(b), p5 = float.IsInfinity(a), p6 = p1 ^ p4;
            bool ne = !float.IsNaN(a) && !float.IsNaN(b) && a != b;
            int slct = a >= 0 ? 11 : 22;
            uint r5 = (p1 ? 1u : 0) | (p2 ? 2u : 0) | (p3 ? 4u : 0) | (p4 ? 8u : 0) | (p5 ? 16u : 0) | (p6 ? 32u : 0) | (ne ? 64u : 0);
            r5 = (uint)(r5 + slct * 128);
            float cs = MathF.CopySign(b, a);
            ulong want = r5 | ((ulong)(uint)BitConverter.SingleToInt32Bits(cs) << 32);
            Assert.That(got[i], Is.EqualTo(want), $"a={a} b={b}");
        }
    }

    [Test]
    public void IntegerEdgesDivisionRemainderSaturationAndWideProducts()
    {
        const string body = """
                mov.b64 {%r1, %r2}, %rd1;
                div.s32 %r3, %r1, %r2;
                rem.s32 %r4, %r1, %r2;
                add.sat.s32 %r5, %r1, %r2;
                sub.sat.s32 %r6, %r1, %r2;
                mul.hi.s32 %r7, %r1, %r2;
                mul.wide.s32 %rd4, %r1, %r2;
                abs.s32 %r8, %r1;
                cnot.b32 %r9, %r2;
                min.s64 %rd5, %rd1, %rd2;
                max.u64 %rd6, %rd1, %rd2;
                div.u64 %rd7, %rd1, %rd2;
                xor.b32 %r3, %r3, %r4;
                add.s32 %r3, %r3, %r5;
                xor.b32 %r3, %r3, %r6;
                add.s32 %r3, %r3, %r7;
                xor.b32 %r3, %r3, %r8;
                add.s32 %r3, %r3, %r9;
                cvt.u64.u32 %rd0, %r3;
                xor.b64 %rd0, %rd0, %rd4;
                add.s64 %rd0, %rd0, %rd5;
                xor.b64 %rd0, %rd0, %rd6;
                add.s64 %rd0, %rd0, %rd7;
            """;
        (int A, int B)[] pairs = [(7, 2), (-7, 2), (int.MinValue, -1), (5, 0), (-5, 0), (int.MaxValue, 1), (int.MinValue, 1), (123456, -789)];
        ulong[] a = pairs.Select(p => (ulong)(uint)p.A | ((ulong)(uint)p.B << 32)).ToArray();
        ulong[] b = [3, 0, 5, ulong.MaxValue, 1, 0, 7, 2];
        ulong[] got = Run(body, a, b);
        for (int i = 0; i < pairs.Length; i++)
        {
            var (x, y) = pairs[i];
            int div = y == 0 ? -1 : (x == int.MinValue && y == -1) ? x : x / y;
            int rem = y == 0 ? x : (y == -1) ? 0 : x % y;
            int addSat = (int)Math.Clamp((long)x + y, int.MinValue, int.MaxValue);
            int subSat = (int)Math.Clamp((long)x - y, int.MinValue, int.MaxValue);
            int hi = (int)(((long)x * y) >> 32);
            long wide = (long)x * y;
            int abs = x == int.MinValue ? x : Math.Abs(x);
            int cnot = y == 0 ? 1 : 0;
            uint r3 = (uint)((((((((div ^ rem) + addSat) ^ subSat) + hi) ^ abs) + cnot)));
            ulong want = r3;
            want ^= (ulong)wide;
            want += (ulong)Math.Min((long)a[i], (long)b[i]);
            want ^= Math.Max(a[i], b[i]);
            want += b[i] == 0 ? ulong.MaxValue : a[i] / b[i];
            Assert.That(got[i], Is.EqualTo(want), $"x={x} y={y} b={b[i]}");
        }
    }

    [Test]
    public void WarpVoteUniReduxMatchAndSyncwarp()
    {
        const string body = """
                cvt.u32.u64 %r1, %rd1;
                setp.ne.u32 %p1, %r1, 0;
                vote.sync.uni.pred %p2, %p1, 0xffffffff;
                vote.sync.all.pred %p3, !%p1, 0xffffffff;
                redux.sync.add.u32 %r2, %r1, 0xffffffff;
                redux.sync.max.s32 %r3, %r1, 0xffffffff;
                match.any.sync.b32 %r4, %r1, 0xffffffff;
                bar.warp.sync 0xffffffff;
                activemask.b32 %r5;
                selp.u32 %r6, 1, 0, %p2;
                selp.u32 %r7, 2, 0, %p3;
                add.s32 %r6, %r6, %r7;
                mov.b64 %rd4, {%r2, %r3};
                mov.b64 %rd5, {%r4, %r6};
                xor.b64 %rd0, %rd4, %rd5;
                cvt.u64.u32 %rd6, %r5;
                shl.b64 %rd6, %rd6, 7;
                add.s64 %rd0, %rd0, %rd6;
            """;
        ulong[] a = Enumerable.Range(0, 32).Select(i => (ulong)(i % 3 == 0 ? 0 : i % 5)).ToArray();
        ulong[] got = Run(body, a);
        uint sum = (uint)a.Sum(v => (long)v);
        int max = a.Max(v => (int)v);
        bool uni = a.All(v => v != 0) || a.All(v => v == 0);
        bool allZero = a.All(v => v == 0);
        for (int i = 0; i < 32; i++)
        {
            uint same = 0;
            for (int j = 0; j < 32; j++) if (a[j] == a[i]) same |= 1u << j;
            uint flags = (uni ? 1u : 0) + (allZero ? 2u : 0);
            ulong want = (sum | ((ulong)(uint)max << 32)) ^ (same | ((ulong)flags << 32));
            want += (ulong)uint.MaxValue << 7;
            Assert.That(got[i], Is.EqualTo(want), $"lane {i}");
        }
    }

    [Test]
    public void HalfAndBfloat16Arithmetic()
    {
        const string body = """
                cvt.u16.u64 %h1, %rd1;
                cvt.u16.u64 %h2, %rd2;
                add.rn.f16 %h3, %h1, %h2;
                mul.rn.f16 %h4, %h1, %h2;
                fma.rn.bf16 %h5, %h1, %h2, %h1;
                cvt.f32.f16 %f1, %h3;
                cvt.f32.bf16 %f2, %h5;
                mov.b32 %r1, {%h3, %h4};
                mov.b32 %r2, %f1;
                mov.b64 %rd0, {%r1, %r2};
                cvt.u64.u16 %rd4, %h5;
                mov.b32 %r3, %f2;
                cvt.u64.u32 %rd5, %r3;
                mul.lo.s64 %rd4, %rd4, 31;
                xor.b64 %rd0, %rd0, %rd4;
                add.s64 %rd0, %rd0, %rd5;
            """;
        (float A, float B)[] pairs = [(1.5f, 2.25f), (-0.1f, 3f), (60000f, 10000f), (1e-5f, 1e-3f)];
        ulong[] ha = pairs.Select(p => (ulong)BitConverter.HalfToUInt16Bits((Half)p.A)).ToArray();
        ulong[] hb = pairs.Select(p => (ulong)BitConverter.HalfToUInt16Bits((Half)p.B)).ToArray();
        ulong[] got = Run(body, ha, hb);
        for (int i = 0; i < pairs.Length; i++)
        {
            double x = (double)BitConverter.UInt16BitsToHalf((ushort)ha[i]), y = (double)BitConverter.UInt16BitsToHalf((ushort)hb[i]);
            ushort add = BitConverter.HalfToUInt16Bits((Half)(x + y));
            ushort mul = BitConverter.HalfToUInt16Bits((Half)(x * y));
            // The same 16 bits read as bfloat16.
            double bx = BitConverter.Int32BitsToSingle((int)((uint)ha[i] << 16)), by = BitConverter.Int32BitsToSingle((int)((uint)hb[i] << 16));
            float fmaF = (float)Math.FusedMultiplyAdd(bx, by, bx);
            uint fb = (uint)BitConverter.SingleToInt32Bits(fmaF);
            ushort bf = (ushort)((fb + 0x7FFF + ((fb >> 16) & 1)) >> 16);
            float f1 = (float)BitConverter.UInt16BitsToHalf(add);
            float f2 = BitConverter.Int32BitsToSingle(bf << 16);
            ulong want = add | ((ulong)mul << 16) | ((ulong)(uint)BitConverter.SingleToInt32Bits(f1) << 32);
            want ^= (ulong)bf * 31;
            want += (uint)BitConverter.SingleToInt32Bits(f2);
            Assert.That(got[i], Is.EqualTo(want), $"x={x} y={y}");
        }
    }

    [Test]
    public void NamedBarrierWithAThreadCountReleasesThatManyThreads()
    {
        // Warps 0 and 1 meet at barrier 1 (64 threads) while warp 2 meets nobody at barrier 2 (32 threads: itself).
        const string body = """
                mov.u32 %r1, %tid.x;
                shr.u32 %r2, %r1, 5;
                setp.eq.u32 %p1, %r2, 2;
                @%p1 bra SOLO;
                bar.sync 1, 64;
                mov.u64 %rd0, 1;
                bra.uni DONE;
            SOLO:
                bar.sync 2, 32;
                mov.u64 %rd0, 2;
            DONE:
            """;
        ulong[] got = Run(body, new ulong[96]);
        Assert.That(got, Is.EqualTo(Enumerable.Range(0, 96).Select(t => t < 64 ? 1UL : 2UL).ToArray()));
    }

    [Test]
    public void AssertFailureIsADeviceSideAssert()
    {
        const string ptx = """
            .version 7.8
            .target sm_90
            .address_size 64
            .extern .func __assertfail
            (
                .param .b64 __assertfail_param_0,
                .param .b64 __assertfail_param_1,
                .param .b32 __assertfail_param_2,
                .param .b64 __assertfail_param_3,
                .param .b64 __assertfail_param_4
            )
            ;
            .visible .entry checks(.param .u32 v)
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                .reg .b64 %rd<2>;
                ld.param.u32 %r1, [v];
                setp.gt.s32 %p1, %r1, 0;
                @%p1 bra OK;
                mov.u64 %rd1, 0;
                {
                .param .b64 param0;
                st.param.b64 [param0+0], %rd1;
                .param .b64 param1;
                st.param.b64 [param1+0], %rd1;
                .param .b32 param2;
                st.param.b32 [param2+0], %r1;
                .param .b64 param3;
                st.param.b64 [param3+0], %rd1;
                .param .b64 param4;
                st.param.b64 [param4+0], %rd1;
                call.uni __assertfail, (param0, param1, param2, param3, param4);
                }
            OK:
                ret;
            }
            """;
        PtxKernel k = Kernel(PtxModule.Parse(ptx), "checks");
        using var mem = new TestGlobalMemory();
        Launch(k, mem, D(1), D(32), 5);
        var e = Assert.Throws<CudaTensor.VirtualDevice.DeviceFaultException>(() => Launch(k, mem, D(1), D(32), -1))!;
        Assert.Multiple(() =>
        {
            Assert.That((int)e.Error, Is.EqualTo(710), "CUDA_ERROR_ASSERT");
            Assert.That(e.Message, Does.Contain("kernel checks").And.Contain("assert"));
        });
    }

    [Test]
    public void ShuffleAtAJoinPlacedBeforeTheOtherSideOfTheBranch()
    {
        // The odd lanes' side of the branch is laid out after the exit and jumps back to the join, where a full-mask
        // shuffle needs every lane: the even lanes reach it first and must wait for the odd ones.
        const string body = """
                mov.u32 %r1, %tid.x;
                and.b32 %r2, %r1, 1;
                setp.ne.u32 %p1, %r2, 0;
                @%p1 bra ODD;
                mul.lo.u32 %r3, %r1, 10;
            JOIN:
                shfl.sync.bfly.b32 %r4, %r3, 1, 31, -1;
                cvt.u64.u32 %rd0, %r4;
                st.global.u64 [%po], %rd0;
                ret;
            ODD:
                mul.lo.u32 %r3, %r1, 1000;
                bra.uni JOIN;
            """;
        ulong[] got = Run(body, new ulong[32]);
        Assert.That(got, Is.EqualTo(Enumerable.Range(0, 32).Select(t => (ulong)((t ^ 1) * ((t ^ 1) % 2 == 0 ? 10 : 1000))).ToArray()));
    }
}
