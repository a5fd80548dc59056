using System.Globalization;
using System.Text;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// A set of processes that run collectives together (PyTorch's <c>torch.distributed</c> process group). Processes are
/// started by <c>mpirun</c> (or Slurm's <c>srun</c>, or any launcher Open MPI understands);
/// <see cref="Initialize"/> joins them and returns the world group. CPU tensors move through MPI, CUDA tensors
/// through NCCL (see <see cref="BackendFor"/>).
/// </summary>
/// <remarks>
/// Every rank of a group must call the same collectives in the same order, with tensors of the same dtype and
/// matching shapes; <see cref="ProcessGroupOptions.Debug"/> checks that before each call. Ranks named in arguments
/// (<c>src</c>, <c>dst</c>, the members of <see cref="NewGroup"/>) are ranks of this group, as in the methods of
/// PyTorch's <c>ProcessGroup</c> object; <see cref="GlobalRanks"/> maps them to world ranks.
/// A collective blocks until this rank's part is done; its <c>...Async</c> form returns a <see cref="Work"/> at once
/// and the communication proceeds on a progress thread while the program computes.
/// </remarks>
public sealed partial class ProcessGroup : IDisposable
{
    private static readonly Lock InitGate = new();
    private static ProcessGroup? s_world;
    private readonly ProcessGroupOptions _options;
    private readonly int[] _globalRanks;
    private bool _disposed;

    private ProcessGroup(MpiCommunicator mpi, ProcessGroupOptions options, int[] globalRanks, int localRank)
    {
        MpiComm = mpi;
        _options = options;
        _globalRanks = globalRanks;
        LocalRank = localRank;
    }

    /// <summary>
    /// Joins the processes the launcher started and returns the world group (PyTorch's <c>init_process_group</c>).
    /// Initializes MPI (with <c>MPI_THREAD_MULTIPLE</c>) unless the program did; MPI is finalized at process exit.
    /// Calling it again returns the same group. A program started without a launcher is a world of one.
    /// </summary>
    /// <param name="options">Timeout, forced backend, debug mode; null for the defaults (and the environment variables).</param>
    /// <returns>The world group.</returns>
    /// <exception cref="DllNotFoundException">Open MPI (libmpi.so.40) is not installed.</exception>
    /// <exception cref="InvalidOperationException">The launcher's environment disagrees with MPI (e.g. <c>WORLD_SIZE</c>=4 in a singleton).</exception>
    public static ProcessGroup Initialize(ProcessGroupOptions? options = null)
    {
        lock (InitGate)
        {
            if (s_world is not null) return s_world;
            MpiRuntime.EnsureStarted();
            var mpi = new MpiCommunicator(Mpi.CommDup(Mpi.CommWorld), ownsComm: true, "world");
            var launcher = LauncherEnvironment.Read();
            launcher.CheckAgainst(mpi.Rank, mpi.Size);
            s_world = new ProcessGroup(mpi, options?.Clone() ?? new ProcessGroupOptions(), [.. Enumerable.Range(0, mpi.Size)], launcher.LocalRank ?? 0);
            return s_world;
        }
    }

    /// <summary>True once <see cref="Initialize"/> has returned.</summary>
    public static bool IsInitialized => s_world is not null;

    /// <summary>The world group.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Initialize"/> was not called.</exception>
    public static ProcessGroup World => s_world
        ?? throw new InvalidOperationException("ProcessGroup.World: call ProcessGroup.Initialize() first (once per process, after mpirun started it).");

    /// <summary>True when Open MPI's library can be loaded (never throws).</summary>
    public static bool IsAvailable => Mpi.IsAvailable;

    /// <summary>
    /// A report of what distributed training can use here: the MPI library and version, NCCL and its version, the
    /// launcher's variables, and the world group when initialized.
    /// </summary>
    /// <returns>Several lines of text.</returns>
    public static string Diagnose()
    {
        var text = new StringBuilder();
        var mpi = LibraryResolver.Probe(NativeLibraryKind.Mpi);
        text.AppendLine(mpi.Describe());
        if (mpi.Found)
        {
            try
            {
                text.AppendLine("  " + Mpi.LibraryVersion().Split('\n')[0].Trim());
            }
            catch (Exception e) when (e is MpiException or EntryPointNotFoundException)
            {
                text.AppendLine("  version unknown: " + e.Message);
            }
        }
        var nccl = LibraryResolver.Probe(NativeLibraryKind.Nccl);
        text.AppendLine(nccl.Describe());
        if (nccl.Found)
        {
            int v = Nccl.TryGetVersion();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  NCCL {v / 10000}.{v / 100 % 100}.{v % 100}"));
        }
        text.AppendLine("Launcher: " + LauncherEnvironment.Read().Describe());
        text.AppendLine(s_world is { } w
            ? string.Create(CultureInfo.InvariantCulture, $"World group: rank {w.Rank} of {w.WorldSize}, local rank {w.LocalRank}, default device {w.DefaultDevice}")
            : "World group: not initialized (ProcessGroup.Initialize())");
        return text.ToString();
    }

    internal MpiCommunicator MpiComm { get; }

    /// <summary>This process's rank in the group, 0 ... <see cref="WorldSize"/> - 1.</summary>
    public int Rank => MpiComm.Rank;

    /// <summary>The number of processes in the group (PyTorch's <c>get_world_size(group)</c>).</summary>
    public int WorldSize => MpiComm.Size;

    /// <summary>This process's index among the processes on its machine (from the launcher; 0 when it does not say).</summary>
    public int LocalRank { get; }

    /// <summary>The world rank of each member, by group rank.</summary>
    public IReadOnlyList<int> GlobalRanks => _globalRanks;

    /// <summary>The group's name in messages: "world", or the world ranks of its members.</summary>
    public string Name => MpiComm.Name;

    /// <summary>How long a collective waits for the other ranks (<see cref="ProcessGroupOptions.Timeout"/>); settable.</summary>
    public TimeSpan Timeout
    {
        get => _options.Timeout;
        set => _options.Timeout = value;
    }

    /// <summary>Whether the ranks check each collective's signature first (<see cref="ProcessGroupOptions.Debug"/>); settable.</summary>
    public bool Debug
    {
        get => _options.Debug;
        set => _options.Debug = value;
    }

    /// <summary>The backend forced by <see cref="ProcessGroupOptions.Backend"/>, or null when chosen per tensor.</summary>
    public DistributedBackend? ForcedBackend => _options.Backend;

    /// <summary>
    /// The device this rank computes on: <c>Device.Cuda(LocalRank % device count)</c> where CUDA is usable, else the CPU
    /// (PyTorch's convention of one GPU per local rank).
    /// </summary>
    public Device DefaultDevice => Cuda.IsAvailable && Cuda.DeviceCount > 0 ? Device.Cuda(LocalRank % Cuda.DeviceCount) : Device.Cpu;

    /// <summary>The backend for tensors on <see cref="DefaultDevice"/>.</summary>
    public DistributedBackend Backend => _options.Backend ?? (DefaultDevice.IsCuda ? DistributedBackend.Nccl : DistributedBackend.Mpi);

    /// <summary>
    /// The backend a collective on <paramref name="tensor"/> uses: the forced one, else <see cref="DistributedBackend.Nccl"/>
    /// for a CUDA tensor and <see cref="DistributedBackend.Mpi"/> for a CPU tensor.
    /// </summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The backend.</returns>
    public DistributedBackend BackendFor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return _options.Backend ?? (tensor.Device.IsCuda ? DistributedBackend.Nccl : DistributedBackend.Mpi);
    }

    /// <summary>
    /// A group of some of this group's ranks (PyTorch's <c>new_group</c>). Every rank of this group must call it, with the
    /// same list; members get the new group (ranked in the order of <paramref name="ranks"/>), the others null.
    /// </summary>
    /// <param name="ranks">Distinct ranks of this group.</param>
    /// <param name="options">Settings of the new group; null copies this group's.</param>
    /// <returns>The new group, or null on a rank that is not a member.</returns>
    /// <exception cref="ArgumentException">A rank is out of range or repeated.</exception>
    public ProcessGroup? NewGroup(IReadOnlyList<int> ranks, ProcessGroupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        ThrowIfDisposed(nameof(NewGroup));
        if (ranks.Count == 0) throw new ArgumentException("NewGroup: the list of ranks is empty.", nameof(ranks));
        var seen = new HashSet<int>();
        foreach (int r in ranks)
        {
            if (r < 0 || r >= WorldSize)
                throw new ArgumentException($"NewGroup: rank {r} is not in group {Name} of {WorldSize} process(es) (ranks 0..{WorldSize - 1}).", nameof(ranks));
            if (!seen.Add(r)) throw new ArgumentException($"NewGroup: rank {r} is listed twice.", nameof(ranks));
        }
        int index = IndexOf(ranks, Rank);
        return SplitCore(index >= 0 ? 0 : Mpi.Undefined, index, [.. ranks.Select(r => _globalRanks[r])], options);
    }

    /// <summary>
    /// Splits the group (MPI_Comm_split): ranks that pass the same <paramref name="color"/> form one new group, ordered by
    /// <paramref name="key"/> (ties by rank). Every rank must call it. For tensor x data parallel layouts, e.g.
    /// <c>Split(rank / tp, rank)</c> gives the tensor-parallel groups and <c>Split(rank % tp, rank)</c> the data-parallel ones.
    /// </summary>
    /// <param name="color">The new group's identity; a negative color joins no group (returns null).</param>
    /// <param name="key">The order within the new group.</param>
    /// <param name="options">Settings of the new group; null copies this group's.</param>
    /// <returns>The new group, or null for a negative color.</returns>
    public ProcessGroup? Split(int color, int key, ProcessGroupOptions? options = null)
    {
        ThrowIfDisposed(nameof(Split));
        return SplitCore(color < 0 ? Mpi.Undefined : color, key, null, options);
    }

    private ProcessGroup? SplitCore(int color, int key, int[]? globalRanks, ProcessGroupOptions? options)
    {
        IntPtr comm = Mpi.CommSplit(MpiComm.Comm, color, key);
        if (color == Mpi.Undefined) return null;
        int size = Mpi.CommSize(comm);
        if (globalRanks is null)
        {
            // Learn the members' world ranks from the new communicator itself.
            int[] mine = GC.AllocateArray<int>(1, pinned: true);
            globalRanks = GC.AllocateArray<int>(size, pinned: true);
            mine[0] = _globalRanks[Rank];
            unsafe
            {
                fixed (int* m = mine)
                fixed (int* all = globalRanks)
                {
                    IntPtr req = Mpi.Iallgather((IntPtr)m, (IntPtr)all, 1, Mpi.Datatype(MpiDatatype.Int32), comm);
                    Mpi.Wait(ref req);
                }
            }
        }
        string name = "[" + string.Join(",", globalRanks) + "]";
        return new ProcessGroup(new MpiCommunicator(comm, ownsComm: true, name), options?.Clone() ?? _options.Clone(), globalRanks, LocalRank);
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == value) return i;
        }
        return -1;
    }

    private void ThrowIfDisposed(string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, $"{op}: process group {Name} was disposed.");
    }

    /// <summary>
    /// Frees the group's communicators (a subgroup's MPI communicator, NCCL communicators). The world group is
    /// freed at process exit; disposing it is allowed and makes later collectives on it throw.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeNccl();
        MpiComm.Dispose();
        if (ReferenceEquals(this, s_world)) s_world = null;
    }
}
