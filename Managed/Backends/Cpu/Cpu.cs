using CudaTensor.Backends.Cpu;

namespace CudaTensor;

/// <summary>
/// Settings of the CPU backend, like PyTorch's <c>torch.set_num_threads</c> / <c>torch.get_num_threads</c>.
/// </summary>
/// <remarks>
/// Results do not depend on the thread count: parallel loops split work only where each output element is computed
/// by one thread in a fixed order (elementwise ops, matrix products split by rows or columns, never along the
/// summed dimension), whole-tensor reductions combine fixed-size partials in a fixed order, and random fills give
/// each chunk its own Philox counter range. See <c>docs/determinism.md</c>.
/// </remarks>
public static class Cpu
{
    /// <summary>
    /// The environment variable that sets the initial thread count of programs one does not edit
    /// (<c>CUDATENSOR_NUM_THREADS=1 dotnet run ...</c>), read once when the first CPU op runs; a value that is not a
    /// positive integer is ignored with a warning on standard error.
    /// </summary>
    public const string NumThreadsVariable = CpuWorkers.ThreadsVariable;

    /// <summary>
    /// The number of threads CPU ops may use (the calling thread included): <see cref="NumThreadsVariable"/> when
    /// set, else the number of cores. Changed by <see cref="SetNumThreads"/>.
    /// </summary>
    public static int NumThreads => CpuWorkers.MaxThreads;

    /// <summary>
    /// Sets the number of threads CPU ops may use, the calling thread included (1 runs every op on the calling
    /// thread). Takes effect from the next op; more threads than cores is allowed but rarely faster.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not positive.</exception>
    public static void SetNumThreads(int threads)
    {
        if (threads <= 0)
            throw new ArgumentOutOfRangeException(nameof(threads), threads,
                $"{nameof(Cpu)}.{nameof(SetNumThreads)}: the thread count must be positive, got {threads}. Pass 1 to run every op on the calling thread, or Environment.ProcessorCount for every core.");
        CpuWorkers.MaxThreads = threads;
    }
}
