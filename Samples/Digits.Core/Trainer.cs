using System.Diagnostics;
using System.Globalization;
using CudaTensor.Data;
using CudaTensor.Distributed;
using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.Samples.Digits;

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean cross-entropy over the epoch's training samples (in training mode, with dropout).</param>
/// <param name="TrainAccuracy">Accuracy on the whole training split after the epoch (evaluation mode).</param>
/// <param name="TestAccuracy">Accuracy on the test split after the epoch (evaluation mode).</param>
/// <param name="Elapsed">Wall time of the epoch, evaluation included.</param>
public sealed record EpochStats(int Epoch, double Loss, Accuracy TrainAccuracy, Accuracy TestAccuracy, TimeSpan Elapsed);

/// <summary>Correct predictions out of a number of samples.</summary>
public readonly record struct Accuracy(long Correct, long Total)
{
    /// <summary>Correct / Total, from 0 to 1.</summary>
    public double Fraction => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>For example <c>97.22% (350/360)</c>.</summary>
    public override string ToString() => $"{Percent(Fraction)} ({Correct}/{Total})";

    /// <summary>A fraction as a percentage with two decimals, e.g. <c>97.22%</c>.</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + "%";
}

/// <summary>Mini-batch training with cross-entropy and Adam, and evaluation.</summary>
public sealed class Trainer : IDisposable
{
    private readonly Module _model;
    private readonly Module _trained;
    private readonly ProcessGroup? _group;
    private readonly DistributedSampler? _sampler;
    private readonly DataLoader _loader;
    private readonly CrossEntropyLoss _criterion = new();
    private readonly Adam _optimizer;
    private readonly Device _device;
    private readonly Func<Tensor, Tensor, Tensor>? _compiledStep;
    private int _epoch;

    /// <summary>A trainer of <paramref name="model"/> (already on <paramref name="device"/>) over the training split of <paramref name="data"/>.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="data">The training samples (CPU tensors; batches are delivered on <paramref name="device"/>).</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="options">Batch size, learning rate and seed (the seed fixes the shuffling).</param>
    /// <param name="group">
    /// Train data-parallel on these ranks: each takes batch size / ranks samples of every batch (a
    /// <see cref="DistributedSampler"/>) and <see cref="DistributedDataParallel"/> averages the gradients; null trains alone.
    /// </param>
    public Trainer(Module model, DigitsData data, Device device, DigitsOptions options, ProcessGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _device = device;
        _group = group;
        var train = new TensorDataset(data.TrainFeatures, data.TrainLabels);
        if (group is null)
        {
            _trained = model;
            _loader = new DataLoader(train, batchSize: options.BatchSize, shuffle: true, seed: options.Seed, device: device);
        }
        else
        {
            // The same global batch as one process: each rank takes its share of it.
            _sampler = new DistributedSampler(train, group, shuffle: true, seed: options.Seed);
            _loader = new DataLoader(train, batchSize: Math.Max(1, options.BatchSize / group.WorldSize), sampler: _sampler, device: device);
            _trained = new DistributedDataParallel(model, group);
        }
        _optimizer = new Adam(model.Parameters(), lr: options.LearningRate);
        if (options.CompileStep) _compiledStep = Compile.Function((Func<Tensor, Tensor, Tensor>)EagerStep);
    }

    /// <summary>Whether the training step runs compiled (<c>--compile</c>).</summary>
    public bool IsCompiled => _compiledStep is not null;

    // One training step as PyTorch writes it; compiled, the same code is captured once and replayed.
    private Tensor EagerStep(Tensor features, Tensor labels)
    {
        _optimizer.ZeroGrad();
        var logits = _trained.Forward(features);
        var loss = _criterion.Forward(logits, labels);
        loss.Backward();
        _optimizer.Step();
        return loss;
    }

    private Tensor Step(Tensor features, Tensor labels) => _compiledStep is { } step ? step(features, labels) : EagerStep(features, labels);

    /// <summary>One pass over the training split in shuffled mini-batches; returns the mean loss per sample.</summary>
    public double TrainEpoch()
    {
        _model.Train();
        _sampler?.SetEpoch(_epoch);
        double lossSum = 0;
        long samples = 0;
        foreach (var batch in _loader)
        {
            using var scope = Tensor.NewScope();   // frees this step's activations and graph when the step ends
            using var features = batch[0];
            using var labels = batch[1];
            var loss = Step(features, labels);

            long n = labels.Size(0);
            lossSum += loss.Item<float>() * n;
            samples += n;
        }
        if (_group is not null)
        {
            // The mean over every rank's samples.
            using var totals = Tensor.FromArray(new[] { lossSum, samples }, [2]);
            _group.AllReduce(totals);
            double[] t = totals.ToArray<double>();
            return t[0] / t[1];
        }
        return lossSum / samples;
    }

    /// <summary>
    /// The median time of the eager and of the compiled training step, over <paramref name="steps"/> steps of each,
    /// alternating, on the first training batch. It trains the model further: call it after the model is saved.
    /// </summary>
    public (TimeSpan Eager, TimeSpan Compiled) MeasureStep(int steps)
    {
        var compiled = _compiledStep ?? throw new InvalidOperationException("MeasureStep compares the compiled step with the eager one: create the trainer with --compile.");
        _model.Train();
        using var enumerator = _loader.GetEnumerator();
        enumerator.MoveNext();
        using var features = enumerator.Current[0];
        using var labels = enumerator.Current[1];
        var eager = new List<double>(steps);
        var replayed = new List<double>(steps);
        for (int i = 0; i < steps; i++)
        {
            eager.Add(Time(() => EagerStep(features, labels)));
            replayed.Add(Time(() => compiled(features, labels)));
        }
        return (TimeSpan.FromSeconds(Median(eager)), TimeSpan.FromSeconds(Median(replayed)));

        static double Time(Func<Tensor> step)
        {
            using var scope = Tensor.NewScope();
            long start = Stopwatch.GetTimestamp();
            using var loss = step();
            loss.Item<float>(); // the step's work is done when its loss can be read (a GPU runs asynchronously)
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        static double Median(List<double> values)
        {
            values.Sort();
            return values[values.Count / 2];
        }
    }

    /// <summary>Trains one epoch and measures it: loss, train and test accuracy, and time.</summary>
    public EpochStats RunEpoch(DigitsData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        double loss = TrainEpoch();
        var train = Evaluate(_model, data.TrainFeatures, data.TrainLabels, _device);
        var test = Evaluate(_model, data.TestFeatures, data.TestLabels, _device);
        return new EpochStats(++_epoch, loss, train, test, clock.Elapsed);
    }

    /// <summary>
    /// The accuracy of <paramref name="model"/> on <paramref name="features"/> (in evaluation mode, without
    /// recording a graph); the model is left in evaluation mode.
    /// </summary>
    public static Accuracy Evaluate(Module model, Tensor features, Tensor labels, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        model.Eval();
        using var scope = Tensor.NewScope();
        using var noGrad = Autograd.NoGrad();
        var logits = model.Forward(features.To(device));
        var predicted = logits.ArgMax(1);
        long correct = predicted.Eq(labels.To(device)).Sum().Item<long>();
        return new Accuracy(correct, labels.Size(0));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _criterion.Dispose();
    }
}
