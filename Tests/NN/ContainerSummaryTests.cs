using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>Module.Summary: layer rows with output shapes and parameter counts, and the totals.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ContainerSummaryTests(Device device)
{
    [Test]
    public void SummaryListsLayersShapesAndCounts()
    {
        using var model = new Sequential(new Linear(8, 16, device: device), new ReLU(), new Sequential(new Linear(16, 4, device: device), new Softsign()));
        model[0].Parameters().Last().RequiresGrad = false; // a frozen bias
        string summary = model.Summary(2, 8);
        TestContext.Out.WriteLine(summary);
        var lines = summary.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.That(lines, Has.Some.Match(@"^\(Sequential\)\s+\[2, 4\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^  0 \(Linear\)\s+\[2, 16\]\s+144\s+Partial$"));
        Assert.That(lines, Has.Some.Match(@"^  1 \(ReLU\)\s+\[2, 16\]\s+0\s+--$"));
        Assert.That(lines, Has.Some.Match(@"^    0 \(Linear\)\s+\[2, 4\]\s+68\s+True$"));
        Assert.That(lines, Has.Some.Match(@"^    1 \(Softsign\)\s+\[2, 4\]\s+0\s+--$"));
        Assert.That(summary, Does.Contain("Total params: 212").And.Contain("Trainable params: 196").And.Contain("Non-trainable params: 16"));
    }

    [Test]
    public void SummaryNamesTheLayerThatRejectsTheShape()
    {
        using var model = new Sequential(new Linear(8, 16, device: device));
        var e = Assert.Catch<Exception>(() => model.Summary(2, 5));
        Assert.That(e!.Message, Does.Contain("Linear"));
    }
}
