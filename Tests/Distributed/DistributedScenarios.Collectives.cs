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
        Scenarios["reduce"] = ReduceEveryDType;
        Scenarios["allgather"] = AllGatherForms;
        Scenarios["reducescatter"] = ReduceScatterForms;
        Scenarios["gather-scatter"] = GatherAndScatter;
        Scenarios["alltoall"] = AllToAllForms;
        Scenarios["sendrecv"] = SendRecvRing;
        RegisterAsync();
        RegisterErrors();
        RegisterFunctional();
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

    private static void ReduceEveryDType(ProcessGroup g)
    {
        const int n = 5;
        foreach (DType dtype in AllDTypes)
        {
            foreach (ReduceOp op in new[] { ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min })
            {
                int dst = g.WorldSize - 1;
                using var t = Make(Values(g.Rank, n, dtype), dtype);
                g.Reduce(t, dst, op);
                Expect($"Reduce {dtype} {op} to {dst}", t, g.Rank == dst ? Expected(g.WorldSize, n, dtype, op) : Values(g.Rank, n, dtype));
            }
        }
        using var avg = Make(Values(g.Rank, n, DType.Float64), DType.Float64);
        g.Reduce(avg, 0, ReduceOp.Avg);
        Expect("Reduce Avg to 0", avg, g.Rank == 0 ? Expected(g.WorldSize, n, DType.Float64, ReduceOp.Avg) : Values(g.Rank, n, DType.Float64), 1e-12);
    }

    private static double[] Concat(int worldSize, int n, DType dtype) => [.. Enumerable.Range(0, worldSize).SelectMany(r => Values(r, n, dtype))];

    private static void AllGatherForms(ProcessGroup g)
    {
        const int n = 6;
        foreach (DType dtype in AllDTypes)
        {
            using var input = Make(Values(g.Rank, n, dtype), dtype, [2, 3]);
            // Into a list.
            var outputs = Enumerable.Range(0, g.WorldSize).Select(_ => Tensor.Zeros([2, 3], dtype)).ToArray();
            g.AllGather(outputs, input);
            for (int r = 0; r < g.WorldSize; r++) Expect($"AllGather list {dtype} [{r}]", outputs[r], Values(r, n, dtype));
            // Concatenated along dimension 0, and into a stacked tensor.
            using var cat = g.AllGather(input);
            Expect(cat.Shape.SequenceEqual([2L * g.WorldSize, 3]), $"AllGather shape {string.Join(",", cat.Shape.ToArray())}");
            Expect($"AllGather tensor {dtype}", cat, Concat(g.WorldSize, n, dtype));
            using var stacked = Tensor.Zeros([g.WorldSize, 2, 3], dtype);
            g.AllGatherIntoTensor(stacked, input);
            Expect($"AllGatherIntoTensor {dtype}", stacked, Concat(g.WorldSize, n, dtype));
        }
        // A non-contiguous input and a non-contiguous output.
        using var m = Make(Values(g.Rank, 6, DType.Float32), DType.Float32, [3, 2]);
        using var mt = m.Transpose(0, 1);
        using var wide = Tensor.Zeros([3, 2 * g.WorldSize]);
        using var wideT = wide.Transpose(0, 1);
        g.AllGatherIntoTensor(wideT, mt);
        using var back = wideT.Contiguous();
        var expected = Enumerable.Range(0, g.WorldSize).SelectMany(r =>
        {
            var v = Values(r, 6, DType.Float32);
            return new[] { v[0], v[2], v[4], v[1], v[3], v[5] };
        }).ToArray();
        Expect("AllGather of transposed views", back, expected);
    }

    private static void ReduceScatterForms(ProcessGroup g)
    {
        const int n = 3;
        int w = g.WorldSize;
        foreach (DType dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
        {
            // Rank r contributes Values(r, w*n); rank k receives piece k of the sum.
            var full = Expected(w, w * n, dtype, ReduceOp.Sum);
            var mine = full.Skip(g.Rank * n).Take(n).ToArray();
            using var input = Make(Values(g.Rank, w * n, dtype), dtype);
            using var output = Tensor.Zeros([n], dtype);
            g.ReduceScatterTensor(output, input);
            Expect($"ReduceScatterTensor {dtype}", output, mine);
            var pieces = input.Chunk(w);
            using var output2 = Tensor.Zeros([n], dtype);
            g.ReduceScatter(output2, pieces);
            Expect($"ReduceScatter list {dtype}", output2, mine);
        }
        using var f = Make(Values(g.Rank, w * n, DType.Float64), DType.Float64);
        using var o = Tensor.Zeros([n], DType.Float64);
        g.ReduceScatterTensor(o, f, ReduceOp.Avg);
        Expect("ReduceScatter Avg", o, Expected(w, w * n, DType.Float64, ReduceOp.Avg).Skip(g.Rank * n).Take(n).ToArray(), 1e-12);
    }

    private static void GatherAndScatter(ProcessGroup g)
    {
        const int n = 4;
        foreach (DType dtype in AllDTypes)
        {
            int root = g.WorldSize - 1;
            using var input = Make(Values(g.Rank, n, dtype), dtype);
            Tensor[]? list = g.Rank == root ? [.. Enumerable.Range(0, g.WorldSize).Select(_ => Tensor.Zeros([n], dtype))] : null;
            g.Gather(input, list, root);
            if (list is not null)
            {
                for (int r = 0; r < g.WorldSize; r++) Expect($"Gather {dtype} [{r}]", list[r], Values(r, n, dtype));
            }
            Tensor[]? send = g.Rank == 0 ? [.. Enumerable.Range(0, g.WorldSize).Select(r => Make(Values(r + 7, n, dtype), dtype))] : null;
            using var output = Tensor.Zeros([n], dtype);
            g.Scatter(output, send, 0);
            Expect($"Scatter {dtype}", output, Values(g.Rank + 7, n, dtype));
        }
    }

    private static void AllToAllForms(ProcessGroup g)
    {
        const int n = 2;
        int w = g.WorldSize;
        foreach (DType dtype in AllDTypes)
        {
            // Rank r sends Values(r * w + k) to rank k; rank k receives Values(r * w + k) from each r, in rank order.
            var inputs = Enumerable.Range(0, w).Select(k => Make(Values((g.Rank * w) + k, n, dtype), dtype)).ToArray();
            var outputs = Enumerable.Range(0, w).Select(_ => Tensor.Zeros([n], dtype)).ToArray();
            g.AllToAll(outputs, inputs);
            for (int r = 0; r < w; r++) Expect($"AllToAll {dtype} from {r}", outputs[r], Values((r * w) + g.Rank, n, dtype));
            using var single = Tensor.Cat(inputs);
            using var received = Tensor.Zeros([w * n], dtype);
            g.AllToAllSingle(received, single);
            Expect($"AllToAllSingle {dtype}", received, [.. Enumerable.Range(0, w).SelectMany(r => Values((r * w) + g.Rank, n, dtype))]);
        }
    }

    private static void SendRecvRing(ProcessGroup g)
    {
        int w = g.WorldSize;
        int next = (g.Rank + 1) % w, previous = (g.Rank + w - 1) % w;
        foreach (DType dtype in AllDTypes)
        {
            using var mine = Make(Values(g.Rank, 5, dtype), dtype);
            using var got = Tensor.Zeros([5], dtype);
            // Even ranks send first, odd ones receive first: blocking sends of any size cannot deadlock.
            if (g.Rank % 2 == 0)
            {
                g.Send(mine, next, tag: 3);
                Expect(g.Recv(got, previous, tag: 3) == previous, "Recv returned the wrong sender");
            }
            else
            {
                Expect(g.Recv(got, null, tag: 3) == previous, "Recv from any sender returned the wrong sender");
                g.Send(mine, next, tag: 3);
            }
            Expect($"Recv {dtype}", got, Values(previous, 5, dtype));
        }
        // Into a non-contiguous destination.
        using var src = Make(Values(g.Rank, 6, DType.Float64), DType.Float64, [2, 3]);
        using var dst = Tensor.Zeros([3, 2], DType.Float64);
        using var dstT = dst.Transpose(0, 1);
        var sending = g.SendAsync(src, next, tag: 9);
        g.Recv(dstT, previous, tag: 9);
        sending.Wait();
        using var back = dstT.Contiguous();
        Expect("Recv into a transposed view", back, Values(previous, 6, DType.Float64));
    }
}
