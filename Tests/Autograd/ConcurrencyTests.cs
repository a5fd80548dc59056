using NUnit.Framework;

namespace CudaTensor.Tests.Gradients;

/// <summary>
/// Several threads sharing leaves (a model's parameters), as in Hogwild-style training or a server evaluating
/// gradients concurrently: each leaf has exactly one gradient accumulator, and accumulation into it is serialized, so
/// no update is lost and no thread sees a gradient another thread has just replaced and disposed.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 4;

    private static void RunOnThreads(Action<int> body)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                body(t);
            }
#pragma warning disable CA1031 // Collected and reported by the test's thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                errors.Enqueue(e);
            }
        })).ToList();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        if (!errors.IsEmpty) Assert.Fail($"{errors.Count} thread(s) failed; the first: {errors.First()}");
    }

    [Test]
    public void AFreshLeafUsedByManyThreadsAtOnceHasOneAccumulator()
    {
        // Each round makes fresh leaves and releases all threads at once onto them, in the same order, so the threads
        // meet each leaf at about the same moment: every graph must record the one accumulator that Autograd.Grad
        // then looks for, or it reports the leaf as unused (or returns a gradient for the wrong graph).
        const int Rounds = 200, Leaves = 64;
        using var start = new Barrier(Threads);
        int wrong = 0;
        var leaves = new Tensor[Leaves];
        RunOnThreads(t =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                if (t == 0)
                {
                    for (int i = 0; i < Leaves; i++) leaves[i] = Tensor.Ones([2], DType.Float64, requiresGrad: true);
                }
                start.SignalAndWait();
                try
                {
                    var parts = new List<Tensor>();
                    foreach (var w in leaves) parts.Add(w * (t + 1.0));
                    var loss = parts[0];
                    for (int i = 1; i < Leaves; i++) loss += parts[i];
                    var grads = Autograd.Grad([loss.Sum()], leaves);
                    foreach (var g in grads)
                    {
                        if (g!.ToArray<double>().Any(v => v != t + 1.0)) Interlocked.Increment(ref wrong);
                    }
                }
                catch (InvalidOperationException e)
                {
                    // "input i was not used": the graph recorded another accumulator than the leaf kept.
                    if (Interlocked.Increment(ref wrong) == 1) TestContext.Out.WriteLine(e.Message);
                }
                start.SignalAndWait(); // the leaves are replaced only once every thread is done with them
            }
        });
        Assert.That(wrong, Is.Zero);
    }

    [Test]
    public void ConcurrentBackwardIntoOneLeafLosesNoUpdate()
    {
        const int Steps = 400;
        using var w = Tensor.Zeros([64], DType.Float64, requiresGrad: true);
        RunOnThreads(t =>
        {
            for (int s = 0; s < Steps; s++)
            {
                using var y = w * (t + 1.0);
                using var loss = y.Sum();
                loss.Backward();
            }
        });
        // Thread t adds t + 1 to every element Steps times: 400 * (1 + 2 + 3 + 4).
        Assert.That(w.Grad!.ToArray<double>(), Is.All.EqualTo(Steps * 10.0));
    }

    [Test]
    public void ConcurrentBackwardThroughSharedParametersMatchesSerialSum()
    {
        // Two shared parameters reached through matrix products and a nonlinearity, as a model shared by threads.
        Tensor.ManualSeed(3);
        using var a = Tensor.Randn([8, 8], DType.Float64, requiresGrad: true);
        using var b = Tensor.Randn([8], DType.Float64, requiresGrad: true);
        var inputs = Enumerable.Range(0, Threads).Select(_ => Tensor.Randn([5, 8], DType.Float64)).ToArray();
        Tensor Loss(Tensor x) => (Tensor.MatMul(x, a) + b).Tanh().Sum();

        const int Steps = 50;
        foreach (var x in inputs)
        {
            for (int s = 0; s < Steps; s++) Loss(x).Backward();
        }
        var serialA = a.Grad!.ToArray<double>();
        var serialB = b.Grad!.ToArray<double>();
        a.Grad = null;
        b.Grad = null;

        RunOnThreads(t =>
        {
            for (int s = 0; s < Steps; s++) Loss(inputs[t]).Backward();
        });
        // Addition order differs between threads, so equal to rounding.
        Assert.That(a.Grad!.ToArray<double>(), Is.EqualTo(serialA).Within(1e-9));
        Assert.That(b.Grad!.ToArray<double>(), Is.EqualTo(serialB).Within(1e-9));
        foreach (var x in inputs) x.Dispose();
    }
}
