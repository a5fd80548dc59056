using NUnit.Framework;

namespace CudaTensor.Tests.Gradients;

[TestFixture]
public sealed class MemoryTests
{
    [Test]
    public void TrainingStepsKeepManagedMemoryFlat()
    {
        var w = Tensor.Randn([8, 4], requiresGrad: true, generator: new Generator(1));
        var x = Tensor.Randn([16, 8], generator: new Generator(2));
        void Step()
        {
            using var scope = Tensor.NewScope();
            var loss = Tensor.MatMul(x, w).Tanh().Square().Mean();
            loss.Backward();
            using (Autograd.NoGrad()) w.SubInPlace(w.Grad! * 0.01);
            w.Grad!.Dispose();
            w.Grad = null;
        }
        for (int i = 0; i < 500; i++) Step();
        long before = Settle();
        for (int i = 0; i < 10_000; i++) Step();
        long after = Settle();
        // 10,000 steps of a leaking graph would keep megabytes (each step allocates ~5 KB of tensors and nodes).
        Assert.That(after - before, Is.LessThan(1_000_000), $"managed memory grew from {before} to {after} bytes");
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
