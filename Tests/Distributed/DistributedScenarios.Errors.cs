using CudaTensor.Distributed;
using CudaTensor.Native;

namespace CudaTensor.Tests.Distributed;

/// <summary>A scenario that cannot run here (no GPU, no NCCL): reported as SKIP with the reason.</summary>
public sealed class ScenarioSkippedException(string reason) : Exception(reason);

public static partial class DistributedScenarios
{
    private static void RegisterErrors()
    {
        Scenarios["timeout"] = TimeoutNamesTheMissingRank;
        Scenarios["debug-mismatch"] = DebugModeFindsMismatchedCalls;
        Scenarios["bad-arguments"] = BadArgumentsFailBeforeCommunicating;
        Scenarios["subgroups"] = Subgroups;
        Scenarios["cuda-through-mpi"] = CudaTensorsThroughMpi;
        Scenarios["nccl"] = NcclCollectives;
    }

    private static T Throws<T>(string what, Action action) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            return e;
        }
        throw new InvalidOperationException($"{what}: no {typeof(T).Name} was thrown");
    }

    private static void Contains(Exception e, params string[] parts)
    {
        foreach (string part in parts)
            Expect(e.Message.Contains(part, StringComparison.Ordinal), $"the {e.GetType().Name} message lacks '{part}': {e.Message}");
    }

    // Rank 1 of a two-rank group does not come: rank 0's all-reduce times out and names it. Rank 1 then joins the
    // abandoned all-reduce, which completes it, so the job ends cleanly.
    private static void TimeoutNamesTheMissingRank(ProcessGroup world)
    {
        using var g = world.NewGroup([0, 1], new ProcessGroupOptions { Timeout = TimeSpan.FromSeconds(1) });
        if (g is not null)
        {
            using var t = Tensor.Ones([4]);
            if (g.Rank == 0)
            {
                var e = Throws<DistributedTimeoutException>("AllReduce with a missing rank", () => g.AllReduce(t));
                Expect(e.MissingRanks.SequenceEqual([1]) && e.Rank == 0 && e.Collective == "AllReduce",
                    $"MissingRanks [{string.Join(",", e.MissingRanks)}], Rank {e.Rank}, Collective {e.Collective}");
                Contains(e, "AllReduce timed out", "rank 0 of 2", "collective #1 (AllReduce)", "rank(s) 1 did not arrive", "rank 1 is at no collective yet");
                var after = Throws<InvalidOperationException>("a collective after the timeout", () => g.Barrier());
                Contains(after, "can no longer be used");
                using var go = Tensor.Ones([1]);
                world.Send(go, 1, tag: 77);
            }
            else
            {
                using var go = Tensor.Zeros([1]);
                world.Recv(go, 0, tag: 77);
                g.AllReduce(t);
                Expect("the late rank's all-reduce", t, [2, 2, 2, 2]);
            }
        }
        world.Barrier();
    }

    private static void DebugModeFindsMismatchedCalls(ProcessGroup world)
    {
        using var g = world.NewGroup([.. Enumerable.Range(0, world.WorldSize)], new ProcessGroupOptions { Debug = true })!;
        using var t = Tensor.Ones([g.Rank == 0 ? 3 : 4]);
        var shape = Throws<DistributedMismatchException>("AllReduce of different shapes", () => g.AllReduce(t));
        Contains(shape, "rank 0: AllReduce(float32 [3], Sum)", "rank 1: AllReduce(float32 [4], Sum)", "collective #1");
        using var d = g.Rank == 0 ? Tensor.Ones([2]) : Tensor.Ones([2], DType.Float64);
        var kind = Throws<DistributedMismatchException>("different collectives", () =>
        {
            if (g.Rank == 0) g.Broadcast(d, 0);
            else g.AllReduce(d);
        });
        Contains(kind, "rank 0: Broadcast(float32 [2], root 0)", "rank 1: AllReduce(float64 [2], Sum)");
        // The signature exchange kept the ranks in step: the group still works.
        using var ok = Tensor.Ones([2]);
        g.AllReduce(ok);
        Expect("AllReduce after the mismatches", ok, [g.WorldSize, g.WorldSize]);
    }

    private static void BadArgumentsFailBeforeCommunicating(ProcessGroup g)
    {
        using var ints = Tensor.Ones([2], DType.Int32);
        Contains(Throws<ArgumentException>("Avg on int32", () => g.AllReduce(ints, ReduceOp.Avg)), "AllReduce", "ReduceOp.Avg", "int32");
        Contains(Throws<ArgumentOutOfRangeException>("a root out of range", () => g.Broadcast(ints, g.WorldSize)), "Broadcast", "not a rank");
        Contains(Throws<ArgumentException>("a list of the wrong length", () => g.AllGather([ints], ints)), "AllGather", "pass one per rank");
        Contains(Throws<ArgumentException>("send to self", () => g.Send(ints, g.Rank)), "Send", "this rank");
        using var floats = Tensor.Ones([2]);
        Contains(Throws<ArgumentException>("mixed dtypes", () => g.AllGather([floats, floats], ints)), "AllGather", "float32", "int32");
        using var nccl = g.NewGroup([.. Enumerable.Range(0, g.WorldSize)], new ProcessGroupOptions { Backend = DistributedBackend.Nccl })!;
        Contains(Throws<ArgumentException>("a CPU tensor on the NCCL backend", () => nccl.AllReduce(floats)), "AllReduce", "NCCL backend", "on the CPU");
        // Nothing was sent: the group is in step.
        g.AllReduce(floats);
        Expect("AllReduce after the errors", floats, [g.WorldSize, g.WorldSize]);
    }

    // Needs 4 ranks: a 2 x 2 layout of tensor-parallel pairs and data-parallel pairs, and a group of two of the four.
    private static void Subgroups(ProcessGroup world)
    {
        Expect(world.WorldSize == 4, $"the subgroup scenario needs 4 ranks, not {world.WorldSize}");
        using var odd = world.NewGroup([3, 1]);
        Expect((odd is null) == (world.Rank % 2 == 0), "NewGroup membership");
        if (odd is not null)
        {
            Expect(odd.WorldSize == 2 && odd.Rank == (world.Rank == 3 ? 0 : 1), $"NewGroup rank {odd.Rank} of {odd.WorldSize}");
            Expect(odd.GlobalRanks.SequenceEqual([3, 1]), "NewGroup global ranks");
            using var t = Tensor.Full([2], (double)world.Rank, DType.Float64);
            odd.AllReduce(t);
            Expect("AllReduce in [3,1]", t, [4, 4]);
            odd.Broadcast(t, 0); // group rank 0 is world rank 3
        }
        int tp = 2;
        using var tensorParallel = world.Split(world.Rank / tp, world.Rank)!;
        using var dataParallel = world.Split(world.Rank % tp, world.Rank)!;
        Expect(tensorParallel.GlobalRanks.SequenceEqual([world.Rank / tp * tp, (world.Rank / tp * tp) + 1]), "tensor-parallel members");
        Expect(dataParallel.GlobalRanks.SequenceEqual([world.Rank % tp, (world.Rank % tp) + tp]), "data-parallel members");
        using var x = Tensor.Full([3], (double)world.Rank, DType.Float64);
        using var y = x.Clone();
        tensorParallel.AllReduce(x);
        dataParallel.AllReduce(y);
        double tpSum = tensorParallel.GlobalRanks.Sum(), dpSum = dataParallel.GlobalRanks.Sum();
        Expect("tensor-parallel AllReduce", x, [tpSum, tpSum, tpSum]);
        Expect("data-parallel AllReduce", y, [dpSum, dpSum, dpSum]);
        Expect(world.Split(-1, 0) is null, "a negative color joins no group");
    }

    private static void CudaTensorsThroughMpi(ProcessGroup world)
    {
        if (!Cuda.IsAvailable) throw new ScenarioSkippedException("no CUDA device (set CUDATENSOR_VIRTUAL_DEVICE=1 for the virtual one): " + Cuda.UnavailableReason);
        var device = Device.Cuda(0);
        if (!Nccl.IsAvailable)
        {
            using var t = Make(Values(world.Rank, 3, DType.Float32), DType.Float32).To(device);
            Contains(Throws<DllNotFoundException>("a CUDA tensor without NCCL", () => world.AllReduce(t)), "AllReduce", "NCCL", "DistributedBackend.Mpi");
        }
        using var g = world.NewGroup([.. Enumerable.Range(0, world.WorldSize)], new ProcessGroupOptions { Backend = DistributedBackend.Mpi })!;
        using var host = Make(Values(world.Rank, 6, DType.Float32), DType.Float32, [2, 3]);
        using var x = host.To(device);
        g.AllReduce(x);
        Expect("AllReduce of a CUDA tensor through MPI", x, Expected(world.WorldSize, 6, DType.Float32, ReduceOp.Sum), 1e-4);
        Expect(x.Device == device, "the result left the device");
        using var xt = x.Transpose(0, 1);
        using var gathered = g.AllGather(xt);
        Expect(gathered.Device == device && gathered.Shape[0] == 3 * world.WorldSize, "AllGather of a CUDA view");
        using var b = Make(Values(world.Rank, 4, DType.Int64), DType.Int64).To(device);
        g.BroadcastAsync(b, 0).Wait();
        Expect("BroadcastAsync of a CUDA tensor through MPI", b, Values(0, 4, DType.Int64));
    }

    // One rank is enough to prove the binding (a GPU cannot hold two ranks' NCCL communicators).
    private static void NcclCollectives(ProcessGroup world)
    {
        if (!Nccl.IsAvailable) throw new ScenarioSkippedException(LibraryResolver.Probe(NativeLibraryKind.Nccl).Describe());
        if (!Cuda.IsAvailable || Native.LibraryResolver.VirtualDeviceDescription is not null)
            throw new ScenarioSkippedException("NCCL needs a real GPU: " + (Cuda.UnavailableReason ?? "the virtual device is in use"));
        var device = world.DefaultDevice;
        Expect(world.BackendFor(Tensor.Zeros([1], device: device)) == DistributedBackend.Nccl, "CUDA tensors choose NCCL");
        int w = world.WorldSize;
        foreach (DType dtype in AllDTypes)
        {
            using var t = Make(Values(world.Rank, 5, dtype), dtype).To(device);
            world.AllReduce(t, ReduceOp.Max);
            Expect($"NCCL AllReduce {dtype}", t, Expected(w, 5, dtype, ReduceOp.Max));
        }
        using var f = Make(Values(world.Rank, 6, DType.Float32), DType.Float32, [2, 3]).To(device);
        using var ft = f.Transpose(0, 1);
        world.AllReduce(ft, ReduceOp.Avg);
        Expect("NCCL AllReduce Avg of a view", f, Expected(w, 6, DType.Float32, ReduceOp.Avg), 1e-5);
        using var b = Make(Values(world.Rank, 4, DType.Float64), DType.Float64).To(device);
        world.Broadcast(b, 0);
        Expect("NCCL Broadcast", b, Values(0, 4, DType.Float64));
        using var gathered = world.AllGather(b);
        Expect("NCCL AllGather", gathered, [.. Enumerable.Range(0, w).SelectMany(_ => Values(0, 4, DType.Float64))]);
        using var piece = Tensor.Zeros([4], DType.Float64, device);
        world.ReduceScatterTensorAsync(piece, gathered).Wait();
        Expect("NCCL ReduceScatter", piece, [.. Values(0, 4, DType.Float64).Select(v => v * w)]);
        using var r = Make(Values(world.Rank, 3, DType.Int32), DType.Int32).To(device);
        world.Reduce(r, 0);
        Expect("NCCL Reduce", r, Expected(w, 3, DType.Int32, ReduceOp.Sum));
        var list = Enumerable.Range(0, w).Select(_ => Tensor.Zeros([3], DType.Int32, device)).ToArray();
        world.Gather(r, world.Rank == 0 ? list : null, 0);
        using var a2a = Tensor.Zeros([3 * w], DType.Int32, device);
        using var cat = Tensor.Cat(Enumerable.Range(0, w).Select(_ => r).ToArray());
        world.AllToAllSingle(a2a, cat);
        Expect("NCCL AllToAll", a2a, [.. Enumerable.Range(0, w).SelectMany(_ => Expected(w, 3, DType.Int32, ReduceOp.Sum))]);
        Work work = world.AllReduceAsync(f);
        work.Wait();
        Expect(work.IsCompleted, "NCCL work not complete after Wait and a synchronize");
    }
}
