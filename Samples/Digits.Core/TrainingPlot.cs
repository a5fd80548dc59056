using ScottPlot;

namespace CudaTensor.Samples.Digits;

/// <summary>Draws the training curves: loss on the left axis, train and test accuracy (%) on the right.</summary>
public static class TrainingPlot
{
    /// <summary>Writes a PNG of <paramref name="history"/> to <paramref name="path"/> (replacing it).</summary>
    /// <param name="history">One entry per epoch, in order (at least one).</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The plot's title.</param>
    /// <exception cref="ArgumentException"><paramref name="history"/> is empty.</exception>
    public static void SavePng(IReadOnlyList<EpochStats> history, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("TrainingPlot.SavePng: there are no epochs to plot.", nameof(history));

        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");

        var loss = plot.Add.Scatter(epochs, history.Select(h => h.Loss).ToArray());
        loss.LegendText = "training loss";
        loss.Axes.YAxis = plot.Axes.Left;
        plot.Axes.Left.Label.Text = "cross-entropy loss";

        var train = plot.Add.Scatter(epochs, history.Select(h => 100 * h.TrainAccuracy.Fraction).ToArray());
        train.LegendText = "train accuracy";
        train.Axes.YAxis = plot.Axes.Right;
        var test = plot.Add.Scatter(epochs, history.Select(h => 100 * h.TestAccuracy.Fraction).ToArray());
        test.LegendText = "test accuracy";
        test.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "accuracy (%)";

        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 540);
    }
}
