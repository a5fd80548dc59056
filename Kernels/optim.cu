// optim.cu - fused optimizer updates: one pass over a parameter, its gradient and its state (contiguous, same length),
// in place. The formulas and their order of operations are those of AdamStepArgs.cs, SgdStepArgs.cs and
// RmspropStepArgs.cs, i.e. of the composed elementwise ops: every product, sum, quotient and square root is rounded
// on its own (the _rn intrinsics keep NVRTC from contracting a*b+c into an FMA), so results match the CPU backend bit
// for bit. Host scalars arrive as double and are rounded to the element type once. Floating dtypes only.
#include "ct_common.cuh"

#if CT_IS_FLOAT
__device__ __forceinline__ float ct_add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double ct_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float ct_sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double ct_sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float ct_mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double ct_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float ct_div(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double ct_div(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float ct_sqrt(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double ct_sqrt(double a) { return __dsqrt_rn(a); }

// Flags of ct_adam_step (AdamStep in CudaBackend.Optim.cs sets them).
#define CT_ADAM_MAXIMIZE 1
#define CT_ADAM_DECOUPLED 2  // p = p * decay first (AdamW)
#define CT_ADAM_COUPLED 4    // g = g + p * wd (Adam's L2 term)
#define CT_ADAM_FROM_END 8   // lerp weight >= 0.5: m = g - (g - m) * (1 - weight)
#define CT_ADAM_AMSGRAD 16   // vmax = max(vmax, v); the denominator uses vmax

__device__ __forceinline__ void ct_adam_body(T* p, const T* g, T* m, T* v, T* vmax, unsigned long long n,
                                             T decay, T wd, T lerp, T beta2, T one_minus_beta2, T bc2, T eps, T neg_step, int flags)
{
    CT_LOOP64(i, n)
    {
        T pv = p[i], gv = g[i], mv = m[i], vv = v[i];
        if (flags & CT_ADAM_MAXIMIZE) gv = -gv;
        if (flags & CT_ADAM_DECOUPLED) pv = ct_mul(pv, decay);
        if (flags & CT_ADAM_COUPLED) gv = ct_add(gv, ct_mul(pv, wd));
        T diff = ct_sub(gv, mv);
        mv = (flags & CT_ADAM_FROM_END) ? ct_sub(gv, ct_mul(diff, lerp)) : ct_add(mv, ct_mul(diff, lerp));
        vv = ct_mul(vv, beta2);
        vv = ct_add(vv, ct_mul(ct_mul(gv, gv), one_minus_beta2));
        T second = vv;
        if (flags & CT_ADAM_AMSGRAD)
        {
            second = ct_maximum(vmax[i], vv);
            vmax[i] = second;
        }
        T denom = ct_add(ct_div(ct_sqrt(second), bc2), eps);
        p[i] = ct_add(pv, ct_mul(ct_div(mv, denom), neg_step));
        m[i] = mv;
        v[i] = vv;
    }
}

extern "C" __global__ void ct_adam_step(T* p, const T* g, T* m, T* v, T* vmax, unsigned long long n,
                                        double decay_d, double wd_d, double lerp_d, double beta2_d, double one_minus_beta2_d,
                                        double bc2_d, double eps_d, double neg_step_d, int flags)
{
    ct_adam_body(p, g, m, v, vmax, n, (T)decay_d, (T)wd_d, (T)lerp_d, (T)beta2_d, (T)one_minus_beta2_d, (T)bc2_d, (T)eps_d, (T)neg_step_d, flags);
}

// Capturable Adam (torch.optim.Adam(capturable=True)): the step count t is a float32 on the device (already
// incremented), so a CUDA graph replays real steps. The bias corrections are computed from it in double, with the
// formulas of AdamStepArgs (-lr / (1 - beta1^t) and sqrt(1 - beta2^t)), then rounded to T once, as the host does.
extern "C" __global__ void ct_adam_step_dev(T* p, const T* g, T* m, T* v, T* vmax, unsigned long long n,
                                            double decay_d, double wd_d, double lerp_d, double beta2_d, double one_minus_beta2_d,
                                            double beta1_d, double lr_d, double eps_d, const float* step, int flags)
{
    const double t = (double)*step;
    const double neg_step = -(lr_d / (1.0 - pow(beta1_d, t)));
    const double bc2 = sqrt(1.0 - pow(beta2_d, t));
    ct_adam_body(p, g, m, v, vmax, n, (T)decay_d, (T)wd_d, (T)lerp_d, (T)beta2_d, (T)one_minus_beta2_d, (T)bc2, (T)eps_d, (T)neg_step, flags);
}

// Flags of ct_sgd_step.
#define CT_SGD_MAXIMIZE 1
#define CT_SGD_DECAY 2       // g = g + p * wd
#define CT_SGD_MOMENTUM 4    // b is read (unless FIRST) and written
#define CT_SGD_FIRST 8       // the buffer starts as a copy of g (no dampening), as torch.optim.SGD clones it
#define CT_SGD_NESTEROV 16   // g = g + b * momentum, else g = b

extern "C" __global__ void ct_sgd_step(T* p, const T* g, T* b, unsigned long long n,
                                       double wd_d, double momentum_d, double grad_weight_d, double neg_lr_d, int flags)
{
    const T wd = (T)wd_d, momentum = (T)momentum_d, grad_weight = (T)grad_weight_d, neg_lr = (T)neg_lr_d;
    CT_LOOP64(i, n)
    {
        T pv = p[i], gv = g[i];
        if (flags & CT_SGD_MAXIMIZE) gv = -gv;
        if (flags & CT_SGD_DECAY) gv = ct_add(gv, ct_mul(pv, wd));
        if (flags & CT_SGD_MOMENTUM)
        {
            T bv = (flags & CT_SGD_FIRST) ? gv : ct_add(ct_mul(b[i], momentum), ct_mul(gv, grad_weight));
            b[i] = bv;
            gv = (flags & CT_SGD_NESTEROV) ? ct_add(gv, ct_mul(bv, momentum)) : bv;
        }
        p[i] = ct_add(pv, ct_mul(gv, neg_lr));
    }
}

// Flags of ct_rmsprop_step.
#define CT_RMSPROP_MAXIMIZE 1
#define CT_RMSPROP_DECAY 2     // g = g + p * wd
#define CT_RMSPROP_CENTERED 4  // ga = lerp(ga, g, 1 - alpha); the denominator is sqrt(v - ga * ga) + eps
#define CT_RMSPROP_FROM_END 8  // lerp weight >= 0.5: ga = g - (g - ga) * (1 - weight)
#define CT_RMSPROP_MOMENTUM 16 // b = b * momentum + g / avg; p = p + b * (-lr)

extern "C" __global__ void ct_rmsprop_step(T* p, const T* g, T* v, T* ga, T* b, unsigned long long n,
                                           double wd_d, double alpha_d, double one_minus_alpha_d, double lerp_d, double eps_d,
                                           double momentum_d, double neg_lr_d, int flags)
{
    const T wd = (T)wd_d, alpha = (T)alpha_d, one_minus_alpha = (T)one_minus_alpha_d, lerp = (T)lerp_d, eps = (T)eps_d;
    const T momentum = (T)momentum_d, neg_lr = (T)neg_lr_d;
    CT_LOOP64(i, n)
    {
        T pv = p[i], gv = g[i], vv = v[i];
        if (flags & CT_RMSPROP_MAXIMIZE) gv = -gv;
        if (flags & CT_RMSPROP_DECAY) gv = ct_add(gv, ct_mul(pv, wd));
        vv = ct_mul(vv, alpha);
        vv = ct_add(vv, ct_mul(ct_mul(gv, gv), one_minus_alpha));
        v[i] = vv;
        T second = vv;
        if (flags & CT_RMSPROP_CENTERED)
        {
            T gav = ga[i];
            T diff = ct_sub(gv, gav);
            gav = (flags & CT_RMSPROP_FROM_END) ? ct_sub(gv, ct_mul(diff, lerp)) : ct_add(gav, ct_mul(diff, lerp));
            ga[i] = gav;
            second = ct_sub(vv, ct_mul(gav, gav));
        }
        T avg = ct_add(ct_sqrt(second), eps);
        T step = ct_div(gv, avg);
        if (flags & CT_RMSPROP_MOMENTUM)
        {
            step = ct_add(ct_mul(b[i], momentum), step);
            b[i] = step;
        }
        p[i] = ct_add(pv, ct_mul(step, neg_lr));
    }
}
#endif
