using CudaTensor.Native;

namespace CudaTensor.Distributed;

public sealed partial class ProcessGroup
{
    /// <summary>Starts an MPI operation: returns the request and what to do once it completes.</summary>
    private delegate (IntPtr Request, Action? Finish) MpiStart(StagedSet buffers);

    /// <summary>Prepares a blocking MPI call on <paramref name="comm"/> (run by the worker) and what to do after it.</summary>
    private delegate (Action Run, Action? Finish) MpiBlocking(StagedSet buffers, IntPtr comm);

    /// <summary>
    /// From this many bytes a collective that has a blocking form runs it on the worker thread (Open MPI's tuned
    /// algorithms); below, as a nonblocking call polled by the caller. Open MPI's nonblocking all-reduce was slower at
    /// every size measured (docs/benchmarks.md), hand-off included, so every size takes the worker.
    /// </summary>
    internal const long BlockingThresholdBytes = 0;

    /// <summary>
    /// Runs one collective: counts it, checks the ranks' signatures in debug mode, then starts it on the backend chosen
    /// for its tensors. Blocking calls poll on the calling thread; async calls hand the request to the progress thread.
    /// </summary>
    private Work Launch(string collective, bool async, Tensor? first, long[]? signature, MpiStart mpi, Func<bool, long, Work>? nccl = null, int? peer = null,
        MpiBlocking? blocking = null, long bytes = 0)
    {
        ThrowIfDisposed(collective);
        DistributedBackend backend = first is null ? DistributedBackend.Mpi : CheckBackend(collective, first);
        // Point-to-point calls are not collectives: they do not advance the count the timeout report compares.
        long sequence = peer is null ? MpiComm.Enter(collective) : MpiComm.Entered;
        if (signature is not null && _options.Debug)
            CollectiveSignature.Check(MpiComm, collective, sequence, signature, Timeout);
        if (backend == DistributedBackend.Nccl)
        {
            if (nccl is null)
                throw new NotSupportedException($"{collective}: not available on the NCCL backend; move the tensors to the CPU for it.");
            return nccl(async, sequence);
        }
        var buffers = new StagedSet();
        if (blocking is not null && bytes >= BlockingThresholdBytes)
        {
            MpiBlockingWork large;
            try
            {
                var (run, then) = blocking(buffers, MpiComm.Worker.Comm);
                large = new MpiBlockingWork(MpiComm, collective, sequence, run, then, buffers, Timeout);
            }
            catch
            {
                buffers.Dispose();
                throw;
            }
            MpiComm.Worker.Enqueue(large);
            if (!async) large.Wait();
            return large;
        }
        IntPtr request;
        Action? finish;
        try
        {
            (request, finish) = mpi(buffers);
        }
        catch
        {
            buffers.Dispose();
            throw;
        }
        var work = new MpiWork(MpiComm, collective, sequence, request, finish, buffers, Timeout) { Peer = peer };
        if (async)
        {
            MpiRuntime.Progress.Add(work);
        }
        else
        {
            work.WaitInline();
        }
        return work;
    }

    private DistributedBackend CheckBackend(string collective, Tensor tensor)
    {
        DistributedBackend backend = BackendFor(tensor);
        if (backend == DistributedBackend.Nccl)
        {
            if (!tensor.Device.IsCuda)
                throw new ArgumentException($"{collective}: the NCCL backend (forced by ProcessGroupOptions.Backend) moves CUDA tensors, but "
                    + $"{tensor.Describe()} is on the CPU. Move it with .To(group.DefaultDevice), or use the Mpi backend for CPU tensors.");
            if (!Nccl.IsAvailable)
                throw new DllNotFoundException($"{collective}: {tensor.Describe()} is a CUDA tensor, which the NCCL backend moves, but "
                    + $"{LibraryResolver.Probe(NativeLibraryKind.Nccl).Describe()}. Install NCCL 2 (libnccl2), or set ProcessGroupOptions.Backend = "
                    + "DistributedBackend.Mpi to move CUDA tensors through host memory.");
        }
        return backend;
    }

    /// <summary>Checks that every tensor of one call is live, on one device and of one dtype.</summary>
    private static void CheckTensors(string collective, Tensor reference, IEnumerable<Tensor> others, string role)
    {
        ArgumentNullException.ThrowIfNull(reference);
        reference.ThrowIfDisposed(collective);
        int i = 0;
        foreach (Tensor t in others)
        {
            if (t is null) throw new ArgumentNullException(role, $"{collective}: {role}[{i}] is null.");
            t.ThrowIfDisposed(collective);
            if (t.DType != reference.DType || t.Device != reference.Device)
                throw new ArgumentException($"{collective}: {role}[{i}] is {t.Describe()}, but the call's tensors must all be "
                    + $"{reference.DType.Name()} on {reference.Device} like {reference.Describe()}.", role);
            i++;
        }
    }

    private static void CheckSameNumel(string collective, Tensor expected, Tensor actual, string role)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            throw new ArgumentException($"{collective}: {role} is {actual.Describe()}, but it must have the shape of {expected.Describe()}.", role);
    }

    private void CheckCount(string collective, int count, string role)
    {
        if (count != WorldSize)
            throw new ArgumentException($"{collective}: {role} has {count} tensor(s), but group {Name} has {WorldSize} rank(s); pass one per rank.", role);
    }

    private void CheckRank(string collective, int rank, string role)
    {
        if (rank < 0 || rank >= WorldSize)
            throw new ArgumentOutOfRangeException(role, rank, $"{collective}: {role} {rank} is not a rank of group {Name} (0..{WorldSize - 1}).");
    }

    private void CheckReduce(string collective, DType dtype, ReduceOp op)
    {
        if (op == ReduceOp.Avg && !dtype.IsFloatingPoint())
            throw new ArgumentException($"{collective}: ReduceOp.Avg needs a floating-point tensor, not {dtype.Name()}; "
                + "reduce with ReduceOp.Sum and divide by WorldSize yourself.", nameof(op));
        ThrowIfDisposed(collective);
    }

    /// <summary>ReduceOp.Avg on MPI: the sum, divided here by the group's size.</summary>
    private Action Averaged(ReduceOp op, Tensor data)
    {
        int size = WorldSize;
        return op == ReduceOp.Avg
            ? () =>
            {
                using var view = data.Detach();
                view.DivInPlace(size);
            }
            : static () => { };
    }

    /// <summary>A host staging tensor holding the list's tensors one after another (for MPI's single-buffer collectives).</summary>
    private static Tensor Pack(IReadOnlyList<Tensor> tensors, Tensor like)
    {
        long n = like.NumElements;
        var flat = Tensor.Empty([n * tensors.Count], like.DType, Device.Cpu);
        for (int i = 0; i < tensors.Count; i++)
        {
            using var piece = flat.Narrow(0, i * n, n);
            using var shaped = piece.View(tensors[i].Shape);
            StagedTensor.CopyInto(shaped, tensors[i]);
        }
        return flat;
    }

    /// <summary>Copies consecutive pieces of a flat host tensor into the list's tensors.</summary>
    private static void Unpack(Tensor flat, IReadOnlyList<Tensor> tensors)
    {
        long start = 0;
        foreach (Tensor t in tensors)
        {
            long n = t.NumElements;
            using var piece = flat.Narrow(0, start, n);
            using var shaped = piece.View(t.Shape);
            StagedTensor.CopyInto(t, shaped);
            start += n;
        }
    }

    private static unsafe IntPtr PointerOf(Tensor hostContiguous)
        => (IntPtr)(((Memory.CpuStorage)hostContiguous.Storage).Pointer + (hostContiguous.StorageOffset * hostContiguous.DType.ElementSize()));
}
