namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// Turns an exception inside an emulated entry point into a status (exceptions must never cross the C ABI) and
/// keeps its message, so the error the binding raises can say more than the status.
/// </summary>
internal static class BlasFailure
{
    private static volatile string? lastMessage;

    /// <summary>The message of the last exception an entry point turned into a status, or null.</summary>
    public static string? LastMessage => lastMessage;

    /// <summary>The status for <paramref name="exception"/>, caught in <paramref name="call"/>.</summary>
    public static int Report(string call, Exception exception)
    {
        lastMessage = $"{call}: {exception.Message}";
        // A device fault seen while the call itself ran is a failed execution; anything else is the emulator's bug.
        return (int)(exception is DeviceFaultException ? BlasStatus.ExecutionFailed : BlasStatus.InternalError);
    }
}
