using System.Diagnostics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// A tiny persistent thread team for GEMM: one worker per extra core. Work is cut into chunks that the caller and
/// the workers claim from a shared counter, so a worker that is late (asleep, or preempted by another process) just
/// leaves its chunks to the caller instead of stalling it. A worker spins for a short while after each job before
/// it sleeps, because waking a sleeping thread costs tens of microseconds, which would dominate the small products
/// of a training step issued back to back. Only one caller uses the team at a time; a concurrent caller is told so
/// and runs on its own thread.
/// </summary>
internal static unsafe class GemmWorkers
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

    /// <summary>Gets the number of threads a job can use: the caller plus one worker per other core.</summary>
    public static int MaxThreads { get; } = Math.Max(1, Environment.ProcessorCount);

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
        if (Volatile.Read(ref s_started) != 0)
        {
            return;
        }

        lock (Gate)
        {
            if (s_started != 0)
            {
                return;
            }

            for (int i = 1; i < MaxThreads; i++)
            {
                var thread = new Thread(WorkerLoop, maxStackSize: 256 * 1024)
                {
                    IsBackground = true,
                    Name = $"CudaTensor GEMM worker {i}",
                };
                thread.Start();
            }

            Volatile.Write(ref s_started, 1);
        }
    }

    private static void WorkerLoop()
    {
        int seen = 0;
        while (true)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref s_sequence) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(8);
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
            if (Volatile.Read(ref s_open) != 0)
            {
                RunChunks();
            }

            Interlocked.Decrement(ref s_active);
        }
    }
}
