// random.cu - fill a contiguous buffer with CudaTensor's Philox random numbers.
// Element i of each kernel equals element i of the matching RandomFill call on the CPU
// (Managed/Random/RandomFill.cs): uniforms bit for bit, normals to a few ulp (see philox.cuh).
// One thread per element, grid-stride loop, 64-bit indices.
#include "philox.cuh"

#define CT_GRID_STRIDE_LOOP(i, n)                                                                  \
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (unsigned long long)gridDim.x * blockDim.x)

// RandomFill.Uniform<float>(out[0..n), seed, start_block, low, high).
extern "C" __global__ void ct_uniform_f32(float* __restrict__ out, unsigned long long n, unsigned long long seed,
                                          unsigned long long start_block, float low, float high)
{
    ct_uniform_f32_params p = ct_uniform_f32_setup(low, high);
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_uniform_f32(seed, start_block, i, p);
    }
}

// RandomFill.Uniform<double>(out[0..n), seed, start_block, low, high).
extern "C" __global__ void ct_uniform_f64(double* __restrict__ out, unsigned long long n, unsigned long long seed,
                                          unsigned long long start_block, double low, double high)
{
    ct_uniform_f64_params p = ct_uniform_f64_setup(low, high);
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_uniform_f64(seed, start_block, i, p);
    }
}

// RandomFill.Normal<float>(out[0..n), seed, start_block, mean, std).
extern "C" __global__ void ct_normal_f32(float* __restrict__ out, unsigned long long n, unsigned long long seed,
                                         unsigned long long start_block, float mean, float std)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_normal_f32(seed, start_block, i, mean, std);
    }
}

// RandomFill.Normal<double>(out[0..n), seed, start_block, mean, std).
extern "C" __global__ void ct_normal_f64(double* __restrict__ out, unsigned long long n, unsigned long long seed,
                                         unsigned long long start_block, double mean, double std)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_normal_f64(seed, start_block, i, mean, std);
    }
}

// RandomFill.Integers<int>(out[0..n), seed, start_block, low, high): range = high - low in 64-bit two's complement.
extern "C" __global__ void ct_integers_i32(int* __restrict__ out, unsigned long long n, unsigned long long seed,
                                           unsigned long long start_block, long long low, unsigned long long range)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = (int)ct_integer(seed, start_block, i, low, range);
    }
}

// RandomFill.Integers<long>(out[0..n), seed, start_block, low, high).
extern "C" __global__ void ct_integers_i64(long long* __restrict__ out, unsigned long long n, unsigned long long seed,
                                           unsigned long long start_block, long long low, unsigned long long range)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_integer(seed, start_block, i, low, range);
    }
}

// RandomFill.Bernoulli<float>(out[0..n), seed, start_block, p) with threshold = RandomFill.BernoulliThreshold(p).
extern "C" __global__ void ct_bernoulli_f32(float* __restrict__ out, unsigned long long n, unsigned long long seed,
                                            unsigned long long start_block, unsigned int threshold)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_bernoulli(seed, start_block, i, threshold) ? 1.0f : 0.0f;
    }
}

// RandomFill.Bernoulli<double>(out[0..n), seed, start_block, p).
extern "C" __global__ void ct_bernoulli_f64(double* __restrict__ out, unsigned long long n, unsigned long long seed,
                                            unsigned long long start_block, unsigned int threshold)
{
    CT_GRID_STRIDE_LOOP(i, n)
    {
        out[i] = ct_bernoulli(seed, start_block, i, threshold) ? 1.0 : 0.0;
    }
}
