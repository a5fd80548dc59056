using System.Globalization;

namespace CudaTensor.Native;

/// <summary>
/// An MPI call returned an error code. The binding sets <c>MPI_ERRORS_RETURN</c> on the communicators it uses, so
/// errors arrive here instead of aborting the job. The message names the call, MPI's own description and a fix.
/// </summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for a failed MPI call.</summary>
    /// <param name="errorCode">The code MPI returned.</param>
    /// <param name="call">The failing call, as written in the source.</param>
    public MpiException(int errorCode, string call)
        : base(Format(errorCode, call))
    {
        ErrorCode = errorCode;
        Call = call;
    }

    /// <summary>MPI's error code (<c>MPI_SUCCESS</c> is 0).</summary>
    public int ErrorCode { get; }

    /// <summary>The failing call.</summary>
    public string Call { get; }

    private static string Format(int errorCode, string call)
    {
        string text = Mpi.ErrorString(errorCode);
        string? hint = errorCode switch
        {
            Mpi.ErrTruncate => "the receive buffer is smaller than the message: the ranks disagree on a tensor's shape or dtype "
                + "(CUDATENSOR_DISTRIBUTED_DEBUG=1 checks them before each collective)",
            Mpi.ErrComm => "the communicator is invalid: the process group was destroyed, or MPI was finalized",
            _ => null,
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"MPI error {errorCode} ({text}) in {call}{(hint is null ? "." : "; " + hint + ".")}");
    }
}
