// matmul_int.cu - batched integer matrix product c[b] = a[b] @ b[b] with arbitrary strides, one thread per output,
// exact (wrapping) integer arithmetic like the CPU's triple loop. cuBLAS has no 64-bit integer GEMM; integer matmuls
// are rare and small. Compiled for Int32 and Int64.
#include "ct_common.cuh"

struct ct_matmul_dims
{
    long long batch, m, n, k;
    long long sab, sam, sak; // a: batch, row, column strides
    long long sbb, sbk, sbn; // b
    long long scb, scm, scn; // c
};

extern "C" __global__ void ct_matmul_int(T* c, const T* a, const T* b, ct_matmul_dims d)
{
    unsigned long long total = (unsigned long long)(d.batch * d.m * d.n);
    CT_LOOP64(i, total)
    {
        long long j = (long long)(i % d.n), rest = (long long)(i / d.n);
        long long r = rest % d.m, bi = rest / d.m;
        const T* pa = a + bi * d.sab + r * d.sam;
        const T* pb = b + bi * d.sbb + j * d.sbn;
        T acc = 0;
        for (long long p = 0; p < d.k; ++p) acc = (T)(acc + pa[p * d.sak] * pb[p * d.sbk]);
        c[bi * d.scb + r * d.scm + j * d.scn] = acc;
    }
}
