using CudaTensor.Optim;

namespace CudaTensor.Samples.TinyLM;

/// <summary>A linear warm-up from lr/warmup to lr over <c>warmup</c> steps, then a cosine decay to lr/10 at <c>total</c>.</summary>
public sealed class WarmupCosineLR : LRScheduler
{
    private readonly int _warmup, _total;

    public WarmupCosineLR(Optimizer optimizer, int warmup, int total) : base(optimizer)
    {
        (_warmup, _total) = (warmup, total);
        Initialize();
    }

    public override double LrAt(int groupIndex, long epoch)
    {
        double lr = BaseLrs[groupIndex];
        if (epoch < _warmup) return lr * (epoch + 1) / _warmup;
        double progress = Math.Min(1.0, (double)(epoch - _warmup) / Math.Max(1, _total - _warmup));
        return lr * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
