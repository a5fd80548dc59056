namespace CudaTensor.Distributed;

public sealed partial class ProcessGroup
{
    /// <summary>
    /// Combines <paramref name="tensor"/> across the ranks with <paramref name="op"/> and leaves the result in it on every
    /// rank (in place, as PyTorch's <c>all_reduce</c>).
    /// </summary>
    /// <param name="tensor">The input and output; same dtype and shape on every rank.</param>
    /// <param name="op">The reduction (default: sum).</param>
    /// <exception cref="DistributedTimeoutException">A rank did not arrive within <see cref="Timeout"/>.</exception>
    /// <exception cref="DistributedMismatchException">In debug mode: the ranks' calls differ.</exception>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduceCore(tensor, op, async: false);

    /// <summary>Starts <see cref="AllReduce"/> and returns at once; the tensor holds the result after <see cref="Work.Wait()"/>.</summary>
    /// <param name="tensor">The input and output.</param>
    /// <param name="op">The reduction.</param>
    /// <returns>The pending operation.</returns>
    public Work AllReduceAsync(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduceCore(tensor, op, async: true);

    private Work AllReduceCore(Tensor tensor, ReduceOp op, bool async)
    {
        const string name = "AllReduce";
        CheckTensors(name, tensor, [], nameof(tensor));
        CheckReduce(name, tensor.DType, op);
        return Launch(name, async, tensor, CollectiveSignature.Of(name, tensor, op), buffers =>
        {
            var b = buffers.Add(StagedTensor.Output(tensor, reads: true));
            IntPtr request = Native.Mpi.Iallreduce(Native.Mpi.InPlace, b.Pointer, MpiTypes.Count(name, tensor.NumElements),
                MpiTypes.Datatype(tensor.DType), MpiTypes.Op(op, tensor.DType), MpiComm.Comm);
            Action average = Averaged(op, b.Data);
            return (request, () => { average(); b.Finish(); });
        }, (a, seq) => NcclAllReduce(tensor, op, a, seq), blocking: (buffers, comm) =>
        {
            var b = buffers.Add(StagedTensor.Output(tensor, reads: true));
            int count = MpiTypes.Count(name, tensor.NumElements);
            IntPtr type = MpiTypes.Datatype(tensor.DType), mop = MpiTypes.Op(op, tensor.DType);
            Action average = Averaged(op, b.Data);
            return (() => Native.Mpi.Allreduce(Native.Mpi.InPlace, b.Pointer, count, type, mop, comm), () => { average(); b.Finish(); });
        }, bytes: Bytes(tensor));
    }

    /// <summary>Copies <paramref name="tensor"/> of rank <paramref name="src"/> into <paramref name="tensor"/> on every other rank.</summary>
    /// <param name="tensor">The root's input, the others' output; same dtype and shape on every rank.</param>
    /// <param name="src">The root's rank in this group.</param>
    public void Broadcast(Tensor tensor, int src) => BroadcastCore(tensor, src, async: false);

    /// <summary>Starts <see cref="Broadcast"/>.</summary>
    /// <param name="tensor">The root's input, the others' output.</param>
    /// <param name="src">The root's rank in this group.</param>
    /// <returns>The pending operation.</returns>
    public Work BroadcastAsync(Tensor tensor, int src) => BroadcastCore(tensor, src, async: true);

    private Work BroadcastCore(Tensor tensor, int src, bool async)
    {
        const string name = "Broadcast";
        CheckTensors(name, tensor, [], nameof(tensor));
        CheckRank(name, src, nameof(src));
        return Launch(name, async, tensor, CollectiveSignature.Of(name, tensor, root: src), buffers =>
        {
            var b = buffers.Add(StagedTensor.Output(tensor, reads: Rank == src));
            IntPtr request = Native.Mpi.Ibcast(b.Pointer, MpiTypes.Count(name, tensor.NumElements), MpiTypes.Datatype(tensor.DType), src, MpiComm.Comm);
            return (request, Rank == src ? null : b.Finish);
        }, (a, seq) => NcclBroadcast(tensor, src, a, seq), blocking: (buffers, comm) =>
        {
            var b = buffers.Add(StagedTensor.Output(tensor, reads: Rank == src));
            int count = MpiTypes.Count(name, tensor.NumElements);
            IntPtr type = MpiTypes.Datatype(tensor.DType);
            return (() => Native.Mpi.Bcast(b.Pointer, count, type, src, comm), Rank == src ? null : b.Finish);
        }, bytes: Bytes(tensor));
    }

    /// <summary>
    /// Combines <paramref name="tensor"/> across the ranks into <paramref name="tensor"/> of rank <paramref name="dst"/>;
    /// the other ranks' tensors are left as they were.
    /// </summary>
    /// <param name="tensor">The input, and the root's output.</param>
    /// <param name="dst">The root's rank in this group.</param>
    /// <param name="op">The reduction.</param>
    public void Reduce(Tensor tensor, int dst, ReduceOp op = ReduceOp.Sum) => ReduceCore(tensor, dst, op, async: false);

    /// <summary>Starts <see cref="Reduce"/>.</summary>
    /// <param name="tensor">The input, and the root's output.</param>
    /// <param name="dst">The root's rank in this group.</param>
    /// <param name="op">The reduction.</param>
    /// <returns>The pending operation.</returns>
    public Work ReduceAsync(Tensor tensor, int dst, ReduceOp op = ReduceOp.Sum) => ReduceCore(tensor, dst, op, async: true);

    private Work ReduceCore(Tensor tensor, int dst, ReduceOp op, bool async)
    {
        const string name = "Reduce";
        CheckTensors(name, tensor, [], nameof(tensor));
        CheckRank(name, dst, nameof(dst));
        CheckReduce(name, tensor.DType, op);
        return Launch(name, async, tensor, CollectiveSignature.Of(name, tensor, op, dst), buffers =>
        {
            bool root = Rank == dst;
            var b = buffers.Add(root ? StagedTensor.Output(tensor, reads: true) : StagedTensor.Input(tensor));
            int count = MpiTypes.Count(name, tensor.NumElements);
            IntPtr request = Native.Mpi.Ireduce(root ? Native.Mpi.InPlace : b.Pointer, root ? b.Pointer : 0, count,
                MpiTypes.Datatype(tensor.DType), MpiTypes.Op(op, tensor.DType), dst, MpiComm.Comm);
            if (!root) return (request, null);
            Action average = Averaged(op, b.Data);
            return (request, () => { average(); b.Finish(); });
        }, (a, seq) => NcclReduce(tensor, dst, op, a, seq));
    }

    private static long Bytes(Tensor tensor) => tensor.NumElements * tensor.DType.ElementSize();

    /// <summary>Waits until every rank of the group has called it.</summary>
    public void Barrier() => BarrierCore(async: false);

    /// <summary>Starts <see cref="Barrier"/>; the returned work completes once every rank has called it.</summary>
    /// <returns>The pending operation.</returns>
    public Work BarrierAsync() => BarrierCore(async: true);

    private Work BarrierCore(bool async)
    {
        const string name = "Barrier";
        return Launch(name, async, null, CollectiveSignature.Of(name, null), _ => (Native.Mpi.Ibarrier(MpiComm.Comm), null));
    }
}
