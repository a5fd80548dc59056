namespace CudaTensor.Native;

/// <summary>An NCCL call failed, or a communicator reported an asynchronous error.</summary>
public sealed class NcclException : Exception
{
    /// <summary>Creates the exception for a failed NCCL call.</summary>
    /// <param name="result">The status NCCL returned.</param>
    /// <param name="call">The failing call, as written in the source.</param>
    public NcclException(NcclResult result, string call)
        : base(Format(result, call))
    {
        Result = result;
        Call = call;
    }

    /// <summary>NCCL's status code.</summary>
    public NcclResult Result { get; }

    /// <summary>The failing call.</summary>
    public string Call { get; }

    private static string Format(NcclResult result, string call)
    {
        string name = Enum.IsDefined(result) ? result.ToString() : "ncclResult " + ((int)result).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string hint = result switch
        {
            NcclResult.ncclUnhandledCudaError => "a CUDA call inside NCCL failed; check the device each rank uses (one GPU per rank)",
            NcclResult.ncclSystemError => "a system call failed (sockets, shared memory /dev/shm); NCCL_DEBUG=WARN prints which",
            NcclResult.ncclInvalidArgument => "a pointer, count, rank or type is invalid (a host pointer, or a tensor on another GPU)",
            NcclResult.ncclInvalidUsage => "the calls were made in a wrong order, e.g. a collective on a communicator that was aborted",
            NcclResult.ncclRemoteError => "another rank failed or the connection to it was lost",
            _ => "NCCL_DEBUG=INFO prints NCCL's own account",
        };
        return $"{name} ({(int)result}: {Nccl.ErrorString(result)}) in {call}: {hint}.";
    }
}
