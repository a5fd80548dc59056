using System.Globalization;
using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.Tests.Support;

/// <summary>
/// The test assembly's entry point (it replaces the empty one the test SDK generates), so a test can run code in a
/// fresh process: <c>dotnet CudaTensor.Tests.dll &lt;command&gt; ...</c>. Without arguments it does nothing.
/// </summary>
public static class ChildProgram
{
    /// <summary>Runs the command named by the first argument; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0) return 0;
        switch (args[0])
        {
            case "train-losses":
                foreach (var loss in TrainLosses(ulong.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture)))
                    Console.WriteLine(loss.ToString("R", CultureInfo.InvariantCulture));
                Console.WriteLine($"threads {(global::CudaTensor.Cpu.NumThreads)}");
                return 0;
            case "distributed":
                return Distributed.DistributedScenarios.Run(args[1..]);
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                return 2;
        }
    }

    /// <summary>
    /// A seeded training run: an MLP with dropout on random data, cross-entropy, Adam, a shuffled order drawn from the
    /// global generator, and one whole-tensor reduction long enough to be split across threads. Returns each
    /// step's loss.
    /// </summary>
    public static double[] TrainLosses(ulong seed, int steps)
    {
        using var scope = Tensor.NewScope();
        Tensor.ManualSeed(seed);
        var model = new Sequential(new Linear(32, 64), new ReLU(), new Dropout(0.2), new Linear(64, 10));
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var lossFn = new CrossEntropyLoss();
        var x = Tensor.Randn([256, 32]);
        var y = Tensor.RandInt(0, 10, [256]);
        // 2^20 elements: a whole-tensor sum this long is reduced by several threads.
        var big = Tensor.Randn([1 << 20]);
        var losses = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            using var step = Tensor.NewScope();
            var order = Tensor.RandInt(0, 256, [64]);
            var logits = model.Forward(x.IndexSelect(0, order));
            var loss = lossFn.Forward(logits, y.IndexSelect(0, order)) + (big * (s + 1)).Mean() * 1e-3;
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            losses[s] = loss.Item<float>();
        }
        return losses;
    }
}
