using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// MPI's life in this process: initialized once (MPI_THREAD_MULTIPLE, because the progress thread tests requests
/// while the program's threads start new ones), finalized at process exit after the progress thread has stopped.
/// A program that initialized MPI itself keeps ownership: then this class neither initializes nor finalizes.
/// </summary>
internal static class MpiRuntime
{
    private static readonly Lock Gate = new();
    private static bool s_started, s_owned;

    /// <summary>The progress engine (its thread starts with MPI).</summary>
    public static MpiProgress Progress { get; } = new();

    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (s_started) return;
            if (!Mpi.IsAvailable)
                throw new DllNotFoundException(LibraryResolver.Probe(NativeLibraryKind.Mpi).Describe()
                    + ". Install Open MPI 4 or 5 (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and launch with mpirun; "
                    + $"or name the folder of libmpi.so.40 in {LibraryResolver.ExtraFoldersVariable}.");
            if (Mpi.Finalized())
                throw new InvalidOperationException("MPI was already finalized in this process; a process group cannot be created after MPI_Finalize.");
            MpiThreadLevel provided;
            if (Mpi.Initialized())
            {
                provided = Mpi.QueryThread();
            }
            else
            {
                provided = Mpi.InitThread(MpiThreadLevel.MPI_THREAD_MULTIPLE);
                s_owned = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
            }
            if (provided < MpiThreadLevel.MPI_THREAD_MULTIPLE)
                throw new NotSupportedException(
                    $"This MPI provides {provided}, but the distributed runtime needs MPI_THREAD_MULTIPLE (a progress thread drives "
                    + "nonblocking collectives while the program runs). Use an Open MPI built with thread support "
                    + "(ompi_info | grep 'MPI_THREAD_MULTIPLE: yes'), or initialize MPI with MPI_THREAD_MULTIPLE before Initialize().");
            Mpi.SetErrorsReturn(Mpi.CommWorld);
            Progress.Start();
            s_started = true;
        }
    }

    // At exit: stop the progress thread, then finalize. A collective abandoned after a timeout that never completed
    // would make MPI_Finalize wait forever for its peers, so then the job is aborted instead (as PyTorch's watchdog does).
    private static void Shutdown()
    {
        lock (Gate)
        {
            if (!s_started || !s_owned || Mpi.Finalized()) return;
            bool drained = Progress.Stop(TimeSpan.FromSeconds(5));
            if (!drained)
            {
                Console.Error.WriteLine($"CudaTensor.Distributed: {Progress.AbandonedCount} collective(s) abandoned after a timeout never completed; "
                    + "aborting the MPI job instead of hanging in MPI_Finalize.");
                Console.Error.Flush();
                Mpi.Abort(Mpi.CommWorld, 1);
                return;
            }
            Mpi.FinalizeMpi();
        }
    }
}
