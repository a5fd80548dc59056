using CudaTensor.Backends;
using CudaTensor.Optim;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The fused optimizer primitives (<see cref="IFusedOptimizerSteps.AdamStep"/>, <see cref="IFusedOptimizerSteps.SgdStep"/>,
/// <see cref="IFusedOptimizerSteps.RmspropStep"/>) on CUDA against the CPU backend, over several steps from the same random state,
/// for every flag of the kernels and sizes that end in a partial block. Skipped with the reason on machines without a usable GPU.
/// </summary>
[TestFixture]
[Category("Gpu")]
[NonParallelizable]
public class FusedOptimCudaTests
{
    [OneTimeSetUp]
    public void OneTimeSetUp() => NativeRequirement.Gpu();

    private static double Rtol(DType dtype) => dtype == DType.Float32 ? 1e-6 : 1e-12;

    /// <summary>The same tensors on the CPU and on the GPU: parameter first, then the state tensors.</summary>
    private sealed class Twins : IDisposable
    {
        public List<Tensor> Cpu { get; } = [];
        public List<Tensor> Gpu { get; } = [];

        public Twins(int count, long n, DType dtype, Generator gen, bool positive)
        {
            for (int i = 0; i < count; i++)
            {
                var t = Tensor.Randn([n], dtype, generator: gen);
                if (positive) t.AbsInPlace();
                Cpu.Add(t);
                Gpu.Add(t.To(Device.Cuda()));
            }
        }

        public void Dispose()
        {
            foreach (var t in Cpu.Concat(Gpu)) t.Dispose();
        }
    }

    private static void AssertSame(Tensor cpu, Tensor gpu, DType dtype, string what)
    {
        double[] c, g;
        using (var c64 = cpu.To(DType.Float64)) c = c64.ToArray<double>();
        using (var g64 = gpu.To(DType.Float64)) g = g64.ToArray<double>();
        double rtol = Rtol(dtype), atol = dtype == DType.Float32 ? 1e-9 : 1e-15;
        for (int i = 0; i < c.Length; i++)
        {
            if (c[i] == g[i] || (double.IsNaN(c[i]) && double.IsNaN(g[i]))) continue;
            Assert.That(Math.Abs(c[i] - g[i]), Is.LessThanOrEqualTo(atol + rtol * Math.Abs(c[i])), $"{what}: element {i}: CPU {c[i]:R}, CUDA {g[i]:R}");
        }
    }

    public static IEnumerable<TestCaseData> AdamCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (bool decoupled in new[] { false, true })
        foreach (bool amsgrad in new[] { false, true })
        foreach (bool maximize in new[] { false, true })
        foreach (double beta1 in new[] { 0.9, 0.2 })
        {
            yield return new TestCaseData(dtype, decoupled, amsgrad, maximize, beta1);
        }
    }

    [TestCaseSource(nameof(AdamCases))]
    public void AdamStepMatchesCpu(DType dtype, bool decoupled, bool amsgrad, bool maximize, double beta1)
    {
        foreach (long n in new long[] { 1, 1000, 70_001 })
        {
            var gen = new Generator(7);
            using var p = new Twins(1, n, dtype, gen, positive: false);
            using var state = new Twins(3, n, dtype, gen, positive: true); // exp_avg_sq and its max are never negative
            for (int step = 1; step <= 4; step++)
            {
                using var grad = new Twins(1, n, dtype, gen, positive: false);
                var args = new AdamStepArgs(0.01, beta1, 0.95, 1e-6, 0.1, decoupled, amsgrad, maximize, step);
                FusedStep.Adam(p.Cpu[0], grad.Cpu[0], state.Cpu[0], state.Cpu[1], amsgrad ? state.Cpu[2] : null, args);
                FusedStep.Adam(p.Gpu[0], grad.Gpu[0], state.Gpu[0], state.Gpu[1], amsgrad ? state.Gpu[2] : null, args);
            }
            AssertSame(p.Cpu[0], p.Gpu[0], dtype, $"param (n = {n})");
            string[] names = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
            for (int i = 0; i < 3; i++) AssertSame(state.Cpu[i], state.Gpu[i], dtype, $"{names[i]} (n = {n})");
        }
    }

    public static IEnumerable<TestCaseData> SgdCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (double momentum in new[] { 0.0, 0.9 })
        foreach (bool nesterov in new[] { false, true })
        foreach (double weightDecay in new[] { 0.0, 0.05 })
        foreach (bool maximize in new[] { false, true })
        {
            if (nesterov && momentum == 0) continue;
            yield return new TestCaseData(dtype, momentum, nesterov ? 0.0 : 0.25, nesterov, weightDecay, maximize);
        }
    }

    [TestCaseSource(nameof(SgdCases))]
    public void SgdStepMatchesCpu(DType dtype, double momentum, double dampening, bool nesterov, double weightDecay, bool maximize)
    {
        foreach (long n in new long[] { 1, 1000, 70_001 })
        {
            var gen = new Generator(9);
            using var p = new Twins(2, n, dtype, gen, positive: false); // parameter and momentum buffer
            for (int step = 1; step <= 4; step++)
            {
                using var grad = new Twins(1, n, dtype, gen, positive: false);
                var args = new SgdStepArgs(0.05, momentum, dampening, weightDecay, nesterov, maximize, FirstStep: step == 1);
                FusedStep.Sgd(p.Cpu[0], grad.Cpu[0], momentum != 0 ? p.Cpu[1] : null, args);
                FusedStep.Sgd(p.Gpu[0], grad.Gpu[0], momentum != 0 ? p.Gpu[1] : null, args);
            }
            AssertSame(p.Cpu[0], p.Gpu[0], dtype, $"param (n = {n})");
            AssertSame(p.Cpu[1], p.Gpu[1], dtype, $"momentum_buffer (n = {n})");
        }
    }

    public static IEnumerable<TestCaseData> RmspropCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (double weightDecay in new[] { 0.0, 0.1 })
        foreach (bool centered in new[] { false, true })
        foreach (double momentum in new[] { 0.0, 0.9 })
        foreach (bool maximize in new[] { false, true })
        foreach (double alpha in new[] { 0.99, 0.3 })
        {
            yield return new TestCaseData(dtype, weightDecay, centered, momentum, maximize, alpha);
        }
    }

    [TestCaseSource(nameof(RmspropCases))]
    public void RmspropStepMatchesCpu(DType dtype, double weightDecay, bool centered, double momentum, bool maximize, double alpha)
    {
        foreach (long n in new long[] { 1, 1000, 70_001 })
        {
            var gen = new Generator(13);
            using var p = new Twins(1, n, dtype, gen, positive: false);
            using var squareAvg = new Twins(1, n, dtype, gen, positive: true); // never negative
            using var state = new Twins(2, n, dtype, gen, positive: false); // grad_avg and momentum_buffer
            var args = new RmspropStepArgs(0.01, alpha, 1e-6, weightDecay, momentum, centered, maximize);
            for (int step = 1; step <= 4; step++)
            {
                using var grad = new Twins(1, n, dtype, gen, positive: false);
                FusedStep.Rmsprop(p.Cpu[0], grad.Cpu[0], squareAvg.Cpu[0], centered ? state.Cpu[0] : null, momentum > 0 ? state.Cpu[1] : null, args);
                FusedStep.Rmsprop(p.Gpu[0], grad.Gpu[0], squareAvg.Gpu[0], centered ? state.Gpu[0] : null, momentum > 0 ? state.Gpu[1] : null, args);
            }
            AssertSame(p.Cpu[0], p.Gpu[0], dtype, $"param (n = {n})");
            AssertSame(squareAvg.Cpu[0], squareAvg.Gpu[0], dtype, $"square_avg (n = {n})");
            AssertSame(state.Cpu[0], state.Gpu[0], dtype, $"grad_avg (n = {n})");
            AssertSame(state.Cpu[1], state.Gpu[1], dtype, $"momentum_buffer (n = {n})");
        }
    }

    [Test]
    public void EmptyParametersAreANoOp()
    {
        using var p = Tensor.Zeros([0], device: Device.Cuda());
        using var g = Tensor.Zeros([0], device: Device.Cuda());
        using var m = Tensor.Zeros([0], device: Device.Cuda());
        using var v = Tensor.Zeros([0], device: Device.Cuda());
        FusedStep.Adam(p, g, m, v, null, new AdamStepArgs(0.1, 0.9, 0.999, 1e-8, 0, false, false, false, 1));
        FusedStep.Sgd(p, g, m, new SgdStepArgs(0.1, 0.9, 0, 0, false, false, true));
        FusedStep.Rmsprop(p, g, v, m, null, new RmspropStepArgs(0.1, 0.99, 1e-8, 0, 0, Centered: true, Maximize: false));
        Assert.That(p.NumElements, Is.Zero);
    }
}
