using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// erf in float64 lanes by the rational approximations of FreeBSD msun's s_erf.c (Sun Microsystems, 1993; "freely
/// granted, provided that this notice is preserved": Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
/// Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software
/// is freely granted, provided that this notice is preserved.) The coefficients below are that file's, digit for digit;
/// each approximation's own error is below 2^-57, and erf comes out within an ulp.
/// <list type="bullet">
/// <item>|x| &lt; 0.84375: erf = x + x·P(x²)/Q(x²) (P degree 4, Q degree 5); below 2^-28, 2/√π·x as the scalar form.</item>
/// <item>0.84375 ≤ |x| &lt; 1.25: erf = ±(c + P(s)/Q(s)), s = |x| - 1, c = erf(1) rounded to float (degrees 6, 6).</item>
/// <item>1.25 ≤ |x| &lt; 6: erf = ±(1 - e^(-z²-0.5625)·e^((z-|x|)(z+|x|) + R(s)/S(s)) / |x|), s = 1/x², z = |x| with its
/// low 32 bits cleared (so z² is exact); R/S of degrees 7/8 below 1/0.35, 6/7 above.</item>
/// <item>|x| ≥ 6: ±1 (erfc(6) &lt; 2.2e-17 is below half an ulp of 1); NaN stays NaN.</item>
/// </list>
/// The scalar <see cref="SpecialFunctions.Erf"/> sums series for tens of steps; here each region is one rational
/// function, the first two sharing one Horner chain with per-lane coefficients, as do the two halves of the third.
/// A region no lane of a vector falls in is skipped; each lane still takes its own region's formula.
/// </summary>
internal readonly struct ErfLanes : ILaneFunction<double>
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double Erx = 8.45062911510467529297e-01;

    // |x| < 0.84375
    private const double Pp0 = 1.28379167095512558561e-01, Pp1 = -3.25042107247001499370e-01, Pp2 = -2.84817495755985104766e-02,
        Pp3 = -5.77027029648944159157e-03, Pp4 = -2.37630166566501626084e-05;
    private const double Qq1 = 3.97917223959155352819e-01, Qq2 = 6.50222499887672944485e-02, Qq3 = 5.08130628187576562776e-03,
        Qq4 = 1.32494738004321644526e-04, Qq5 = -3.96022827877536812320e-06;

    // 0.84375 <= |x| < 1.25
    private const double Pa0 = -2.36211856075265944077e-03, Pa1 = 4.14856118683748331666e-01, Pa2 = -3.72207876035701323847e-01,
        Pa3 = 3.18346619901161753674e-01, Pa4 = -1.10894694282396677476e-01, Pa5 = 3.54783043256182359371e-02,
        Pa6 = -2.16637559486879084300e-03;
    private const double Qa1 = 1.06420880400844228286e-01, Qa2 = 5.40397917702171048937e-01, Qa3 = 7.18286544141962662868e-02,
        Qa4 = 1.26171219808761642112e-01, Qa5 = 1.36370839120290507362e-02, Qa6 = 1.19844998467991074170e-02;

    // 1.25 <= |x| < 1/0.35
    private const double Ra0 = -9.86494403484714822705e-03, Ra1 = -6.93858572707181764372e-01, Ra2 = -1.05586262253232909814e+01,
        Ra3 = -6.23753324503260060396e+01, Ra4 = -1.62396669462573470355e+02, Ra5 = -1.84605092906711035994e+02,
        Ra6 = -8.12874355063065934246e+01, Ra7 = -9.81432934416914548592e+00;
    private const double Sa1 = 1.96512716674392571292e+01, Sa2 = 1.37657754143519042600e+02, Sa3 = 4.34565877475229228821e+02,
        Sa4 = 6.45387271733267880336e+02, Sa5 = 4.29008140027567833386e+02, Sa6 = 1.08635005541779435134e+02,
        Sa7 = 6.57024977031928170135e+00, Sa8 = -6.04244152148580987438e-02;

    // 1/0.35 <= |x| < 6
    private const double Rb0 = -9.86494292470009928597e-03, Rb1 = -7.99283237680523006574e-01, Rb2 = -1.77579549177547519889e+01,
        Rb3 = -1.60636384855821916062e+02, Rb4 = -6.37566443368389627722e+02, Rb5 = -1.02509513161107724954e+03,
        Rb6 = -4.83519191608651397019e+02;
    private const double Sb1 = 3.03380607434824582924e+01, Sb2 = 3.25792512996573918826e+02, Sb3 = 1.53672958608443695994e+03,
        Sb4 = 3.19985821950859553908e+03, Sb5 = 2.55305040643316442583e+03, Sb6 = 4.74528541206955367215e+02,
        Sb7 = -2.24409524465858183362e+01;

    // The region bounds are s_erf.c's comparisons of the high word: 0x3feb0000 = 0.84375, 0x3ff40000 = 1.25,
    // 0x4006DB6E = 1/0.35 rounded up to a high word, 0x40180000 = 6, 0x3e300000 = 2^-28.
    private static readonly double OneOverPoint35 = BitConverter.Int64BitsToDouble(0x4006DB6E00000000);
    private const double Tiny = 3.7252902984619140625e-09; // 2^-28

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Pick(Vector512<double> mask, double a, double b) => Vector512.ConditionalSelect(mask, Vector512.Create(a), Vector512.Create(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Fma(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> p0, Vector512<double> p1)
    {
        var one = Vector512<double>.One;
        var ax = Vector512.Abs(x);
        var sign = x & Vector512.Create(-0.0);
        var inA = Vector512.LessThan(ax, Vector512.Create(0.84375));
        var inB = Vector512.LessThan(ax, Vector512.Create(1.25));
        var inC = Vector512.LessThan(ax, Vector512.Create(6.0)) & ~inB;
        // ±1 beyond 6 (and for NaN, restored at the end).
        var y = one | sign;

        if (inB != Vector512<double>.Zero)
        {
            // One chain for both near regions: degree-6 numerator and denominator, zero-padded for the first.
            var w = Vector512.ConditionalSelect(inA, x * x, ax - one);
            var p = Pick(inA, 0, Pa6);
            p = Fma(p, w, Pick(inA, 0, Pa5));
            p = Fma(p, w, Pick(inA, Pp4, Pa4));
            p = Fma(p, w, Pick(inA, Pp3, Pa3));
            p = Fma(p, w, Pick(inA, Pp2, Pa2));
            p = Fma(p, w, Pick(inA, Pp1, Pa1));
            p = Fma(p, w, Pick(inA, Pp0, Pa0));
            var q = Pick(inA, 0, Qa6);
            q = Fma(q, w, Pick(inA, Qq5, Qa5));
            q = Fma(q, w, Pick(inA, Qq4, Qa4));
            q = Fma(q, w, Pick(inA, Qq3, Qa3));
            q = Fma(q, w, Pick(inA, Qq2, Qa2));
            q = Fma(q, w, Pick(inA, Qq1, Qa1));
            q = Fma(q, w, one);
            var ratio = p / q;
            var nearZero = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(Tiny)),
                Vector512.Create(TwoOverSqrtPi) * x, Fma(x, ratio, x));
            var nearOne = (Vector512.Create(Erx) + ratio) | sign;
            y = Vector512.ConditionalSelect(inA, nearZero, Vector512.ConditionalSelect(inB, nearOne, y));
        }

        if (inC != Vector512<double>.Zero)
        {
            // Other lanes take |x| = 2 here, so that no infinite or huge argument reaches Vector512.Exp (see DoubleExp).
            ax = Vector512.ConditionalSelect(inC, ax, Vector512.Create(2.0));
            var inRa = Vector512.LessThan(ax, Vector512.Create(OneOverPoint35));
            var s = one / (ax * ax);
            var r = Pick(inRa, Ra7, 0);
            r = Fma(r, s, Pick(inRa, Ra6, Rb6));
            r = Fma(r, s, Pick(inRa, Ra5, Rb5));
            r = Fma(r, s, Pick(inRa, Ra4, Rb4));
            r = Fma(r, s, Pick(inRa, Ra3, Rb3));
            r = Fma(r, s, Pick(inRa, Ra2, Rb2));
            r = Fma(r, s, Pick(inRa, Ra1, Rb1));
            r = Fma(r, s, Pick(inRa, Ra0, Rb0));
            var d = Pick(inRa, Sa8, 0);
            d = Fma(d, s, Pick(inRa, Sa7, Sb7));
            d = Fma(d, s, Pick(inRa, Sa6, Sb6));
            d = Fma(d, s, Pick(inRa, Sa5, Sb5));
            d = Fma(d, s, Pick(inRa, Sa4, Sb4));
            d = Fma(d, s, Pick(inRa, Sa3, Sb3));
            d = Fma(d, s, Pick(inRa, Sa2, Sb2));
            d = Fma(d, s, Pick(inRa, Sa1, Sb1));
            d = Fma(d, s, one);
            var z = (ax.AsUInt64() & Vector512.Create(0xFFFFFFFF00000000UL)).AsDouble();
            var e = Vector512.Exp(Fma(-z, z, Vector512.Create(-0.5625))) * Vector512.Exp(Fma(z - ax, z + ax, r / d));
            var tail = (one - e / ax) | sign;
            y = Vector512.ConditionalSelect(inC, tail, y);
        }
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }
}
