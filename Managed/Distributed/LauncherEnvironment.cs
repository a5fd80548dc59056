using System.Globalization;

namespace CudaTensor.Distributed;

/// <summary>
/// What the launcher told this process: <c>mpirun</c> (Open MPI) sets <c>OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK</c>;
/// Slurm's <c>srun</c> sets <c>SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID</c> (and PMIx <c>PMIX_RANK</c>); torchrun-style
/// launchers set <c>RANK/WORLD_SIZE/LOCAL_RANK</c>. MPI's own rank and size are the truth; these only supply the local
/// rank and catch a process started without its launcher.
/// </summary>
internal sealed record LauncherEnvironment(string Source, int? Rank, int? Size, int? LocalRank)
{
    public static LauncherEnvironment Read()
    {
        (string, string, string)[] sets =
        [
            ("mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
            ("srun", "SLURM_PROCID", "SLURM_NTASKS"),
            ("RANK/WORLD_SIZE", "RANK", "WORLD_SIZE"),
        ];
        int? local = Number("OMPI_COMM_WORLD_LOCAL_RANK") ?? Number("SLURM_LOCALID") ?? Number("MPI_LOCALRANKID") ?? Number("LOCAL_RANK");
        foreach (var (source, rank, size) in sets)
        {
            if (Number(rank) is int r) return new LauncherEnvironment(source, r, Number(size), local);
        }
        return new LauncherEnvironment("none", Number("PMIX_RANK"), null, local);
    }

    /// <summary>Throws when the launcher promised more processes than MPI joined (a process started on its own).</summary>
    public void CheckAgainst(int mpiRank, int mpiSize)
    {
        if (Size is int size && size != mpiSize)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"ProcessGroup.Initialize: the launcher's environment ({Source}) says {size} processes, but MPI joined {mpiSize}. Start the program with mpirun -np {size} (or srun --mpi=pmix), which lets MPI find the other processes; variables such as RANK/WORLD_SIZE alone cannot connect them."));
        if (Rank is int rank && Size is not null && rank != mpiRank)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"ProcessGroup.Initialize: the launcher's environment ({Source}) gives rank {rank}, MPI gives {mpiRank}; they must agree."));
    }

    public string Describe() => Rank is null
        ? "none detected (a world of one process unless MPI was started by a launcher)"
        : string.Create(CultureInfo.InvariantCulture, $"{Source}: rank {Rank} of {Size?.ToString(CultureInfo.InvariantCulture) ?? "?"}, local rank {LocalRank?.ToString(CultureInfo.InvariantCulture) ?? "?"}");

    private static int? Number(string variable)
        => int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;
}
