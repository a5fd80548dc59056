namespace CudaTensor.Distributed;

public sealed partial class ProcessGroup
{
    /// <summary>Sends <paramref name="tensor"/> to rank <paramref name="dst"/>, which receives it with <see cref="Recv"/> (PyTorch's <c>send</c>).</summary>
    /// <param name="tensor">The data.</param>
    /// <param name="dst">The receiver's rank in this group.</param>
    /// <param name="tag">Matches a send with a receive of the same tag (non-negative).</param>
    public void Send(Tensor tensor, int dst, int tag = 0) => SendCore(tensor, dst, tag, async: false);

    /// <summary>Starts <see cref="Send"/> (PyTorch's <c>isend</c>); the tensor must not change until the work completes.</summary>
    /// <param name="tensor">The data.</param>
    /// <param name="dst">The receiver's rank.</param>
    /// <param name="tag">The tag.</param>
    /// <returns>The pending operation.</returns>
    public Work SendAsync(Tensor tensor, int dst, int tag = 0) => SendCore(tensor, dst, tag, async: true);

    /// <summary>
    /// Receives into <paramref name="tensor"/> what rank <paramref name="src"/> sent (PyTorch's <c>recv</c>); the sender's
    /// tensor must have the same dtype and number of elements.
    /// </summary>
    /// <param name="tensor">The destination.</param>
    /// <param name="src">The sender's rank in this group, or null for any sender.</param>
    /// <param name="tag">The tag.</param>
    /// <returns>The sender's rank.</returns>
    public int Recv(Tensor tensor, int? src = null, int tag = 0)
    {
        var work = (MpiWork)RecvCore(tensor, src, tag, async: false);
        return work.Source;
    }

    /// <summary>Starts <see cref="Recv"/> (PyTorch's <c>irecv</c>).</summary>
    /// <param name="tensor">The destination.</param>
    /// <param name="src">The sender's rank, or null for any sender.</param>
    /// <param name="tag">The tag.</param>
    /// <returns>The pending operation.</returns>
    public Work RecvAsync(Tensor tensor, int? src = null, int tag = 0) => RecvCore(tensor, src, tag, async: true);

    private Work SendCore(Tensor tensor, int dst, int tag, bool async)
    {
        const string name = "Send";
        CheckTensors(name, tensor, [], nameof(tensor));
        CheckPeer(name, dst, nameof(dst), tag);
        return Launch(name, async, tensor, null, buffers =>
        {
            var b = buffers.Add(StagedTensor.Input(tensor));
            return (Native.Mpi.Isend(b.Pointer, MpiTypes.Count(name, tensor.NumElements), MpiTypes.Datatype(tensor.DType), dst, tag, MpiComm.Comm), null);
        }, (a, _) => NcclSend(tensor, dst, a), peer: dst);
    }

    private Work RecvCore(Tensor tensor, int? src, int tag, bool async)
    {
        const string name = "Recv";
        CheckTensors(name, tensor, [], nameof(tensor));
        if (src is int s) CheckPeer(name, s, nameof(src), tag);
        else if (BackendFor(tensor) == DistributedBackend.Nccl)
            throw new ArgumentException($"{name}: the NCCL backend needs the sender's rank (src); any-source receives are MPI only.", nameof(src));
        return Launch(name, async, tensor, null, buffers =>
        {
            var b = buffers.Add(StagedTensor.Output(tensor, reads: false));
            return (Native.Mpi.Irecv(b.Pointer, MpiTypes.Count(name, tensor.NumElements), MpiTypes.Datatype(tensor.DType),
                src ?? Native.Mpi.AnySource, tag, MpiComm.Comm), b.Finish);
        }, (a, _) => NcclRecv(tensor, src!.Value, a), peer: src ?? -1);
    }

    private void CheckPeer(string op, int peer, string role, int tag)
    {
        CheckRank(op, peer, role);
        if (peer == Rank) throw new ArgumentException($"{op}: {role} {peer} is this rank; a rank cannot {op.ToLowerInvariant()} to itself.", role);
        if (tag < 0) throw new ArgumentOutOfRangeException(nameof(tag), tag, $"{op}: tags are non-negative.");
    }
}
