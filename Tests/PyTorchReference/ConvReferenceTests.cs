using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Conv1d (every padding mode, "same", stride, dilation, groups), ConvTranspose2d (stride, padding, output padding,
/// groups, dilation, no bias) and ConvTranspose1d against libtorch (tools/TorchReference/Cases/ConvTransposeCases.cs):
/// outputs and the gradients of input, weight and bias, through the modules loaded with PyTorch's state-dict names.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ConvReferenceTests(Device device)
{
    // N, Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, oph, opw, dh, dw, groups, bias (as ConvTranspose2dCase.Configs)
    private static readonly long[][] Transpose2d =
    [
        [1, 4, 3, 4, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1],
        [1, 3, 4, 3, 2, 2, 3, 1, 2, 0, 1, 0, 1, 2, 1, 1, 1],
        [1, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 0],
        [1, 2, 3, 3, 4, 3, 2, 1, 1, 1, 0, 1, 0, 2, 1, 2, 1],
    ];

    // N, Cin, L, Cout, k, stride, padding (-1: "same"), dilation, groups, mode (as Conv1dCase.Configs)
    private static readonly long[][] Conv1dConfigs =
    [
        [2, 4, 9, 6, 3, 2, 1, 1, 2, 0],
        [2, 3, 8, 2, 4, 1, -1, 1, 1, 0],
        [1, 2, 7, 3, 3, 1, 2, 2, 1, 1],
        [2, 2, 6, 2, 2, 3, 1, 1, 1, 3],
        [1, 3, 5, 3, 3, 1, 1, 1, 3, 2],
    ];

    private static readonly string[] Modes = ["zeros", "reflect", "replicate", "circular"];

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ConvTranspose2dMatchesPyTorch(int i)
    {
        var c = Transpose2d[i];
        using var r = TorchReferenceFile.Load("conv_transpose2d", device);
        bool bias = c[16] == 1;
        using var layer = new ConvTranspose2d(c[1], c[4], (c[5], c[6]), stride: (c[7], c[8]), padding: (c[9], c[10]), outputPadding: (c[11], c[12]),
            groups: (int)c[15], bias: bias, dilation: (c[13], c[14]), device: device, dtype: DType.Float64);
        var state = new Dictionary<string, Tensor> { ["weight"] = r[$"c{i}_weight"] };
        if (bias) state["bias"] = r[$"c{i}_bias"];
        layer.LoadStateDict(state);
        using var x = r[$"c{i}_input"].Detach();
        x.RequiresGrad = true;
        using var y = layer.Forward(x);
        using var loss = (y * r[$"c{i}_upstream"]).Sum();
        loss.Backward();
        r.AssertClose($"c{i}_output", y);
        r.AssertClose($"c{i}_grad_input", x.Grad!);
        r.AssertClose($"c{i}_grad_weight", layer.Weight.Grad!);
        if (bias) r.AssertClose($"c{i}_grad_bias", layer.Bias!.Grad!);
    }

    [Test]
    public void ConvTranspose2dForwardWithOutputSizePicksTheOutputPadding()
    {
        var c = Transpose2d[0];
        using var r = TorchReferenceFile.Load("conv_transpose2d", device);
        // Config 0 has output padding 1: asking for its output size must give the same result with outputPadding 0 set.
        using var layer = new ConvTranspose2d(c[1], c[4], 3, stride: 2, padding: 1, groups: 2, device: device, dtype: DType.Float64);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["c0_weight"], ["bias"] = r["c0_bias"] });
        var expected = r["c0_output"];
        using var y = layer.Forward(r["c0_input"], expected.Shape.ToArray());
        r.AssertClose("c0_output", y);
        Assert.That(() => layer.Forward(r["c0_input"], [20, 20]),
            Throws.ArgumentException.With.Message.Contains("ConvTranspose2d").And.Message.Contains("range from 5 to 6"));
    }

    [Test]
    public void ConvTranspose1dMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("conv_transpose1d", device);
        using var layer = new ConvTranspose1d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2, device: device, dtype: DType.Float64);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["weight"], ["bias"] = r["bias"] });
        using var x = r["input"].Detach();
        x.RequiresGrad = true;
        using var y = layer.Forward(x);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("output", y);
        r.AssertClose("grad_input", x.Grad!);
        r.AssertClose("grad_weight", layer.Weight.Grad!);
        r.AssertClose("grad_bias", layer.Bias!.Grad!);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Conv1dMatchesPyTorch(int i)
    {
        var c = Conv1dConfigs[i];
        using var r = TorchReferenceFile.Load("conv1d", device);
        ConvPadding padding = c[6] < 0 ? "same" : c[6];
        using var layer = new Conv1d(c[1], c[3], c[4], stride: c[5], padding: padding, dilation: c[7], groups: (int)c[8],
            device: device, dtype: DType.Float64, paddingMode: Modes[c[9]]);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r[$"c{i}_weight"], ["bias"] = r[$"c{i}_bias"] });
        using var x = r[$"c{i}_input"].Detach();
        x.RequiresGrad = true;
        using var y = layer.Forward(x);
        using var loss = (y * r[$"c{i}_upstream"]).Sum();
        loss.Backward();
        r.AssertClose($"c{i}_output", y);
        r.AssertClose($"c{i}_grad_input", x.Grad!);
        r.AssertClose($"c{i}_grad_weight", layer.Weight.Grad!);
        r.AssertClose($"c{i}_grad_bias", layer.Bias!.Grad!);
    }

    [Test]
    public void Conv2dPaddingModesMatchPaddingFirst()
    {
        // Conv2d's paddingMode pads with Functional.Pad (checked against PyTorch's F.pad elsewhere) and convolves unpadded.
        using var x = Tensor.Randn([2, 2, 5, 6], DType.Float64, device, generator: new Generator(3));
        foreach (var mode in new[] { "reflect", "replicate", "circular" })
        {
            using var conv = new Conv2d(2, 3, (3, 2), padding: (1, 2), device: device, dtype: DType.Float64, generator: new Generator(4), paddingMode: mode);
            using var y = conv.Forward(x);
            using var padded = F.Pad(x, [2, 2, 1, 1], mode);
            using var e = F.Conv2d(padded, conv.Weight, conv.Bias);
            TensorAssert.Close(y, TensorAssert.ToDoubles(e), e.Shape.ToArray(), rtol: 1e-12, atol: 1e-12);
            Assert.That(conv.ToString(), Does.Contain($"padding_mode={mode}"));
        }
        Assert.That(() => new Conv2d(1, 1, 3, paddingMode: "mirror"), Throws.ArgumentException.With.Message.Contains("Conv2d").And.Message.Contains("padding_mode"));
    }
}
