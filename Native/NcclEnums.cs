namespace CudaTensor.Native;

#pragma warning disable CA1707 // nccl.h's names.

/// <summary>NCCL status codes (<c>ncclResult_t</c> in nccl.h).</summary>
public enum NcclResult
{
    /// <summary>ncclSuccess.</summary>
    ncclSuccess = 0,

    /// <summary>ncclUnhandledCudaError: a CUDA call inside NCCL failed.</summary>
    ncclUnhandledCudaError = 1,

    /// <summary>ncclSystemError: a system call (socket, shared memory) failed.</summary>
    ncclSystemError = 2,

    /// <summary>ncclInternalError: a bug or corruption inside NCCL.</summary>
    ncclInternalError = 3,

    /// <summary>ncclInvalidArgument: a bad pointer, count, rank or type.</summary>
    ncclInvalidArgument = 4,

    /// <summary>ncclInvalidUsage: the calls were made in a wrong order or combination.</summary>
    ncclInvalidUsage = 5,

    /// <summary>ncclRemoteError: another rank failed or the network went down (NCCL 2.11+).</summary>
    ncclRemoteError = 6,

    /// <summary>ncclInProgress: a nonblocking communicator's operation has not finished yet (NCCL 2.14+).</summary>
    ncclInProgress = 7,
}

/// <summary>NCCL element types (<c>ncclDataType_t</c> in nccl.h).</summary>
public enum NcclDataType
{
    /// <summary>ncclInt8 (also ncclChar).</summary>
    ncclInt8 = 0,

    /// <summary>ncclUint8.</summary>
    ncclUint8 = 1,

    /// <summary>ncclInt32 (also ncclInt).</summary>
    ncclInt32 = 2,

    /// <summary>ncclUint32.</summary>
    ncclUint32 = 3,

    /// <summary>ncclInt64.</summary>
    ncclInt64 = 4,

    /// <summary>ncclUint64.</summary>
    ncclUint64 = 5,

    /// <summary>ncclFloat16 (also ncclHalf).</summary>
    ncclFloat16 = 6,

    /// <summary>ncclFloat32 (also ncclFloat).</summary>
    ncclFloat32 = 7,

    /// <summary>ncclFloat64 (also ncclDouble).</summary>
    ncclFloat64 = 8,

    /// <summary>ncclBfloat16 (NCCL 2.10+ built with CUDA 11+).</summary>
    ncclBfloat16 = 9,
}

/// <summary>NCCL reduction operations (<c>ncclRedOp_t</c> in nccl.h).</summary>
public enum NcclRedOp
{
    /// <summary>ncclSum.</summary>
    ncclSum = 0,

    /// <summary>ncclProd.</summary>
    ncclProd = 1,

    /// <summary>ncclMax.</summary>
    ncclMax = 2,

    /// <summary>ncclMin.</summary>
    ncclMin = 3,

    /// <summary>ncclAvg: the sum divided by the number of ranks (NCCL 2.10+).</summary>
    ncclAvg = 4,
}
#pragma warning restore CA1707
