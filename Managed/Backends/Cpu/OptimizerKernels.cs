using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.Backends.Cpu;

// The fused optimizer updates of the CPU backend, generic over float and double: one formula per optimizer, written
// once over Vector<T> (the hardware's vector width) and applied to whole vectors; the last partial vector goes
// through the same formula in stack buffers, so an element's result does not depend on where it lies. No fused
// multiply-adds: each product and sum rounds separately, exactly as the composed elementwise ops do, so the fused and
// composed paths agree bit for bit.

/// <summary>Adam/AdamW over contiguous operands (see <see cref="AdamStepArgs"/>); <c>vmax</c> is null without AMSGrad.</summary>
internal readonly unsafe struct AdamKernel<T>(T* p, T* g, T* m, T* v, T* vmax, AdamStepArgs args) : IRangeKernel
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(long start, long end)
    {
        // Host scalars rounded to the element type once, as the composed ops round their scalar operands.
        var decay = new Vector<T>(T.CreateChecked(args.DecayFactor));
        var wd = new Vector<T>(T.CreateChecked(args.WeightDecay));
        var lerp = new Vector<T>(T.CreateChecked(args.LerpFactor));
        var beta2 = new Vector<T>(T.CreateChecked(args.Beta2));
        var oneMinusBeta2 = new Vector<T>(T.CreateChecked(args.OneMinusBeta2));
        var bc2 = new Vector<T>(T.CreateChecked(args.BiasCorrection2Sqrt));
        var eps = new Vector<T>(T.CreateChecked(args.Eps));
        var negStep = new Vector<T>(T.CreateChecked(args.NegStepSize));
        bool maximize = args.Maximize, decoupled = args.HasWeightDecay && args.Decoupled, coupled = args.HasWeightDecay && !args.Decoupled;
        bool fromEnd = args.LerpFromEnd, ams = vmax != null;
        int w = Vector<T>.Count;
        long i = start;
        for (; i + w <= end; i += w)
        {
            Block(p + i, g + i, m + i, v + i, ams ? vmax + i : null, decay, wd, lerp, beta2, oneMinusBeta2, bc2, eps, negStep, maximize, decoupled, coupled, fromEnd);
        }
        int rest = (int)(end - i);
        if (rest == 0) return;
        T* buffers = stackalloc T[5 * w];
        T* bp = buffers, bg = buffers + w, bm = buffers + 2 * w, bv = buffers + 3 * w, bx = buffers + 4 * w;
        Copy(p + i, bp, rest);
        Copy(g + i, bg, rest);
        Copy(m + i, bm, rest);
        Copy(v + i, bv, rest);
        if (ams) Copy(vmax + i, bx, rest);
        Block(bp, bg, bm, bv, ams ? bx : null, decay, wd, lerp, beta2, oneMinusBeta2, bc2, eps, negStep, maximize, decoupled, coupled, fromEnd);
        Copy(bp, p + i, rest);
        Copy(bm, m + i, rest);
        Copy(bv, v + i, rest);
        if (ams) Copy(bx, vmax + i, rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(T* p, T* g, T* m, T* v, T* vmax, Vector<T> decay, Vector<T> wd, Vector<T> lerp, Vector<T> beta2,
        Vector<T> oneMinusBeta2, Vector<T> bc2, Vector<T> eps, Vector<T> negStep, bool maximize, bool decoupled, bool coupled, bool fromEnd)
    {
        var pv = Vector.Load(p);
        var gv = Vector.Load(g);
        var mv = Vector.Load(m);
        var vv = Vector.Load(v);
        if (maximize) gv = -gv;
        if (decoupled) pv *= decay;
        if (coupled) gv += pv * wd;
        var diff = gv - mv;
        mv = fromEnd ? gv - diff * lerp : mv + diff * lerp;
        vv *= beta2;
        vv += gv * gv * oneMinusBeta2;
        var second = vv;
        if (vmax != null)
        {
            second = Vector.Max(Vector.Load(vmax), vv);
            second.Store(vmax);
        }
        var denom = Vector.SquareRoot(second) / bc2 + eps;
        pv += mv / denom * negStep;
        pv.Store(p);
        mv.Store(m);
        vv.Store(v);
    }

    private static void Copy(T* from, T* to, int count) => new ReadOnlySpan<T>(from, count).CopyTo(new Span<T>(to, count));
}

/// <summary>SGD over contiguous operands (see <see cref="SgdStepArgs"/>); <c>b</c> is null without momentum.</summary>
internal readonly unsafe struct SgdKernel<T>(T* p, T* g, T* b, SgdStepArgs args) : IRangeKernel
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(long start, long end)
    {
        var wd = new Vector<T>(T.CreateChecked(args.WeightDecay));
        var momentum = new Vector<T>(T.CreateChecked(args.Momentum));
        var gradWeight = new Vector<T>(T.CreateChecked(args.GradWeight));
        var negLr = new Vector<T>(T.CreateChecked(-args.Lr));
        bool maximize = args.Maximize, decay = args.WeightDecay != 0, nesterov = args.Nesterov, first = args.FirstStep, hasBuffer = b != null;
        int w = Vector<T>.Count;
        long i = start;
        for (; i + w <= end; i += w)
        {
            Block(p + i, g + i, hasBuffer ? b + i : null, wd, momentum, gradWeight, negLr, maximize, decay, nesterov, first);
        }
        int rest = (int)(end - i);
        if (rest == 0) return;
        T* buffers = stackalloc T[3 * w];
        T* bp = buffers, bg = buffers + w, bb = buffers + 2 * w;
        Copy(p + i, bp, rest);
        Copy(g + i, bg, rest);
        if (hasBuffer) Copy(b + i, bb, rest);
        Block(bp, bg, hasBuffer ? bb : null, wd, momentum, gradWeight, negLr, maximize, decay, nesterov, first);
        Copy(bp, p + i, rest);
        if (hasBuffer) Copy(bb, b + i, rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(T* p, T* g, T* b, Vector<T> wd, Vector<T> momentum, Vector<T> gradWeight, Vector<T> negLr,
        bool maximize, bool decay, bool nesterov, bool first)
    {
        var pv = Vector.Load(p);
        var gv = Vector.Load(g);
        if (maximize) gv = -gv;
        if (decay) gv += pv * wd;
        if (b != null)
        {
            // The first step copies the gradient into the buffer (no dampening), as torch.optim.SGD clones it.
            var bv = first ? gv : Vector.Load(b) * momentum + gv * gradWeight;
            bv.Store(b);
            gv = nesterov ? gv + bv * momentum : bv;
        }
        pv += gv * negLr;
        pv.Store(p);
    }

    private static void Copy(T* from, T* to, int count) => new ReadOnlySpan<T>(from, count).CopyTo(new Span<T>(to, count));
}

/// <summary>
/// RMSprop over contiguous operands (see <see cref="RmspropStepArgs"/>); <c>ga</c> (grad_avg) is null unless centered,
/// <c>b</c> null without momentum.
/// </summary>
internal readonly unsafe struct RmspropKernel<T>(T* p, T* g, T* v, T* ga, T* b, RmspropStepArgs args) : IRangeKernel
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(long start, long end)
    {
        var wd = new Vector<T>(T.CreateChecked(args.WeightDecay));
        var alpha = new Vector<T>(T.CreateChecked(args.Alpha));
        var oneMinusAlpha = new Vector<T>(T.CreateChecked(args.OneMinusAlpha));
        var lerp = new Vector<T>(T.CreateChecked(args.LerpFactor));
        var eps = new Vector<T>(T.CreateChecked(args.Eps));
        var momentum = new Vector<T>(T.CreateChecked(args.Momentum));
        var negLr = new Vector<T>(T.CreateChecked(-args.Lr));
        bool maximize = args.Maximize, decay = args.HasWeightDecay, fromEnd = args.LerpFromEnd, centered = ga != null, hasBuffer = b != null;
        int w = Vector<T>.Count;
        long i = start;
        for (; i + w <= end; i += w)
        {
            Block(p + i, g + i, v + i, centered ? ga + i : null, hasBuffer ? b + i : null, wd, alpha, oneMinusAlpha, lerp, eps, momentum, negLr,
                maximize, decay, fromEnd);
        }
        int rest = (int)(end - i);
        if (rest == 0) return;
        T* buffers = stackalloc T[5 * w];
        T* bp = buffers, bg = buffers + w, bv = buffers + 2 * w, bga = buffers + 3 * w, bb = buffers + 4 * w;
        Copy(p + i, bp, rest);
        Copy(g + i, bg, rest);
        Copy(v + i, bv, rest);
        if (centered) Copy(ga + i, bga, rest);
        if (hasBuffer) Copy(b + i, bb, rest);
        Block(bp, bg, bv, centered ? bga : null, hasBuffer ? bb : null, wd, alpha, oneMinusAlpha, lerp, eps, momentum, negLr, maximize, decay, fromEnd);
        Copy(bp, p + i, rest);
        Copy(bv, v + i, rest);
        if (centered) Copy(bga, ga + i, rest);
        if (hasBuffer) Copy(bb, b + i, rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(T* p, T* g, T* v, T* ga, T* b, Vector<T> wd, Vector<T> alpha, Vector<T> oneMinusAlpha, Vector<T> lerp,
        Vector<T> eps, Vector<T> momentum, Vector<T> negLr, bool maximize, bool decay, bool fromEnd)
    {
        var pv = Vector.Load(p);
        var gv = Vector.Load(g);
        var vv = Vector.Load(v);
        if (maximize) gv = -gv;
        if (decay) gv += pv * wd;
        vv *= alpha;
        vv += gv * gv * oneMinusAlpha;
        vv.Store(v);
        Vector<T> avg;
        if (ga != null)
        {
            var gav = Vector.Load(ga);
            var diff = gv - gav;
            gav = fromEnd ? gv - diff * lerp : gav + diff * lerp;
            gav.Store(ga);
            // The composed path adds -(ḡ·ḡ); a - b is that sum exactly.
            avg = Vector.SquareRoot(vv - gav * gav) + eps;
        }
        else
        {
            avg = Vector.SquareRoot(vv) + eps;
        }
        if (b != null)
        {
            var bv = Vector.Load(b) * momentum + gv / avg;
            bv.Store(b);
            pv += bv * negLr;
        }
        else
        {
            pv += gv / avg * negLr;
        }
        pv.Store(p);
    }

    private static void Copy(T* from, T* to, int count) => new ReadOnlySpan<T>(from, count).CopyTo(new Span<T>(to, count));
}
