namespace CudaTensor.Native;

/// <summary>A cuBLAS or cuBLASLt call failed.</summary>
public sealed class CublasException : Exception
{
    /// <summary>Creates the exception for a failed cuBLAS call.</summary>
    /// <param name="status">The status cuBLAS returned.</param>
    /// <param name="call">The failing call, as written in the source.</param>
    public CublasException(CublasStatus status, string call)
        : base(Format(status, call))
    {
        Status = status;
        Call = call;
    }

    /// <summary>cuBLAS's status code.</summary>
    public CublasStatus Status { get; }

    /// <summary>The failing call.</summary>
    public string Call { get; }

    private static string Format(CublasStatus status, string call)
    {
        string name = Enum.IsDefined(status) ? status.ToString() : "CUBLAS_STATUS_" + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string hint = status switch
        {
            CublasStatus.CUBLAS_STATUS_NOT_INITIALIZED => "cuBLAS could not initialise: no usable GPU, or no context current on this thread",
            CublasStatus.CUBLAS_STATUS_ALLOC_FAILED => "cuBLAS could not allocate its workspace; free device memory first",
            CublasStatus.CUBLAS_STATUS_INVALID_VALUE => "an argument is out of range (dimension, leading dimension or pointer)",
            CublasStatus.CUBLAS_STATUS_ARCH_MISMATCH => "the GPU lacks a feature this call needs (e.g. a data type)",
            CublasStatus.CUBLAS_STATUS_EXECUTION_FAILED => "the GPU kernel failed to launch or run",
            CublasStatus.CUBLAS_STATUS_NOT_SUPPORTED => "this combination of types, layouts or epilogue is not supported",
            _ => "see the cuBLAS documentation for this status",
        };
        string? detail = LibraryResolver.VirtualBlasDetail(status);
        return $"{name} ({(int)status}) in {call}: {hint}.{(detail is null ? "" : " Virtual device: " + detail)}";
    }
}
