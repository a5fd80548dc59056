namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// The detail behind the last failing call on each thread: a CUresult says little ("invalid argument"), so each
/// entry point that fails records what was wrong, and the binding's exception appends it.
/// </summary>
internal static class DriverErrors
{
    [ThreadStatic]
    private static int t_code;

    [ThreadStatic]
    private static string? t_detail;

    /// <summary>Records <paramref name="detail"/> for <paramref name="code"/> on this thread and returns the code.</summary>
    /// <param name="code">The status the call returns.</param>
    /// <param name="detail">What was wrong, with the numbers.</param>
    /// <returns><paramref name="code"/>.</returns>
    public static CudaErrorCode Fail(CudaErrorCode code, string detail)
    {
        t_code = (int)code;
        t_detail = detail;
        return code;
    }

    /// <summary>An exception escaped an entry point's work: report it as the driver reports a failure, with the exception's text.</summary>
    /// <param name="call">The entry point.</param>
    /// <param name="exception">The exception.</param>
    /// <returns>The status to return.</returns>
    public static int Unexpected(string call, Exception exception) => exception switch
    {
        DeviceFaultException fault => (int)Fail(fault.Error, $"{call}: {fault.Message}"),
        _ => (int)Fail(CudaErrorCode.Unknown, $"{call}: the virtual device failed: {exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>The detail recorded on this thread for the last failure with status <paramref name="code"/>, or null.</summary>
    /// <param name="code">The status the caller saw.</param>
    /// <returns>The detail or null.</returns>
    public static string? Detail(int code) => t_code == code ? t_detail : null;
}
