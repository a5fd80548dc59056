using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The named device functions of Kernels/ops.cuh (<c>ct_op_Exp(x, p0, p1)</c>, <c>ct_op_Add(a, b)</c>, ...) are what a
/// kernel generator composes: a body written only with them compiles through NVRTC and matches the same ops composed
/// on the CPU.
/// </summary>
public class OpFunctionKernelTests : GpuFixture
{
    private const string Composed = """
        #include "ops.cuh"
        // out = exp2(tanh(a * b)) + softplus(a; beta 2, threshold 20) - max(a, b); mask = a > b
        extern "C" __global__ void composed(const double* a, const double* b, double* out, unsigned char* mask, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i >= n) return;
            double t = ct_op_Tanh(ct_op_Mul(a[i], b[i]), 0.0, 0.0);
            out[i] = ct_op_Sub(ct_op_Add(ct_op_Exp2(t, 0.0, 0.0), ct_op_Softplus(a[i], 2.0, 20.0)), ct_op_Maximum(a[i], b[i]));
            mask[i] = ct_op_Gt(a[i], b[i]);
        }
        """;

    [Test]
    public void ComposedBodyMatchesTheCpu()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        const int N = 300;
        using var scope = Tensor.NewScope();
        var gen = new Generator(7);
        var a = Tensor.Randn([N], DType.Float64, Cpu, generator: gen) * 3.0;
        var b = Tensor.Randn([N], DType.Float64, Cpu, generator: gen);
        var expected = (a * b).Tanh().Exp2() + a.Softplus(2, 20) - Tensor.Maximum(a, b);
        var expectedMask = a.Gt(b);

        using var kernel = new RawKernel(Composed, "composed", ["-DCT_T=double", "-DCT_IS_FLOAT=1", "-DCT_IS_BOOL=0", "-DCT_IS_INT64=0"]);
        var da = a.To(Gpu);
        var db = b.To(Gpu);
        var dout = Tensor.Zeros([N], DType.Float64, Gpu);
        var dmask = Tensor.Zeros([N], DType.Bool, Gpu);
        kernel.Launch((N + 127) / 128, 128, 0, da, db, dout, dmask, N);

        double[] want = expected.ToArray<double>(), got = dout.ToArray<double>(), av = a.ToArray<double>();
        // A few ulp of each function, on values up to ~10.
        for (int i = 0; i < N; i++) Assert.That(got[i], Is.EqualTo(want[i]).Within(1e-13 + 1e-13 * Math.Abs(want[i])), $"out[{i}], a = {av[i]}");
        Assert.That(dmask.ToArray<bool>(), Is.EqualTo(expectedMask.ToArray<bool>()), "mask");
    }
}
