// recurrent.cu - the elementwise part of one LSTM or GRU time step, forward and backward (IFusedRecurrentCell; called
// once per step by NN/Recurrent/RecurrentSequence.cs between the recurrent GEMMs). One thread per (row, hidden unit),
// grid-stride; every operand is a contiguous [B, k·H] matrix; gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n).
// Compiled once per floating dtype.
//   ct_lstm_cell_forward   act (in: input part of the pre-activations; out: i, f, g, o) += gh; c' = f·c + i·g; h' = o·tanh(c')
//   ct_lstm_cell_backward  dGates from dh = dL/dh' and dc = dL/dc' (replaced by dL/dc)
//   ct_gru_cell_forward    act = [r, z, n, W_hn h + b_hn]; h' = n + z·(h - n)
//   ct_gru_cell_backward   dGi, dGh (the n block through r), dhDirect = z·dh
#include "ct_common.cuh"

#if CT_IS_FLOAT
__device__ __forceinline__ T ct_sigmoid(T x) { return (T)1 / ((T)1 + exp(-x)); }

extern "C" __global__ void ct_lstm_cell_forward(T* act, const T* gh, const T* c_prev, T* h_out, T* c_out, long long rows, long long h)
{
    const long long n = rows * h;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x)
    {
        const long long r = e / h, j = e - r * h;
        T* a = act + r * 4 * h;
        const T* g4 = gh + r * 4 * h;
        const T i = ct_sigmoid(a[j] + g4[j]);
        const T f = ct_sigmoid(a[h + j] + g4[h + j]);
        const T g = tanh(a[2 * h + j] + g4[2 * h + j]);
        const T o = ct_sigmoid(a[3 * h + j] + g4[3 * h + j]);
        a[j] = i;
        a[h + j] = f;
        a[2 * h + j] = g;
        a[3 * h + j] = o;
        const T c = f * c_prev[e] + i * g;
        c_out[e] = c;
        h_out[e] = o * tanh(c);
    }
}

extern "C" __global__ void ct_lstm_cell_backward(T* d_gates, T* dc, const T* dh, const T* act, const T* c, const T* c_prev, long long rows, long long h)
{
    const long long n = rows * h;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x)
    {
        const long long r = e / h, j = e - r * h;
        const T* a = act + r * 4 * h;
        T* d = d_gates + r * 4 * h;
        const T i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j];
        const T tc = tanh(c[e]);
        const T dhe = dh[e];
        const T dce = dc[e] + dhe * o * ((T)1 - tc * tc);
        d[j] = dce * g * i * ((T)1 - i);
        d[h + j] = dce * c_prev[e] * f * ((T)1 - f);
        d[2 * h + j] = dce * i * ((T)1 - g * g);
        d[3 * h + j] = dhe * tc * o * ((T)1 - o);
        dc[e] = dce * f;
    }
}

extern "C" __global__ void ct_gru_cell_forward(T* act, const T* gi, const T* gh, const T* h_prev, T* h_out, long long rows, long long h)
{
    const long long n = rows * h;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x)
    {
        const long long r = e / h, j = e - r * h;
        T* a = act + r * 4 * h;
        const T* x3 = gi + r * 3 * h;
        const T* h3 = gh + r * 3 * h;
        const T rg = ct_sigmoid(x3[j] + h3[j]);
        const T z = ct_sigmoid(x3[h + j] + h3[h + j]);
        const T hn = h3[2 * h + j];
        const T nn = tanh(x3[2 * h + j] + rg * hn);
        a[j] = rg;
        a[h + j] = z;
        a[2 * h + j] = nn;
        a[3 * h + j] = hn;
        h_out[e] = nn + z * (h_prev[e] - nn);
    }
}

extern "C" __global__ void ct_gru_cell_backward(T* d_gi, T* d_gh, T* dh_direct, const T* dh, const T* act, const T* h_prev, long long rows, long long h)
{
    const long long n = rows * h;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x)
    {
        const long long r = e / h, j = e - r * h;
        const T* a = act + r * 4 * h;
        T* dx = d_gi + r * 3 * h;
        T* dr3 = d_gh + r * 3 * h;
        const T rg = a[j], z = a[h + j], nn = a[2 * h + j], hn = a[3 * h + j];
        const T dhe = dh[e];
        const T dn = dhe * ((T)1 - z) * ((T)1 - nn * nn);
        const T dz = dhe * (h_prev[e] - nn) * z * ((T)1 - z);
        const T dr = dn * hn * rg * ((T)1 - rg);
        dx[j] = dr;
        dx[h + j] = dz;
        dx[2 * h + j] = dn;
        dr3[j] = dr;
        dr3[h + j] = dz;
        dr3[2 * h + j] = dn * rg;
        dh_direct[e] = dhe * z;
    }
}
#endif
