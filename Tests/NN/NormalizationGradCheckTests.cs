using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>Finite-difference gradient checks in float64 of the normalization layers (input and parameters).</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class NormalizationGradCheckTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(seed));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    // Random affine parameters, so the checks see a weight and bias that are not 1 and 0.
    private T WithRandomParameters<T>(T m) where T : Module
    {
        using (Autograd.NoGrad())
        {
            ulong seed = 50;
            foreach (var p in m.Parameters())
            {
                using var r = Tensor.Randn(p.Shape, DType.Float64, device, generator: new Generator(seed++));
                p.CopyFrom(r);
            }
        }
        return m;
    }

    private static void CheckModule(Module m, Tensor x) => Check(xs => m.Forward(xs[0]), [x, .. m.Parameters()]);

    [Test] public void BatchNorm1dTraining2d() => CheckModule(WithRandomParameters(new BatchNorm1d(3, device: device, dtype: DType.Float64)), Randn(1, 4, 3));
    [Test] public void BatchNorm1dTraining3d() => CheckModule(WithRandomParameters(new BatchNorm1d(3, device: device, dtype: DType.Float64)), Randn(2, 2, 3, 4));
    [Test] public void BatchNorm2dTraining() => CheckModule(WithRandomParameters(new BatchNorm2d(2, device: device, dtype: DType.Float64)), Randn(3, 3, 2, 2, 3));

    [Test]
    public void BatchNorm2dEval()
    {
        var bn = WithRandomParameters(new BatchNorm2d(2, device: device, dtype: DType.Float64));
        using (var warm = Randn(4, 3, 2, 2, 2))
        using (bn.Forward(warm)) { }
        bn.Eval();
        CheckModule(bn, Randn(5, 2, 2, 3, 2));
        bn.Dispose();
    }

    [Test]
    public void FunctionalBatchNormWithoutRunningStatistics()
        => Check(xs => F.BatchNorm(xs[0], null, null, xs[1], xs[2], training: true), Randn(6, 5, 2, 3), Randn(7, 2), Randn(8, 2));

    // The fused path's evaluation gradient (running statistics as constants) for the input, weight and bias.
    [Test]
    public void FunctionalBatchNormEval()
    {
        using var rm = Tensor.Randn([3], DType.Float64, device, generator: new Generator(12));
        using var rv = Tensor.Rand([3], DType.Float64, device, generator: new Generator(13)) + 0.5;
        Check(xs => F.BatchNorm(xs[0], rm, rv, xs[1], xs[2], training: false, eps: 1e-3), Randn(14, 4, 3, 5), Randn(15, 3), Randn(16, 3));
    }

    // Without affine parameters, the input gradient alone; NCHW with a shifted mean and running statistics updated.
    [Test]
    public void BatchNorm2dWithoutAffine()
    {
        using var bn = new BatchNorm2d(3, affine: false, device: device, dtype: DType.Float64);
        using var x = Randn(17, 2, 3, 2, 3);
        using (Autograd.NoGrad()) x.AddInPlace(5.0);
        CheckModule(bn, x);
    }

    // The weight alone requires gradient (the input is a constant): only dweight is computed.
    [Test]
    public void FunctionalBatchNormWeightOnly()
    {
        using var x = Tensor.Randn([5, 2, 3], DType.Float64, device, generator: new Generator(18));
        Check(xs => F.BatchNorm(x, null, null, xs[0], null, training: true), Randn(19, 2));
    }

    [Test] public void GroupNorm() => CheckModule(WithRandomParameters(new GroupNorm(2, 4, device: device, dtype: DType.Float64)), Randn(9, 2, 4, 3));
    [Test] public void InstanceNorm2dAffine() => CheckModule(WithRandomParameters(new InstanceNorm2d(2, affine: true, device: device, dtype: DType.Float64)), Randn(10, 2, 2, 2, 3));
    [Test] public void RMSNorm() => CheckModule(WithRandomParameters(new RMSNorm([2, 3], eps: 1e-6, device: device, dtype: DType.Float64)), Randn(11, 3, 2, 3));
}
