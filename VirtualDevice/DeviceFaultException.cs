namespace CudaTensor.VirtualDevice;

/// <summary>CUresult values the virtual device returns (values from NVIDIA's cuda.h).</summary>
internal enum CudaErrorCode
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    InvalidPtx = 218,
    InvalidSource = 300,
    NotFound = 500,
    InvalidHandle = 400,
    IllegalState = 401,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchOutOfResources = 701,
    IllegalInstruction = 715,
    MisalignedAddress = 716,
    LaunchFailed = 719,
    NotSupported = 801,
    StreamCaptureUnsupported = 900,
    StreamCaptureInvalidated = 901,
    StreamCaptureUnmatched = 903,
    StreamCaptureUnjoined = 904,
    StreamCaptureIsolation = 905,
    StreamCaptureImplicit = 906,
    CapturedEvent = 907,
    StreamCaptureWrongThread = 908,
    Unknown = 999,
}

/// <summary>
/// A fault found while the virtual device executed work (a kernel, a copy, a GEMM): the CUDA error the real
/// driver would report and a message that says what, where and why (kernel, block, thread, address, the nearest
/// allocation).
/// </summary>
internal sealed class DeviceFaultException : Exception
{
    /// <summary>Creates a fault.</summary>
    /// <param name="error">The CUDA error code to report.</param>
    /// <param name="message">What happened, with the numbers.</param>
    public DeviceFaultException(CudaErrorCode error, string message) : base(message) => Error = error;

    /// <summary>Creates a fault that wraps a lower-level one with more context.</summary>
    /// <param name="error">The CUDA error code to report.</param>
    /// <param name="message">What happened, with the numbers.</param>
    /// <param name="inner">The lower-level fault.</param>
    public DeviceFaultException(CudaErrorCode error, string message, Exception inner) : base(message, inner) => Error = error;

    /// <summary>The CUDA error code.</summary>
    public CudaErrorCode Error { get; }
}
