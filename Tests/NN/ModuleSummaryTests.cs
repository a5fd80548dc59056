using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>
/// Module.Summary over a tree that is not a Sequential chain: nested custom modules, a residual block and an LSTM, each
/// row's output shape recorded by a forward hook during one pass; and the hooks themselves.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ModuleSummaryTests(Device device)
{
    // x + body(x), body = Linear → ReLU: the output is the sum, not the body's last layer.
    private sealed class Residual : Module
    {
        private readonly Sequential _body;

        public Residual(long width, Device device) => _body = RegisterModule("body", new Sequential(new Linear(width, width, device: device), new ReLU()));

        public override Tensor Forward(Tensor input) => input + _body.Call(input);
    }

    // [N, T, 4] → project → residual → LSTM → last step → head: [N, 3].
    private sealed class Encoder : Module
    {
        private readonly Linear _proj;
        private readonly Residual _block;
        private readonly LSTM _lstm;

        public Encoder(Device device)
        {
            _proj = RegisterModule("proj", new Linear(4, 8, device: device));
            _block = RegisterModule("block", new Residual(8, device));
            _lstm = RegisterModule("lstm", new LSTM(8, 6, batchFirst: true, device: device));
        }

        public override Tensor Forward(Tensor input) => _lstm.Call(_block.Call(_proj.Call(input))).Select(1, -1);
    }

    private sealed class Classifier : Module
    {
        private readonly Encoder _encoder;
        private readonly Linear _head;

        public Classifier(Device device)
        {
            _encoder = RegisterModule("encoder", new Encoder(device));
            _head = RegisterModule("head", new Linear(6, 3, device: device));
            _head.Weight.RequiresGrad = false;
            _head.Bias!.RequiresGrad = false;
        }

        public override Tensor Forward(Tensor input) => _head.Call(_encoder.Call(input));
    }

    [Test]
    public void EveryModuleOfACustomTreeShowsItsOutputShape()
    {
        using var model = new Classifier(device);
        string summary = model.Summary(2, 5, 4);
        TestContext.Out.WriteLine(summary);
        var lines = summary.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.That(lines, Has.Some.Match(@"^\(Classifier\)\s+\[2, 3\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^  encoder \(Encoder\)\s+\[2, 6\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^    proj \(Linear\)\s+\[2, 5, 8\]\s+40\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^    block \(Residual\)\s+\[2, 5, 8\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^      body \(Sequential\)\s+\[2, 5, 8\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^        0 \(Linear\)\s+\[2, 5, 8\]\s+72\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^        1 \(ReLU\)\s+\[2, 5, 8\]\s+0\s+--$"));
        // LSTM(8, 6): 4·6·(8 + 6) weights and two 4·6 biases.
        Assert.That(lines, Has.Some.Match(@"^    lstm \(LSTM\)\s+\[2, 5, 6\]\s+384\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^  head \(Linear\)\s+\[2, 3\]\s+21\s+False$"));
        Assert.That(summary, Does.Contain("Total params: 517").And.Contain("Trainable params: 496").And.Contain("Non-trainable params: 21"));
    }

    [Test]
    public void TheLayersInsideATransformerLayerShowTheirOutputShapes()
    {
        // The layer calls its feed-forward block, norms and dropouts through Call, so their hooks fire; the attention
        // block takes several tensors (no Call form), its output projection inside it still shows.
        using var layer = new TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0, batchFirst: true, device: device);
        string summary = layer.Summary(2, 5, 8);
        TestContext.Out.WriteLine(summary);
        var lines = summary.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.That(lines, Has.Some.Match(@"^  linear1 \(Linear\)\s+\[2, 5, 16\]\s+144\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^  linear2 \(Linear\)\s+\[2, 5, 8\]\s+136\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^  norm1 \(LayerNorm\)\s+\[2, 5, 8\]\s+16\s+True$"));
        // Attention works sequence-first inside (as PyTorch's batch_first path does): [L, N, E].
        Assert.That(lines, Has.Some.Match(@"^    out_proj \(Linear\)\s+\[5, 2, 8\]\s+72\s+True$"));
    }

    [Test]
    public void SizesCountTheInputEachOutputTensorOnceAndTheParameters()
    {
        // Sizes are the same on every device; float32 [500, 500] is 1 MB, and the Sequential's output is its Linear's tensor.
        Assume.That(device.IsCpu, "sizes do not depend on the device");
        using var model = new Sequential(new Linear(500, 500, bias: false));
        string summary = model.Summary(500, 500);
        Assert.That(summary, Does.Contain("Input size (MB): 1.00").And.Contain("Forward pass size (MB): 1.00")
            .And.Contain("Params size (MB): 1.00").And.Contain("Buffers size (MB): 0.00").And.Contain("Estimated total size (MB): 3.00"));
    }

    [Test]
    public void SummaryLeavesTrainingModeAndRunningStatisticsAlone()
    {
        using var model = new Sequential(new Linear(3, 4, device: device), new Dropout(0.5));
        model[1].Eval();
        _ = model.Summary(2, 3);
        Assert.That(model.IsTraining, Is.True);
        Assert.That(model[0].IsTraining, Is.True);
        Assert.That(model[1].IsTraining, Is.False);
    }

    [Test]
    public void ForwardHooksSeeEachCallUntilRemoved()
    {
        using var linear = new Linear(3, 2, device: device);
        var seen = new List<(Module Module, long[] In, long[] Out)>();
        var handle = linear.RegisterForwardHook((m, input, output) => seen.Add((m, input.Shape.ToArray(), output.Shape.ToArray())));
        using var x = Tensor.Ones([5, 3], device: device);
        using (linear.Call(x)) { }
        using (linear.Forward(x)) { } // a direct Forward runs no hooks, as module.forward in PyTorch
        handle.Dispose();
        using (linear.Call(x)) { }
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Module, Is.SameAs(linear));
        Assert.That(seen[0].In, Is.EqualTo(new long[] { 5, 3 }));
        Assert.That(seen[0].Out, Is.EqualTo(new long[] { 5, 2 }));
    }
}
