using NUnit.Framework;

namespace CudaTensor.Tests.Support;

/// <summary>
/// Index errors (gather, scatter, cross-entropy targets) are thrown at once on the CPU and at the next host
/// synchronization on CUDA, as PyTorch's device-side asserts (docs/errors.md).
/// </summary>
public static class DeferredErrors
{
    /// <summary>
    /// A delegate that runs <paramref name="op"/> and, on CUDA, first asserts that the call itself queues without throwing,
    /// then synchronizes the device, where the error must surface.
    /// </summary>
    public static Action AtNextSync(Device device, Func<IDisposable?> op) => AtNextSyncInPlace(device, () => op()?.Dispose());

    /// <summary>As <see cref="AtNextSync"/>, for an in-place op (its result, the tensor itself, is not disposed).</summary>
    public static Action AtNextSyncInPlace(Device device, Action op) => () =>
    {
        if (device.IsCpu)
        {
            op();
            return;
        }
        try
        {
            op();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new AssertionException($"CUDA reports index errors at the next synchronization, but the call threw: {e.Message}");
        }
        Cuda.Synchronize(device);
    };
}
