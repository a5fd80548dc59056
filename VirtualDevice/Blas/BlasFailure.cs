namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// Why the calling thread's last emulated cuBLAS/cuBLASLt call failed: a status alone says little, so every
/// rejection records a sentence naming the call and the numbers, and an exception inside an entry point (which
/// must never cross the C ABI) becomes a status with its message kept. The binding can append
/// <see cref="LastErrorDetail"/> to the error it raises.
/// </summary>
internal static class BlasFailure
{
    [ThreadStatic] private static BlasStatus lastStatus;
    [ThreadStatic] private static string? lastDetail;

    /// <summary>Records why <paramref name="status"/> is returned and returns it.</summary>
    public static BlasStatus Reject(BlasStatus status, string detail)
    {
        lastStatus = status;
        lastDetail = detail;
        return status;
    }

    /// <summary>The status for <paramref name="exception"/>, caught in <paramref name="call"/>.</summary>
    public static int Report(string call, Exception exception)
    {
        // A device fault seen while the call itself ran is a failed execution; anything else is the emulator's bug.
        BlasStatus status = exception is DeviceFaultException ? BlasStatus.ExecutionFailed : BlasStatus.InternalError;
        return (int)Reject(status, $"{call}: {exception.GetType().Name}: {exception.Message}");
    }

    /// <summary>
    /// Runs an entry point's work and returns its status; an exception (which must not cross the C ABI) becomes
    /// the status <see cref="Report"/> gives it.
    /// </summary>
    public static int Guard(string call, Func<BlasStatus> work)
    {
        try
        {
            return (int)work();
        }
        catch (Exception e)
        {
            return Report(call, e);
        }
    }

    /// <summary>
    /// The detail of this thread's last failed call when it returned <paramref name="status"/> (a cublasStatus_t),
    /// or null.
    /// </summary>
    public static string? LastErrorDetail(int status) => lastDetail is not null && (int)lastStatus == status ? lastDetail : null;
}
