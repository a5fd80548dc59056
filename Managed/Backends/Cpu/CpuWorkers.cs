using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace CudaTensor.Backends.Cpu;

/// <summary>One job of <see cref="CpuWorkers.For{TJob}"/>: runs chunk <c>chunk</c> of <c>chunks</c>; called concurrently.</summary>
internal interface IChunkJob
{
    void Run(int chunk, int chunks);
}

/// <summary>
/// The CPU backend's persistent thread team (GEMM, large elementwise loops, split reductions, random fills): one
/// worker per extra core. Work is cut into chunks that the caller and
/// the workers claim from a shared counter, so a worker that is late (asleep, or preempted by another process) just
/// leaves its chunks to the caller instead of stalling it. A worker spins for a short while after each job before
/// it sleeps, because waking a sleeping thread costs tens of microseconds, which would dominate the small products
/// of a training step issued back to back. Only one caller uses the team at a time; a concurrent caller is told so
/// and runs on its own thread.
/// </summary>
internal static unsafe class CpuWorkers
{
    /// <summary>How long an idle worker polls for the next job before it blocks: 0.5 ms.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000;

    private static readonly object Gate = new();
    private static int s_started;
    private static int s_busy;
    private static int s_sequence;
    private static int s_sleepers;
    private static int s_open;
    private static int s_active;
    private static int s_nextChunk;
    private static int s_chunks;
    private static delegate*<void*, int, int, void> s_job;
    private static void* s_context;

    /// <summary>The environment variable read once at start-up for the initial thread count (as OMP_NUM_THREADS for PyTorch).</summary>
    public const string ThreadsVariable = "CUDATENSOR_NUM_THREADS";

    private static int s_threads = InitialThreads();
    private static int s_workers;

    /// <summary>
    /// Gets or sets the number of threads a job can use: the caller plus <c>MaxThreads - 1</c> workers. Defaults to
    /// <see cref="ThreadsVariable"/> when set to a positive integer, else to the core count. Workers beyond the
    /// limit sit out; new ones start on the next job when the limit grows.
    /// </summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_threads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Volatile.Write(ref s_threads, value);
        }
    }

    /// <summary>
    /// The thread count from <see cref="ThreadsVariable"/>, or the core count when it is unset. A value that is not a
    /// positive integer is ignored with a warning on standard error, as libgomp treats a bad OMP_NUM_THREADS (an
    /// exception here would surface as a TypeInitializationException from whichever op ran first).
    /// </summary>
    private static int InitialThreads()
    {
        int cores = Math.Max(1, Environment.ProcessorCount);
        var text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text)) return cores;
        if (int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0)
            return n;
        Console.Error.WriteLine($"CudaTensor: ignoring {ThreadsVariable}='{text}', which is not a positive integer; using {cores} threads.");
        return cores;
    }

    /// <summary>
    /// Runs <c>job(context, chunk, chunks)</c> once for every chunk in [0, <paramref name="chunks"/>), on the
    /// calling thread and on whichever workers join in time; returns once all are done and no worker can still
    /// touch <paramref name="context"/>. Returns false without running anything when another caller holds the team.
    /// </summary>
    public static bool TryRun(delegate*<void*, int, int, void> job, void* context, int chunks)
    {
        if (MaxThreads < 2 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            return false;
        }

        try
        {
            EnsureStarted();
            s_job = job;
            s_context = context;
            s_chunks = chunks;
            s_nextChunk = 0;
            Volatile.Write(ref s_open, 1);

            // Full fence, paired with the worker's increment of s_sleepers: either we see a sleeper and wake it,
            // or it sees the new sequence number before it blocks.
            Interlocked.Increment(ref s_sequence);
            if (Volatile.Read(ref s_sleepers) > 0)
            {
                lock (Gate)
                {
                    Monitor.PulseAll(Gate);
                }
            }

            RunChunks();

            // Close the job (full fence, paired with the worker's increment of s_active): a worker either joined
            // before and is waited for, or sees the job closed and never reads its fields.
            Interlocked.Exchange(ref s_open, 0);
            SpinWait spinner = default;
            while (Volatile.Read(ref s_active) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="job"/> for every chunk in [0, <paramref name="chunks"/>) on the team, or on the calling
    /// thread alone when the team is busy (another caller, or a job that itself runs a parallel loop). The first
    /// exception a chunk throws is rethrown here, with its stack, once every chunk has finished or been skipped, so
    /// an error looks the same whichever thread met it.
    /// </summary>
    public static void For<TJob>(in TJob job, int chunks) where TJob : struct, IChunkJob
    {
        if (chunks <= 0) return;
        var frame = new Frame<TJob> { Job = job };
        if (chunks == 1 || !TryRun(&RunFrame<TJob>, Unsafe.AsPointer(ref frame), chunks))
        {
            for (int c = 0; c < chunks; c++) frame.Job.Run(c, chunks);
            return;
        }
        if (frame.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    // Lives on the caller's stack for the duration of TryRun, which returns only once no worker can touch it.
    private struct Frame<TJob> where TJob : struct, IChunkJob
    {
        public TJob Job;
        public Exception? Error;
    }

    private static void RunFrame<TJob>(void* context, int chunk, int chunks) where TJob : struct, IChunkJob
    {
        ref var frame = ref Unsafe.AsRef<Frame<TJob>>(context);
        if (Volatile.Read(ref frame.Error) is not null) return;
        try
        {
            frame.Job.Run(chunk, chunks);
        }
#pragma warning disable CA1031 // Any exception is carried to the caller's thread; an escaping one would end the process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.CompareExchange(ref frame.Error, e, null);
        }
    }

    private static void RunChunks()
    {
        int chunks = s_chunks;
        int chunk;
        while ((chunk = Interlocked.Increment(ref s_nextChunk) - 1) < chunks)
        {
            s_job(s_context, chunk, chunks);
        }
    }

    private static void EnsureStarted()
    {
        int wanted = MaxThreads - 1;
        if (Volatile.Read(ref s_started) != 0 && Volatile.Read(ref s_workers) >= wanted)
        {
            return;
        }

        lock (Gate)
        {
            // Workers numbered from 1; the caller is thread 0. A new worker starts from the current sequence, so it
            // joins the next job, not one already under way.
            for (int i = s_workers + 1; i <= wanted; i++)
            {
                int index = i;
                int seen = Volatile.Read(ref s_sequence);
                var thread = new Thread(() => WorkerLoop(index, seen), maxStackSize: 256 * 1024)
                {
                    IsBackground = true,
                    Name = $"CudaTensor CPU worker {i}",
                };
                thread.Start();
            }

            s_workers = Math.Max(s_workers, wanted);
            Volatile.Write(ref s_started, 1);
        }
    }

    private static void WorkerLoop(int index, int seen)
    {
        while (true)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref s_sequence) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    // Offer the core to any other runnable thread (sched_yield: under a microsecond when there is none).
                    // A worker that only spins burns its time slice while idle, so when another process competes for
                    // the core the scheduler preempts it in the middle of a chunk instead, and the caller waits for
                    // that chunk: with a build running beside it, gelu on 2^20 floats fell to 20 GB/s this way (half
                    // of one thread's speed), against 40 GB/s when the spin yields.
                    if (!Thread.Yield()) Thread.SpinWait(8);
                    continue;
                }

                lock (Gate)
                {
                    Interlocked.Increment(ref s_sleepers);
                    while (Volatile.Read(ref s_sequence) == seen)
                    {
                        Monitor.Wait(Gate);
                    }

                    Interlocked.Decrement(ref s_sleepers);
                }
            }

            seen = Volatile.Read(ref s_sequence);
            Interlocked.Increment(ref s_active);
            // A worker numbered past the thread limit (lowered since it started) sits the job out.
            if (Volatile.Read(ref s_open) != 0 && index < MaxThreads)
            {
                RunChunks();
            }

            Interlocked.Decrement(ref s_active);
        }
    }
}
