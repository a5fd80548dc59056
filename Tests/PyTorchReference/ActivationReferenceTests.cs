using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// The activations' values and gradients against torch.nn.functional (tools/TorchReference/Cases/ActivationsCase.cs) on an
/// input holding every kink, so the gradient at each kink is checked to be PyTorch's; through the module forms.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ActivationReferenceTests(Device device)
{
    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData C(string name, Func<Module> make) => new TestCaseData(name, make).SetArgDisplayNames(name);
        yield return C("elu", () => new ELU());
        yield return C("elu_alpha", () => new ELU(0.7));
        yield return C("selu", () => new SELU());
        yield return C("celu", () => new CELU(1.5));
        yield return C("mish", () => new Mish());
        yield return C("hardswish", () => new Hardswish());
        yield return C("hardsigmoid", () => new Hardsigmoid());
        yield return C("relu6", () => new ReLU6());
        yield return C("softsign", () => new Softsign());
        yield return C("logsigmoid", () => new LogSigmoid());
        yield return C("threshold", () => new Threshold(1.0, -2.0));
        yield return C("tanhshrink", () => new Tanhshrink());
        yield return C("softshrink", () => new Softshrink(0.5));
        yield return C("hardshrink", () => new Hardshrink(0.5));
    }

    [TestCaseSource(nameof(Cases))]
    public void ValuesAndGradientsMatchPyTorch(string name, Func<Module> make)
    {
        using var r = TorchReferenceFile.Load("activations", device);
        using var module = make();
        using var x = r["input"].Detach();
        x.RequiresGrad = true;
        using var y = module.Forward(x);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose($"{name}.output", y, 1e-13, 1e-15);
        // libtorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (one_sixth(1.0f / 6.0f)) even for
        // float64; ours uses the float64 1/6, a relative difference of 3e-8.
        r.AssertClose($"{name}.grad", x.Grad!, name == "hardsigmoid" ? 1e-7 : 1e-13, 1e-15);
    }

    [Test]
    public void PReLUWithOneSlopePerChannelMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("activations", device);
        using var prelu = new PReLU(4, device: device, dtype: DType.Float64);
        prelu.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["prelu.weight"] });
        using var x = r["input"].Detach();
        x.RequiresGrad = true;
        using var y = prelu.Forward(x);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("prelu.output", y, 1e-14, 1e-15);
        r.AssertClose("prelu.grad", x.Grad!, 1e-14, 1e-15);
        r.AssertClose("prelu.grad_weight", prelu.Weight.Grad!, 1e-13, 1e-14);
        Assert.That(prelu.NamedParameters().Select(p => p.Name).Single(), Is.EqualTo("weight"));
    }

    /// <summary>Hardtanh's bounds and its zero gradient at them (libtorch's rule, which ReLU6 above checks at 0 and 6).</summary>
    [Test]
    public void HardtanhClampsAndHasZeroGradientAtTheBounds()
    {
        using var x = Tensor.FromArray(new[] { -2.0, -0.5, 0.25, 3.0, 4.0 }, [5], device);
        x.RequiresGrad = true;
        using var y = new Hardtanh(-0.5, 3.0).Forward(x);
        using var loss = y.Sum();
        loss.Backward();
        TensorAssert.Close(y, [-0.5, -0.5, 0.25, 3.0, 3.0], [5], 0, 0);
        TensorAssert.Close(x.Grad!, [0, 0, 1, 0, 0], [5], 0, 0);
    }

    [Test]
    public void PReLUNamesTheChannelCountOnAMismatch()
    {
        using var prelu = new PReLU(3, device: device);
        using var x = Tensor.Zeros([2, 4, 5], device: device);
        var e = Assert.Throws<ArgumentException>(() => prelu.Forward(x));
        Assert.That(e!.Message, Does.Contain("PReLU").And.Contain("[3]").And.Contain("[2, 4, 5]").And.Contain("4 channels"));
    }

    /// <summary>Away from the kinks the composed gradients agree with float64 finite differences, to second order.</summary>
    [Test]
    public void GradientsPassGradCheck()
    {
        using var x = Tensor.FromArray(new[] { -3.7, -2.2, -0.9, -0.3, 0.2, 0.7, 1.6, 2.4, 3.9, 6.8 }, [2, 5], device);
        x.RequiresGrad = true;
        using var w = Tensor.FromArray(new[] { 0.3, -0.2 }, [2], device);
        w.RequiresGrad = true;
        Func<Tensor[], Tensor>[] functions =
        [
            xs => F.ELU(xs[0], 0.7), xs => F.SELU(xs[0]), xs => F.CELU(xs[0], 1.5), xs => F.Mish(xs[0]), xs => F.Hardswish(xs[0]),
            xs => F.Hardsigmoid(xs[0]), xs => F.Hardtanh(xs[0], -1, 3), xs => F.ReLU6(xs[0]), xs => F.Softsign(xs[0]),
            xs => F.LogSigmoid(xs[0]), xs => F.Threshold(xs[0], 0.5, 2), xs => F.Tanhshrink(xs[0]), xs => F.Softshrink(xs[0], 0.5),
            xs => F.Hardshrink(xs[0], 0.5),
        ];
        foreach (var f in functions)
        {
            var result = GradCheck.Check(f, [x]);
            Assert.That(result.Passed, Is.True, result.ToString());
        }
        var prelu = GradCheck.Check(xs => F.PReLU(xs[0].Transpose(0, 1), xs[1]), [x, w]);
        Assert.That(prelu.Passed, Is.True, prelu.ToString());
        var second = GradCheck.CheckSecondOrder(xs => F.Mish(xs[0]) + F.ELU(xs[0]) + F.LogSigmoid(xs[0]), [x]);
        Assert.That(second.Passed, Is.True, second.ToString());
    }

    [Test]
    public void LargeInputsGiveFiniteValuesAndGradients()
    {
        using var x = Tensor.FromArray(new[] { -800.0, 800.0 }, [2], device);
        x.RequiresGrad = true;
        using var y = F.ELU(x) + F.LogSigmoid(x) + F.Mish(x) + F.SELU(x);
        using var loss = y.Sum();
        loss.Backward();
        TensorAssert.Close(y, [-1 - 800 + 0 - F.SeluAlpha * F.SeluScale, 800 + 0 + 800 + 800 * F.SeluScale], [2], 1e-14, 1e-12);
        Assert.That(TensorAssert.ToDoubles(x.Grad!).All(double.IsFinite), Is.True);
    }
}
