namespace CudaTensor.Native;

/// <summary>An NVRTC call failed. For compile errors, <see cref="Log"/> holds NVRTC's log.</summary>
public class NvrtcException : Exception
{
    /// <summary>Creates the exception for a failed NVRTC call.</summary>
    /// <param name="result">The status NVRTC returned.</param>
    /// <param name="call">The failing call, as written in the source.</param>
    public NvrtcException(NvrtcResult result, string call)
        : this(result, call, null, null)
    {
    }

    /// <summary>Creates the exception with NVRTC's log and an explanation of it.</summary>
    /// <param name="result">The status NVRTC returned.</param>
    /// <param name="call">The failing call.</param>
    /// <param name="log">NVRTC's program log, or null.</param>
    /// <param name="detail">Text appended to the message (e.g. the numbered source lines), or null.</param>
    public NvrtcException(NvrtcResult result, string call, string? log, string? detail)
        : base(Format(result, call, detail))
    {
        Result = result;
        Call = call;
        Log = log;
    }

    /// <summary>NVRTC's status code.</summary>
    public NvrtcResult Result { get; }

    /// <summary>The failing call.</summary>
    public string Call { get; }

    /// <summary>NVRTC's program log, when the failure was a compilation.</summary>
    public string? Log { get; }

    private static string Format(NvrtcResult result, string call, string? detail)
    {
        string hint = result switch
        {
            NvrtcResult.NVRTC_ERROR_INVALID_OPTION => "; an option is not understood by this NVRTC version (check -arch against Nvrtc.GetSupportedArchitectures())",
            NvrtcResult.NVRTC_ERROR_COMPILATION => "; the kernel source has errors, see below",
            _ => string.Empty,
        };
        return $"{Nvrtc.ErrorName(result)} ({(int)result}) in {call}{hint}." + (detail is null ? string.Empty : "\n" + detail);
    }
}
