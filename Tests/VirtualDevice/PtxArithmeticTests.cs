using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>Conversions at their edges, rounding modes, approximate math within the ISA's bounds, 64-bit addressing.</summary>
[TestFixture]
public class PtxArithmeticTests
{
    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    private static readonly float[] Edges =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3e9f, -3e9f, 2.5f, -2.5f, 3.5f, -0.5f, 1.4999999f,
        0f, -0f, 4294967296f, 2147483520f, 1e-40f, -7.75f,
    ];

    [Test]
    public void FloatToIntegerConversionsSaturateAndMapNanToZero()
    {
        const string source = """
            extern "C" __global__ void f2i(const float* x, int* i32, unsigned int* u32, long long* i64, unsigned long long* u64, int n)
            {
                int t = threadIdx.x;
                if (t >= n) return;
                float v = x[t];
                i32[4 * t + 0] = __float2int_rn(v);
                i32[4 * t + 1] = __float2int_rz(v);
                i32[4 * t + 2] = __float2int_rd(v);
                i32[4 * t + 3] = __float2int_ru(v);
                u32[t] = __float2uint_rz(v);
                i64[t] = __float2ll_rn(v);
                u64[t] = __float2ull_rz(v);
            }
            """;
        PtxKernel k = Kernel(Module(source), "f2i");
        using var mem = new TestGlobalMemory();
        int n = Edges.Length;
        ulong x = mem.Upload(Edges), i32 = mem.Allocate(16 * n), u32 = mem.Allocate(4 * n), i64 = mem.Allocate(8 * n), u64 = mem.Allocate(8 * n);
        Launch(k, mem, D(1), D(32), x, i32, u32, i64, u64, n);
        static long Sat(double v, double lo, double hi) => double.IsNaN(v) ? 0 : v <= lo ? (long)lo : v >= hi ? (long)hi : (long)v;
        int[] got32 = mem.Download<int>(i32, 4 * n);
        uint[] gotU = mem.Download<uint>(u32, n);
        long[] got64 = mem.Download<long>(i64, n);
        ulong[] gotU64 = mem.Download<ulong>(u64, n);
        Assert.Multiple(() =>
        {
            for (int t = 0; t < n; t++)
            {
                double v = Edges[t];
                Assert.That(got32[4 * t + 0], Is.EqualTo(Sat(Math.Round(v, MidpointRounding.ToEven), int.MinValue, int.MaxValue)), $"rn {v}");
                Assert.That(got32[4 * t + 1], Is.EqualTo(Sat(Math.Truncate(v), int.MinValue, int.MaxValue)), $"rz {v}");
                Assert.That(got32[4 * t + 2], Is.EqualTo(Sat(Math.Floor(v), int.MinValue, int.MaxValue)), $"rd {v}");
                Assert.That(got32[4 * t + 3], Is.EqualTo(Sat(Math.Ceiling(v), int.MinValue, int.MaxValue)), $"ru {v}");
                Assert.That(gotU[t], Is.EqualTo((uint)Sat(Math.Truncate(v), 0, uint.MaxValue)), $"u32 {v}");
                long want64 = double.IsNaN(v) ? 0 : v >= 9.2233720368547758e18 ? long.MaxValue : v <= -9.2233720368547758e18 ? long.MinValue : (long)Math.Round(v, MidpointRounding.ToEven);
                Assert.That(got64[t], Is.EqualTo(want64), $"i64 {v}");
                ulong wantU64 = double.IsNaN(v) || v <= 0 ? 0 : v >= 1.8446744073709552e19 ? ulong.MaxValue : (ulong)Math.Truncate(v);
                Assert.That(gotU64[t], Is.EqualTo(wantU64), $"u64 {v}");
            }
        });
    }

    [Test]
    public void IntegerToFloatRoundingModesAndHalfPrecision()
    {
        const string source = """
            extern "C" __global__ void i2f(const int* x, float* f, unsigned short* h, unsigned short* b, int n)
            {
                int t = threadIdx.x;
                if (t >= n) return;
                f[4 * t + 0] = __int2float_rn(x[t]);
                f[4 * t + 1] = __int2float_rz(x[t]);
                f[4 * t + 2] = __int2float_rd(x[t]);
                f[4 * t + 3] = __int2float_ru(x[t]);
                float v = x[t] * 0.001f;
                unsigned short hv, bv;
                asm("cvt.rn.f16.f32 %0, %1;" : "=h"(hv) : "f"(v));
                asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(bv) : "f"(v));
                h[t] = hv;
                b[t] = bv;
            }
            """;
        PtxKernel k = Kernel(Module(source), "i2f");
        int[] xs = [16777217, -16777217, 2147483647, -2147483647, 123456789, 3, -5, 33554435, 1000, 65504000, 1, -1];
        using var mem = new TestGlobalMemory();
        int n = xs.Length;
        ulong x = mem.Upload(xs), f = mem.Allocate(16 * n), h = mem.Allocate(2 * n), b = mem.Allocate(2 * n);
        Launch(k, mem, D(1), D(32), x, f, h, b, n);
        float[] got = mem.Download<float>(f, 4 * n);
        ushort[] gotH = mem.Download<ushort>(h, n);
        ushort[] gotB = mem.Download<ushort>(b, n);
        Assert.Multiple(() =>
        {
            for (int t = 0; t < n; t++)
            {
                long v = xs[t];
                float rn = v;
                float lo = (long)rn <= v ? rn : MathF.BitDecrement(rn);
                float hi = (long)rn >= v ? rn : MathF.BitIncrement(rn);
                float rz = v >= 0 ? lo : hi;
                Assert.That(got[4 * t + 0], Is.EqualTo(rn), $"rn {v}");
                Assert.That(got[4 * t + 1], Is.EqualTo(rz), $"rz {v}");
                Assert.That(got[4 * t + 2], Is.EqualTo(lo), $"rd {v}");
                Assert.That(got[4 * t + 3], Is.EqualTo(hi), $"ru {v}");
                float s = xs[t] * 0.001f;
                Assert.That(gotH[t], Is.EqualTo(BitConverter.HalfToUInt16Bits((Half)s)), $"half {s}");
                uint bits = (uint)BitConverter.SingleToInt32Bits(s);
                ushort bf = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
                Assert.That(gotB[t], Is.EqualTo(bf), $"bf16 {s}");
            }
        });
    }

    [Test]
    public void MinMaxWithNanShiftsPastTheWidthAndDivisionByZero()
    {
        const string source = """
            extern "C" __global__ void edges(const float* f, const unsigned int* u, float* fo, unsigned int* uo, int* io)
            {
                fo[0] = fminf(f[0], f[1]);
                fo[1] = fmaxf(f[1], f[0]);
                fo[2] = fminf(f[0], f[0]);
                fo[3] = fminf(f[2], f[3]);
                uo[0] = u[0] << u[1];
                uo[1] = u[0] >> u[1];
                io[0] = ((int)u[2]) >> u[1];
                uo[2] = u[0] / u[3];
                uo[3] = u[0] % u[3];
                io[1] = ((int)u[2]) / (int)u[4];
                unsigned long long w = ((unsigned long long)u[0] << 32) | u[0];
                uo[4] = (unsigned int)(w >> (u[1] + 30));
            }
            """;
        PtxKernel k = Kernel(Module(source), "edges");
        using var mem = new TestGlobalMemory();
        ulong f = mem.Upload(new[] { float.NaN, 2f, -0f, 0f }), u = mem.Upload(new uint[] { 0xF0000001, 40, 0x80000000, 0, 0xFFFFFFFF });
        ulong fo = mem.Allocate(16), uo = mem.Allocate(20), io = mem.Allocate(8);
        Launch(k, mem, D(1), D(1), f, u, fo, uo, io);
        float[] gf = mem.Download<float>(fo, 4);
        uint[] gu = mem.Download<uint>(uo, 5);
        int[] gi = mem.Download<int>(io, 2);
        Assert.Multiple(() =>
        {
            Assert.That(gf[0], Is.EqualTo(2f), "min(NaN, 2) is the number");
            Assert.That(gf[1], Is.EqualTo(2f), "max(2, NaN) is the number");
            Assert.That(float.IsNaN(gf[2]), "min(NaN, NaN) is NaN");
            Assert.That(BitConverter.SingleToInt32Bits(gf[3]), Is.EqualTo(BitConverter.SingleToInt32Bits(-0f)), "min(-0, +0) is -0");
            Assert.That(gu[0], Is.Zero, "shl by 40 of a 32-bit value clamps to 0");
            Assert.That(gu[1], Is.Zero, "shr.u32 by 40 clamps to 0");
            Assert.That(gi[0], Is.EqualTo(-1), "shr.s32 by 40 fills with the sign");
            Assert.That(gu[2], Is.EqualTo(0xFFFFFFFFu), "unsigned division by zero gives all ones");
            Assert.That(gu[3], Is.EqualTo(0xF0000001u), "remainder by zero gives the dividend");
            Assert.That(gi[1], Is.EqualTo(int.MinValue), "INT_MIN / -1 wraps");
            Assert.That(gu[4], Is.Zero, "shr.u64 by 70 clamps to 0");
        });
    }

    [Test]
    public void FastMathApproximationsStayWithinTheIsaBounds()
    {
        const string source = """
            extern "C" __global__ void approx(const float* x, float* out, int n)
            {
                int t = blockIdx.x * blockDim.x + threadIdx.x;
                if (t >= n) return;
                float v = x[t];
                out[6 * t + 0] = __expf(v);
                out[6 * t + 1] = __logf(fabsf(v) + 0.5f);
                out[6 * t + 2] = __sinf(v);
                out[6 * t + 3] = __cosf(v);
                out[6 * t + 4] = rsqrtf(fabsf(v) + 0.25f);
                out[6 * t + 5] = __fdividef(v, 3.0f);
            }
            """;
        PtxModule module = Module(source, fastMath: true);
        PtxKernel k = Kernel(module, "approx");
        using var mem = new TestGlobalMemory();
        const int n = 500;
        float[] xs = Enumerable.Range(0, n).Select(i => (i - 250) * 0.0123f).ToArray();
        ulong x = mem.Upload(xs), o = mem.Allocate(6 * 4 * n);
        Launch(k, mem, D(4), D(128), x, o, n);
        float[] got = mem.Download<float>(o, 6 * n);
        Assert.Multiple(() =>
        {
            for (int t = 0; t < n; t++)
            {
                double v = xs[t];
                // ex2.approx: 2 ulp plus the error of the multiply by log2(e) NVRTC inserts; lg2.approx: 2^-22 absolute
                // near 1; sin/cos.approx: 2^-20.9 absolute in [-pi, pi]; rsqrt.approx: 2^-22.9 relative.
                Assert.That(got[6 * t + 0], Is.EqualTo(Math.Exp(v)).Within(Math.Exp(v) * 2e-6), $"exp {v}");
                Assert.That(got[6 * t + 1], Is.EqualTo(Math.Log(Math.Abs(v) + 0.5)).Within(2e-6), $"log {v}");
                Assert.That(got[6 * t + 2], Is.EqualTo(Math.Sin(v)).Within(Math.Pow(2, -20.9)), $"sin {v}");
                Assert.That(got[6 * t + 3], Is.EqualTo(Math.Cos(v)).Within(Math.Pow(2, -20.9)), $"cos {v}");
                double rs = 1 / Math.Sqrt(Math.Abs(v) + 0.25);
                Assert.That(got[6 * t + 4], Is.EqualTo(rs).Within(rs * Math.Pow(2, -22.9)), $"rsqrt {v}");
                Assert.That(got[6 * t + 5], Is.EqualTo(v / 3).Within(Math.Abs(v / 3) * 4e-7), $"fdividef {v}");
            }
        });
    }

    [Test]
    public void SixtyFourBitIndexMathBeyondFourGiB()
    {
        const string source = """
            extern "C" __global__ void far_index(float* base_minus, long long bias, int n)
            {
                long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) base_minus[bias + i] = (float)i * 2.0f;
            }
            """;
        PtxKernel k = Kernel(Module(source), "far_index");
        using var mem = new TestGlobalMemory();
        const int n = 200;
        ulong d = mem.Allocate(n * 4);
        const long bias = 3L << 31; // 6 Gi elements: 24 GiB of byte offset
        ulong baseMinus = d - (ulong)bias * 4;
        Launch(k, mem, D(2), D(128), baseMinus, bias, n);
        Assert.That(mem.Download<float>(d, n), Is.EqualTo(Enumerable.Range(0, n).Select(i => i * 2f).ToArray()));
    }

    [Test]
    public void DoubleTrigonometryThroughTheInternalSlowPath()
    {
        const string source = """
            extern "C" __global__ void trig(const double* x, double* out, int n)
            {
                int t = threadIdx.x;
                if (t < n) { out[2 * t] = sin(x[t]); out[2 * t + 1] = cos(x[t]); }
            }
            """;
        double[] xs = [0.5, -3.0, 1e6, 1e22, -7.5e15, 123456.789, 2.0, 1e300];
        using var mem = new TestGlobalMemory();
        PtxModule module = Module(source);
        ulong[] globals = Globals(module, mem);
        ulong x = mem.Upload(xs), o = mem.Allocate(16 * xs.Length);
        Launch(Kernel(module, "trig"), mem, D(1), D(32), 0, globals, x, o, xs.Length);
        double[] got = mem.Download<double>(o, 2 * xs.Length);
        static double Ulps(double v, int n) => n * (Math.BitIncrement(Math.Abs(v)) - Math.Abs(v));
        Assert.Multiple(() =>
        {
            for (int t = 0; t < xs.Length; t++)
            {
                // CUDA's sin/cos are within 2 ulp; large arguments take the Payne-Hanek path with its carry chains.
                Assert.That(got[2 * t], Is.EqualTo(Math.Sin(xs[t])).Within(Ulps(Math.Sin(xs[t]), 2)), $"sin {xs[t]}");
                Assert.That(got[2 * t + 1], Is.EqualTo(Math.Cos(xs[t])).Within(Ulps(Math.Cos(xs[t]), 2)), $"cos {xs[t]}");
            }
        });
    }
}
