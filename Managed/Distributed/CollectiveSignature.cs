using System.Globalization;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// What a rank is about to call, as a fixed row of numbers the debug mode all-gathers before each collective:
/// collective, dtype, reduction, root, rank count of the shape and its first <see cref="MaxDims"/> sizes.
/// </summary>
internal static class CollectiveSignature
{
    private const int MaxDims = 6;
    public const int Length = 5 + MaxDims;

    private static readonly string[] Collectives =
        ["AllReduce", "Broadcast", "Reduce", "AllGather", "ReduceScatter", "Gather", "Scatter", "AllToAll", "Barrier"];

    public static long[] Of(string collective, Tensor? tensor, ReduceOp? op = null, int root = -1)
    {
        var row = new long[Length];
        row[0] = Array.IndexOf(Collectives, collective);
        row[1] = tensor is null ? -1 : (long)tensor.DType;
        row[2] = op is null ? -1 : (long)op.Value;
        row[3] = root;
        if (tensor is not null)
        {
            row[4] = tensor.Dim;
            for (int d = 0; d < Math.Min(tensor.Dim, MaxDims); d++) row[5 + d] = tensor.Shape[d];
        }
        else
        {
            row[4] = -1;
        }
        return row;
    }

    public static string Describe(ReadOnlySpan<long> row)
    {
        string name = row[0] >= 0 && row[0] < Collectives.Length ? Collectives[row[0]] : "?";
        var parts = new List<string>();
        if (row[1] >= 0)
        {
            int dims = (int)row[4];
            var sizes = new List<string>();
            for (int d = 0; d < Math.Min(dims, MaxDims); d++) sizes.Add(row[5 + d].ToString(CultureInfo.InvariantCulture));
            if (dims > MaxDims) sizes.Add("...");
            parts.Add($"{((DType)row[1]).Name()} [{string.Join(", ", sizes)}]");
        }
        if (row[2] >= 0) parts.Add(((ReduceOp)row[2]).ToString());
        if (row[3] >= 0) parts.Add("root " + row[3].ToString(CultureInfo.InvariantCulture));
        return $"{name}({string.Join(", ", parts)})";
    }

    /// <summary>All-gathers the rows (with the group's timeout) and throws when any differs from this rank's.</summary>
    public static unsafe void Check(MpiCommunicator comm, string collective, long sequence, long[] mine, TimeSpan timeout)
    {
        long[] all = GC.AllocateArray<long>(Length * comm.Size, pinned: true);
        long[] pinnedMine = GC.AllocateArray<long>(Length, pinned: true);
        mine.CopyTo(pinnedMine, 0);
        IntPtr request;
        fixed (long* m = pinnedMine)
        fixed (long* a = all)
        {
            request = Mpi.Iallgather((IntPtr)m, (IntPtr)a, Length, Mpi.Datatype(MpiDatatype.Int64), comm.Comm);
        }
        // The arrays are pinned for their lifetime, so the request may outlive the fixed blocks.
        new MpiWork(comm, collective, sequence, request, null, null, timeout).WaitInline();
        GC.KeepAlive(pinnedMine);
        bool same = true;
        for (int r = 0; r < comm.Size && same; r++)
            same = all.AsSpan(r * Length, Length).SequenceEqual(mine);
        if (same) return;
        var lines = new List<string>();
        for (int r = 0; r < comm.Size; r++)
        {
            var row = all.AsSpan(r * Length, Length);
            lines.Add($"rank {r}: {Describe(row)}{(row.SequenceEqual(mine) ? "" : "  <- differs from rank " + comm.Rank.ToString(CultureInfo.InvariantCulture))}");
        }
        throw new DistributedMismatchException(
            $"{collective} on rank {comm.Rank} of process group {comm.Name}: the ranks called collective #{sequence} with different arguments "
            + $"({ProcessGroupOptions.DebugVariable}=1 checked them):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lines)}{Environment.NewLine}"
            + "Every rank must call the same collective with the same dtype, shape, reduction and root.");
    }
}
