using CudaTensor.Native;

namespace CudaTensor.Distributed;

// The NCCL paths of the collectives: CUDA tensors, one communicator per group and device, work on its
// communication stream (see NcclCommunicator). NCCL has no gather, scatter or all-to-all: those are grouped
// sends and receives, as in PyTorch's NCCL backend.
public sealed partial class ProcessGroup
{
    private readonly Dictionary<int, NcclCommunicator> _nccl = [];

    private NcclCommunicator NcclFor(Device device, long sequence)
    {
        lock (_nccl)
        {
            if (!_nccl.TryGetValue(device.Index, out var comm))
            {
                comm = NcclCommunicator.Create(MpiComm, device, sequence, Timeout);
                _nccl[device.Index] = comm;
            }
            return comm;
        }
    }

    private void DisposeNccl()
    {
        lock (_nccl)
        {
            foreach (var comm in _nccl.Values) comm.Dispose();
            _nccl.Clear();
        }
    }

    /// <summary>A contiguous tensor with <paramref name="tensor"/>'s values (or uninitialized), on its device; the tensor itself when contiguous.</summary>
    private static Tensor DeviceContiguous(Tensor tensor, bool reads)
    {
        if (tensor.IsContiguous) return tensor;
        if (!reads) return Tensor.Empty(tensor.Shape, tensor.DType, tensor.Device);
        using var detached = tensor.Detach();
        return detached.Clone();
    }

    /// <summary>The host step after an NCCL collective that wrote <paramref name="data"/> for <paramref name="user"/>.</summary>
    private static Action WroteBack(Tensor user, Tensor data, Action? before = null) => () =>
    {
        before?.Invoke();
        if (ReferenceEquals(user, data))
        {
            user.BumpVersion();
        }
        else
        {
            StagedTensor.CopyInto(user, data);
            data.Dispose();
        }
    };

    private NcclWork Enqueue(string collective, long sequence, bool async, Device device, Func<NcclCommunicator, Action?> enqueue)
    {
        NcclCommunicator nccl = NcclFor(device, sequence);
        nccl.After(Cuda.CurrentStream(device));
        Action? then = enqueue(nccl);
        var work = new NcclWork(nccl, MpiComm, collective, sequence, Timeout, then);
        if (!async) work.Complete();
        return work;
    }

    private Action? AverageIfNeeded(ReduceOp op, Tensor data)
        => op == ReduceOp.Avg && !NcclCommunicator.HasAvg ? Averaged(op, data) : null;

    private NcclWork NcclAllReduce(Tensor tensor, ReduceOp op, bool async, long sequence)
    {
        Tensor data = DeviceContiguous(tensor, reads: true);
        return Enqueue("AllReduce", sequence, async, tensor.Device, nccl =>
        {
            ulong p = nccl.Address(data);
            Nccl.AllReduce(p, p, (ulong)data.NumElements, NcclCommunicator.DataType(data.DType), NcclCommunicator.RedOp(op, data.DType), nccl.Handle, nccl.Stream.Handle);
            return WroteBack(tensor, data, AverageIfNeeded(op, data));
        });
    }

    private NcclWork NcclBroadcast(Tensor tensor, int src, bool async, long sequence)
    {
        Tensor data = DeviceContiguous(tensor, reads: Rank == src);
        return Enqueue("Broadcast", sequence, async, tensor.Device, nccl =>
        {
            ulong p = nccl.Address(data);
            Nccl.Broadcast(p, p, (ulong)data.NumElements, NcclCommunicator.DataType(data.DType), src, nccl.Handle, nccl.Stream.Handle);
            return WroteBack(tensor, data);
        });
    }

    private NcclWork NcclReduce(Tensor tensor, int dst, ReduceOp op, bool async, long sequence)
    {
        Tensor data = DeviceContiguous(tensor, reads: true);
        return Enqueue("Reduce", sequence, async, tensor.Device, nccl =>
        {
            ulong p = nccl.Address(data);
            Nccl.Reduce(p, p, (ulong)data.NumElements, NcclCommunicator.DataType(data.DType), NcclCommunicator.RedOp(op, data.DType), dst, nccl.Handle, nccl.Stream.Handle);
            return Rank == dst ? WroteBack(tensor, data, AverageIfNeeded(op, data)) : Disposer(tensor, data);
        });
    }

    private NcclWork NcclAllGather(Tensor output, Tensor input, bool async, long sequence)
    {
        Tensor i = DeviceContiguous(input, reads: true), o = DeviceContiguous(output, reads: false);
        return Enqueue("AllGather", sequence, async, input.Device, nccl =>
        {
            Nccl.AllGather(nccl.Address(i), nccl.Address(o), (ulong)i.NumElements, NcclCommunicator.DataType(i.DType), nccl.Handle, nccl.Stream.Handle);
            return Then(Disposer(input, i), WroteBack(output, o));
        });
    }

    private NcclWork NcclReduceScatter(Tensor output, Tensor input, ReduceOp op, bool async, long sequence)
    {
        Tensor i = DeviceContiguous(input, reads: true), o = DeviceContiguous(output, reads: false);
        return Enqueue("ReduceScatter", sequence, async, output.Device, nccl =>
        {
            Nccl.ReduceScatter(nccl.Address(i), nccl.Address(o), (ulong)o.NumElements, NcclCommunicator.DataType(o.DType),
                NcclCommunicator.RedOp(op, o.DType), nccl.Handle, nccl.Stream.Handle);
            return Then(Disposer(input, i), WroteBack(output, o, AverageIfNeeded(op, o)));
        });
    }

    private Work NcclGather(Tensor input, IReadOnlyList<Tensor> list, int dst, bool async, long sequence)
    {
        Tensor i = DeviceContiguous(input, reads: true);
        long n = i.NumElements;
        Tensor? flat = Rank == dst ? Tensor.Empty([WorldSize * n], input.DType, input.Device) : null;
        NcclWork work = Enqueue("Gather", sequence, async, input.Device, nccl =>
        {
            var type = NcclCommunicator.DataType(i.DType);
            ulong size = (ulong)(n * i.DType.ElementSize());
            Nccl.GroupStart();
            try
            {
                if (flat is null)
                {
                    Nccl.Send(nccl.Address(i), (ulong)n, type, dst, nccl.Handle, nccl.Stream.Handle);
                }
                else
                {
                    ulong f = nccl.Address(flat);
                    for (int r = 0; r < WorldSize; r++)
                    {
                        if (r == Rank) Nccl.Send(nccl.Address(i), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                        Nccl.Recv(f + ((ulong)r * size), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                    }
                }
            }
            finally
            {
                Nccl.GroupEnd();
            }
            return Disposer(input, i);
        });
        return flat is null ? work : new ThenWork(work, () => { using (flat) Unpack(flat, list); });
    }

    private NcclWork NcclScatter(Tensor output, IReadOnlyList<Tensor> list, int src, bool async, long sequence)
    {
        Tensor o = DeviceContiguous(output, reads: false);
        long n = o.NumElements;
        Tensor? flat = null;
        if (Rank == src)
        {
            using var host = Pack(list, output);
            flat = host.To(output.Device);
        }
        return Enqueue("Scatter", sequence, async, output.Device, nccl =>
        {
            var type = NcclCommunicator.DataType(o.DType);
            ulong size = (ulong)(n * o.DType.ElementSize());
            Nccl.GroupStart();
            try
            {
                if (flat is null)
                {
                    Nccl.Recv(nccl.Address(o), (ulong)n, type, src, nccl.Handle, nccl.Stream.Handle);
                }
                else
                {
                    ulong f = nccl.Address(flat);
                    for (int r = 0; r < WorldSize; r++)
                    {
                        Nccl.Send(f + ((ulong)r * size), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                        if (r == Rank) Nccl.Recv(nccl.Address(o), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                    }
                }
            }
            finally
            {
                Nccl.GroupEnd();
            }
            return WroteBack(output, o, flat is null ? null : flat.Dispose);
        });
    }

    private NcclWork NcclAllToAll(Tensor output, Tensor input, bool async, long sequence)
    {
        Tensor i = DeviceContiguous(input, reads: true), o = DeviceContiguous(output, reads: false);
        long n = i.NumElements / WorldSize;
        return Enqueue("AllToAll", sequence, async, input.Device, nccl =>
        {
            var type = NcclCommunicator.DataType(i.DType);
            ulong size = (ulong)(n * i.DType.ElementSize()), send = nccl.Address(i), recv = nccl.Address(o);
            Nccl.GroupStart();
            try
            {
                for (int r = 0; r < WorldSize; r++)
                {
                    Nccl.Send(send + ((ulong)r * size), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                    Nccl.Recv(recv + ((ulong)r * size), (ulong)n, type, r, nccl.Handle, nccl.Stream.Handle);
                }
            }
            finally
            {
                Nccl.GroupEnd();
            }
            return Then(Disposer(input, i), WroteBack(output, o));
        });
    }

    private NcclWork NcclSend(Tensor tensor, int dst, bool async)
    {
        Tensor data = DeviceContiguous(tensor, reads: true);
        return Enqueue("Send", MpiComm.Entered, async, tensor.Device, nccl =>
        {
            Nccl.Send(nccl.Address(data), (ulong)data.NumElements, NcclCommunicator.DataType(data.DType), dst, nccl.Handle, nccl.Stream.Handle);
            return Disposer(tensor, data);
        });
    }

    private NcclWork NcclRecv(Tensor tensor, int src, bool async)
    {
        Tensor data = DeviceContiguous(tensor, reads: false);
        return Enqueue("Recv", MpiComm.Entered, async, tensor.Device, nccl =>
        {
            Nccl.Recv(nccl.Address(data), (ulong)data.NumElements, NcclCommunicator.DataType(data.DType), src, nccl.Handle, nccl.Stream.Handle);
            return WroteBack(tensor, data);
        });
    }

    private static Action Disposer(Tensor user, Tensor data) => ReferenceEquals(user, data) ? static () => { } : data.Dispose;

    private static Action Then(Action first, Action second) => () =>
    {
        first();
        second();
    };
}
