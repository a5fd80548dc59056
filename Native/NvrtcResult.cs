namespace CudaTensor.Native;

/// <summary>NVRTC status codes (<c>nvrtcResult</c> in nvrtc.h).</summary>
#pragma warning disable CA1707 // nvrtc.h's names.
public enum NvrtcResult
{
    /// <summary>NVRTC_SUCCESS.</summary>
    NVRTC_SUCCESS = 0,

    /// <summary>NVRTC_ERROR_OUT_OF_MEMORY.</summary>
    NVRTC_ERROR_OUT_OF_MEMORY = 1,

    /// <summary>NVRTC_ERROR_PROGRAM_CREATION_FAILURE.</summary>
    NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,

    /// <summary>NVRTC_ERROR_INVALID_INPUT.</summary>
    NVRTC_ERROR_INVALID_INPUT = 3,

    /// <summary>NVRTC_ERROR_INVALID_PROGRAM.</summary>
    NVRTC_ERROR_INVALID_PROGRAM = 4,

    /// <summary>NVRTC_ERROR_INVALID_OPTION.</summary>
    NVRTC_ERROR_INVALID_OPTION = 5,

    /// <summary>NVRTC_ERROR_COMPILATION.</summary>
    NVRTC_ERROR_COMPILATION = 6,

    /// <summary>NVRTC_ERROR_BUILTIN_OPERATION_FAILURE.</summary>
    NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7,

    /// <summary>NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION.</summary>
    NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION = 8,

    /// <summary>NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION.</summary>
    NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION = 9,

    /// <summary>NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID.</summary>
    NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID = 10,

    /// <summary>NVRTC_ERROR_INTERNAL_ERROR.</summary>
    NVRTC_ERROR_INTERNAL_ERROR = 11,

    /// <summary>NVRTC_ERROR_TIME_FILE_WRITE_FAILED (NVRTC 12.1 and later).</summary>
    NVRTC_ERROR_TIME_FILE_WRITE_FAILED = 12,
}
#pragma warning restore CA1707
