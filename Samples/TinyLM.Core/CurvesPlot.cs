using ScottPlot;

namespace CudaTensor.Samples.TinyLM;

/// <summary>One epoch's numbers: mean training loss over its steps, validation loss (nats per character).</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValidationLoss, double StepsPerSecond)
{
    public double Perplexity => Math.Exp(ValidationLoss);
}

/// <summary>Draws the training and validation loss per epoch, with the unigram baseline as a line.</summary>
public static class CurvesPlot
{
    public static void SavePng(IReadOnlyList<EpochResult> history, double unigramLoss, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("CurvesPlot.SavePng: there are no epochs to plot.", nameof(history));
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy (nats per character)");
        plot.Add.Scatter(epochs, [.. history.Select(h => h.TrainLoss)]).LegendText = "training loss";
        plot.Add.Scatter(epochs, [.. history.Select(h => h.ValidationLoss)]).LegendText = "validation loss";
        var baseline = plot.Add.HorizontalLine(unigramLoss);
        baseline.LegendText = "unigram baseline";
        baseline.LinePattern = LinePattern.Dashed;
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 540);
    }
}
