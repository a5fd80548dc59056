using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Batch, group, instance and RMS normalization against libtorch (tools/TorchReference/Cases/NormalizationCases.cs):
/// outputs, gradients, running statistics after several training steps, evaluation with them, and PyTorch's
/// state_dict loaded under its own names.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class NormalizationReferenceTests(Device device)
{
    private static readonly string[] BatchNormStateNames = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.Detach();
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static Dictionary<string, Tensor> State(TorchReferenceFile r)
        => r.Names.Where(n => n.StartsWith("state.", StringComparison.Ordinal)).ToDictionary(n => n["state.".Length..], n => r[n]);

    [Test]
    public void BatchNorm2dTrainingStepsEvaluationAndStateMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("batchnorm2d", device);
        using var bn = new BatchNorm2d(3, device: device, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            bn.Weight!.CopyFrom(r["weight"]);
            bn.Bias!.CopyFrom(r["bias"]);
        }
        for (int step = 0; step < 3; step++)
        {
            using var x = Leaf(r[$"input{step}"]);
            using var y = bn.Forward(x);
            r.AssertClose($"output{step}", y);
            if (step < 2) continue;
            using var loss = (y * r["upstream"]).Sum();
            loss.Backward();
            r.AssertClose("grad_input", x.Grad!);
            r.AssertClose("grad_weight", bn.Weight!.Grad!);
            r.AssertClose("grad_bias", bn.Bias!.Grad!);
        }
        r.AssertClose("running_mean", bn.RunningMean!);
        r.AssertClose("running_var", bn.RunningVar!);
        Assert.That(bn.NumBatchesTracked!.ToArray<long>(), Is.EqualTo(r["num_batches_tracked"].ToArray<long>()));
        bn.Eval();
        using var xe = Leaf(r["eval_input"]);
        using var ye = bn.Forward(xe);
        r.AssertClose("eval_output", ye);
        using var evalLoss = (ye * r["eval_upstream"]).Sum();
        evalLoss.Backward();
        r.AssertClose("eval_grad_input", xe.Grad!);
    }

    [Test]
    public void BatchNorm2dLoadsAPyTorchStateDict()
    {
        using var r = TorchReferenceFile.Load("batchnorm2d", device);
        var state = State(r);
        Assert.That(state.Keys, Is.EquivalentTo(BatchNormStateNames));
        using var bn = new BatchNorm2d(3, device: device, dtype: DType.Float64);
        Assert.That(bn.LoadStateDict(state).ToString(), Is.EqualTo("<All keys matched successfully>"));
        bn.Eval();
        using var y = bn.Forward(r["eval_input"]);
        r.AssertClose("eval_output", y);
        Assert.That(bn.NumBatchesTracked!.ToDouble(), Is.EqualTo(3));
    }

    [Test]
    public void BatchNorm1dMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("batchnorm1d", device);
        using var bn = new BatchNorm1d(4, eps: 1e-3, momentum: 0.3, device: device, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            bn.Weight!.CopyFrom(r["weight"]);
            bn.Bias!.CopyFrom(r["bias"]);
        }
        using (var y0 = bn.Forward(r["input0"])) r.AssertClose("output0", y0);
        using (var y1 = bn.Forward(r["input1"])) r.AssertClose("output1", y1);
        using var x2 = Leaf(r["input2"]);
        using var y2 = bn.Forward(x2);
        r.AssertClose("output2", y2);
        using var loss = (y2 * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("grad_input", x2.Grad!);
        r.AssertClose("grad_weight", bn.Weight!.Grad!);
        r.AssertClose("grad_bias", bn.Bias!.Grad!);
        r.AssertClose("running_mean", bn.RunningMean!);
        r.AssertClose("running_var", bn.RunningVar!);
        bn.Eval();
        using var ye = bn.Forward(r["eval_input"]);
        r.AssertClose("eval_output", ye);
    }

    [Test]
    public void GroupNormMatchesPyTorchAndLoadsItsState()
    {
        using var r = TorchReferenceFile.Load("groupnorm", device);
        using var gn = new GroupNorm(2, 4, device: device, dtype: DType.Float64);
        Assert.That(gn.LoadStateDict(State(r)).ToString(), Is.EqualTo("<All keys matched successfully>"));
        using var x = Leaf(r["input"]);
        using var y = gn.Forward(x);
        r.AssertClose("output", y);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("grad_input", x.Grad!);
        r.AssertClose("grad_weight", gn.Weight!.Grad!);
        r.AssertClose("grad_bias", gn.Bias!.Grad!);
    }

    [Test]
    public void InstanceNorm2dMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("instancenorm2d", device);
        using var norm = new InstanceNorm2d(3, affine: true, trackRunningStats: true, device: device, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            norm.Weight!.CopyFrom(r["weight"]);
            norm.Bias!.CopyFrom(r["bias"]);
        }
        using (var y0 = norm.Forward(r["input0"])) r.AssertClose("output0", y0);
        using var x1 = Leaf(r["input1"]);
        using var y1 = norm.Forward(x1);
        r.AssertClose("output1", y1);
        using var loss = (y1 * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("grad_input", x1.Grad!);
        r.AssertClose("grad_weight", norm.Weight!.Grad!);
        r.AssertClose("grad_bias", norm.Bias!.Grad!);
        r.AssertClose("running_mean", norm.RunningMean!);
        r.AssertClose("running_var", norm.RunningVar!);
        norm.Eval();
        using var ye = norm.Forward(r["eval_input"]);
        r.AssertClose("eval_output", ye);
    }

    [Test]
    public void RMSNormMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("rmsnorm", device);
        using var x = Leaf(r["input"]);
        using var w = Leaf(r["weight"]);
        using var y = F.RMSNorm(x, [2, 4], w, 1e-6);
        r.AssertClose("output", y);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("grad_input", x.Grad!);
        r.AssertClose("grad_weight", w.Grad!);
    }
}
