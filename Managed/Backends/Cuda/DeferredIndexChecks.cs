using CudaTensor.CudaRuntime;

namespace CudaTensor.Backends.Cuda;

/// <summary>A gather or scatter index check: the kernel writes (1, a bad index) into a zeroed slot.</summary>
internal sealed class IndexCheck(string op, long size, int dim) : DeferredCheck
{
    public override byte ArmedByte => 0;

    public override Exception? Inspect(long first, long second) => first == 0 ? null : IndexErrors.OutOfBounds(op, second, size, dim);
}

/// <summary>
/// A cross-entropy target check: the forward kernel lowers word 0 (preset to all ones) to the first bad row with
/// atomicMin, and a one-thread kernel queued after it copies that row's target into word 1.
/// </summary>
internal sealed class TargetCheck(string op, long classes, long ignoreIndex) : DeferredCheck
{
    public override byte ArmedByte => 0xFF;

    public override Exception? Inspect(long first, long second) => first == -1 ? null : IFusedCrossEntropy.BadTarget(op, second, classes, ignoreIndex);
}
