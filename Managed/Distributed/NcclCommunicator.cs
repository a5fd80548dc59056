using CudaTensor.Backends.Cuda;
using CudaTensor.CudaRuntime;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// An NCCL communicator of one process group on one device, and its communication stream. Created on the first CUDA
/// collective: rank 0 makes the unique id, MPI broadcasts it over the group, every rank joins with ncclCommInitRank.
/// Collectives run on the communication stream, which first waits for the compute stream's work up to the call
/// (an event) and records an event after the collective, so that neither stream waits on the host.
/// </summary>
internal sealed class NcclCommunicator : IDisposable
{
    private IntPtr _comm;

    private NcclCommunicator(IntPtr comm, Device device, CudaStream stream)
    {
        _comm = comm;
        Device = device;
        Stream = stream;
    }

    public Device Device { get; }

    /// <summary>The stream NCCL's kernels run on.</summary>
    public CudaStream Stream { get; }

    public IntPtr Handle => _comm != 0 ? _comm : throw new ObjectDisposedException(nameof(NcclCommunicator), "The NCCL communicator was destroyed (the group was disposed or aborted).");

    /// <summary>Joins the group's NCCL communicator on <paramref name="device"/> (collective over the group's ranks).</summary>
    public static unsafe NcclCommunicator Create(MpiCommunicator mpi, Device device, long sequence, TimeSpan timeout)
    {
        byte[] id = GC.AllocateArray<byte>(NcclUniqueId.Bytes, pinned: true);
        if (mpi.Rank == 0) Nccl.GetUniqueId().ToArray().CopyTo(id, 0);
        IntPtr request;
        fixed (byte* p = id)
        {
            request = Mpi.Ibcast((IntPtr)p, NcclUniqueId.Bytes, Mpi.Datatype(MpiDatatype.Byte), 0, mpi.Comm);
        }
        new MpiWork(mpi, "NcclInit", sequence, request, null, null, timeout).WaitInline();
        var context = CudaDeviceContext.For(device.Index);
        context.MakeCurrent();
        IntPtr comm = Nccl.CommInitRank(mpi.Size, NcclUniqueId.FromBytes(id), mpi.Rank);
        return new NcclCommunicator(comm, device, new CudaStream(device));
    }

    /// <summary>Device address of a contiguous CUDA tensor's element 0, noting that the communication stream uses its memory.</summary>
    public ulong Address(Tensor tensor)
    {
        var storage = (CudaStorage)tensor.Storage;
        storage.UseOn(Stream.Handle);
        return storage.Address + (ulong)(tensor.StorageOffset * tensor.DType.ElementSize());
    }

    /// <summary>Orders the communication stream after the work queued so far on <paramref name="compute"/>.</summary>
    public void After(CudaStream compute)
    {
        using var ready = compute.RecordEvent();
        Stream.Wait(ready);
        CudaDeviceContext.For(Device.Index).MakeCurrent();
    }

    /// <summary>Throws the error NCCL hit in the background, if any (then the communicator is aborted).</summary>
    public void CheckAsyncError(string collective)
    {
        NcclResult error = Nccl.CommGetAsyncError(Handle);
        if (error is NcclResult.ncclSuccess or NcclResult.ncclInProgress) return;
        Abort();
        throw new NcclException(error, $"{collective} (reported by ncclCommGetAsyncError; the communicator was aborted)");
    }

    /// <summary>Ends the communicator at once (after a timeout or an asynchronous error): pending NCCL kernels are cancelled.</summary>
    public void Abort()
    {
        IntPtr comm = Interlocked.Exchange(ref _comm, 0);
        if (comm != 0) Nccl.CommAbort(comm);
    }

    public void Dispose()
    {
        IntPtr comm = Interlocked.Exchange(ref _comm, 0);
        if (comm != 0) Nccl.CommDestroy(comm);
        Stream.Dispose();
    }

    public static NcclDataType DataType(DType dtype) => dtype switch
    {
        DType.Float32 => NcclDataType.ncclFloat32,
        DType.Float64 => NcclDataType.ncclFloat64,
        DType.Int32 => NcclDataType.ncclInt32,
        DType.Int64 => NcclDataType.ncclInt64,
        DType.Bool => NcclDataType.ncclUint8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "No NCCL datatype for this dtype."),
    };

    /// <summary>
    /// The NCCL reduction; booleans (bytes of 0 or 1) reduce with max for Sum/Max and min for Product/Min.
    /// ReduceOp.Avg maps to ncclAvg, which NCCL has since 2.10; older versions sum and the caller divides.
    /// </summary>
    public static NcclRedOp RedOp(ReduceOp op, DType dtype) => dtype == DType.Bool
        ? op is ReduceOp.Sum or ReduceOp.Max ? NcclRedOp.ncclMax : NcclRedOp.ncclMin
        : op switch
        {
            ReduceOp.Sum => NcclRedOp.ncclSum,
            ReduceOp.Avg => HasAvg ? NcclRedOp.ncclAvg : NcclRedOp.ncclSum,
            ReduceOp.Product => NcclRedOp.ncclProd,
            ReduceOp.Min => NcclRedOp.ncclMin,
            ReduceOp.Max => NcclRedOp.ncclMax,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction."),
        };

    /// <summary>ncclAvg exists from NCCL 2.10.0 (version code 21000).</summary>
    public static bool HasAvg => Nccl.TryGetVersion() >= 21000;
}
