using CudaTensor.Distributed;
using CudaTensor.Native;

namespace CudaTensor.Tests.Distributed;

public static partial class DistributedScenarios
{
    private static void Register()
    {
        Scenarios["mpi-binding"] = MpiBinding;
        Scenarios["allreduce"] = AllReduceEveryDTypeAndOp;
        Scenarios["broadcast"] = BroadcastEveryDType;
        Scenarios["barrier"] = g => g.Barrier();
    }

    // The raw binding, without the library: MPI_Allreduce of doubles on MPI_COMM_WORLD.
    private static unsafe void MpiBinding(ProcessGroup world)
    {
        double[] data = [world.Rank + 1.0, 2.0 * (world.Rank + 1)];
        fixed (double* p = data)
        {
            Mpi.Allreduce(Mpi.InPlace, (IntPtr)p, 2, Mpi.Datatype(MpiDatatype.Double), Mpi.Op(MpiOp.Sum), Mpi.CommWorld);
        }
        int n = world.WorldSize;
        double sum = n * (n + 1) / 2.0;
        Expect(data[0] == sum && data[1] == 2 * sum, $"MPI_Allreduce gave [{data[0]}, {data[1]}], expected [{sum}, {2 * sum}]");
        Expect(Mpi.CommSize(Mpi.CommWorld) == n && Mpi.CommRank(Mpi.CommWorld) == world.Rank, "MPI_Comm_size/rank disagree with the group");
    }

    private static double Combine(ReduceOp op, DType dtype, IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (dtype == DType.Bool)
            return op is ReduceOp.Sum or ReduceOp.Max ? (v.Any(x => x != 0) ? 1 : 0) : (v.All(x => x != 0) ? 1 : 0);
        return op switch
        {
            ReduceOp.Sum => v.Sum(),
            ReduceOp.Avg => v.Average(),
            ReduceOp.Product => v.Aggregate(1.0, (a, b) => a * b),
            ReduceOp.Min => v.Min(),
            ReduceOp.Max => v.Max(),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
    }

    private static double[] Expected(int worldSize, int n, DType dtype, ReduceOp op)
        => [.. Enumerable.Range(0, n).Select(i => Combine(op, dtype, Enumerable.Range(0, worldSize).Select(r => Values(r, n, dtype)[i])))];

    private static void AllReduceEveryDTypeAndOp(ProcessGroup g)
    {
        const int n = 7;
        foreach (DType dtype in AllDTypes)
        {
            foreach (ReduceOp op in Enum.GetValues<ReduceOp>())
            {
                if (op == ReduceOp.Avg && !dtype.IsFloatingPoint()) continue;
                using var t = Make(Values(g.Rank, n, dtype), dtype);
                g.AllReduce(t, op);
                Expect($"AllReduce {dtype} {op}", t, Expected(g.WorldSize, n, dtype, op), dtype == DType.Float32 ? 1e-4 : 0);
            }
        }
        // Non-contiguous: a transposed view is reduced in place through a staging copy.
        using var m = Make(Values(g.Rank, 6, DType.Float64), DType.Float64, [2, 3]);
        using var mt = m.Transpose(0, 1);
        g.AllReduce(mt);
        Expect("AllReduce of a transposed view", m, Expected(g.WorldSize, 6, DType.Float64, ReduceOp.Sum));
    }

    private static void BroadcastEveryDType(ProcessGroup g)
    {
        foreach (DType dtype in AllDTypes)
        {
            for (int src = 0; src < g.WorldSize; src++)
            {
                using var t = Make(Values(g.Rank, 5, dtype), dtype);
                g.Broadcast(t, src);
                Expect($"Broadcast {dtype} from {src}", t, Values(src, 5, dtype));
            }
        }
    }
}
