namespace CudaTensor.Native;

/// <summary>
/// CUDA driver API status codes (<c>CUresult</c> in cuda.h). Only the codes the library names in hints
/// are listed; any other value still reaches <see cref="CudaException"/>, which asks the driver for its
/// name (<c>cuGetErrorName</c>).
/// </summary>
#pragma warning disable CA1707 // The members keep cuda.h's names so that messages and code match NVIDIA's documentation.
public enum CuResult
{
    /// <summary>CUDA_SUCCESS.</summary>
    CUDA_SUCCESS = 0,

    /// <summary>CUDA_ERROR_INVALID_VALUE.</summary>
    CUDA_ERROR_INVALID_VALUE = 1,

    /// <summary>CUDA_ERROR_OUT_OF_MEMORY.</summary>
    CUDA_ERROR_OUT_OF_MEMORY = 2,

    /// <summary>CUDA_ERROR_NOT_INITIALIZED.</summary>
    CUDA_ERROR_NOT_INITIALIZED = 3,

    /// <summary>CUDA_ERROR_DEINITIALIZED.</summary>
    CUDA_ERROR_DEINITIALIZED = 4,

    /// <summary>CUDA_ERROR_STUB_LIBRARY: the loaded libcuda is the toolkit's link stub, not a driver.</summary>
    CUDA_ERROR_STUB_LIBRARY = 34,

    /// <summary>CUDA_ERROR_DEVICE_UNAVAILABLE.</summary>
    CUDA_ERROR_DEVICE_UNAVAILABLE = 46,

    /// <summary>CUDA_ERROR_NO_DEVICE: no CUDA-capable device is visible.</summary>
    CUDA_ERROR_NO_DEVICE = 100,

    /// <summary>CUDA_ERROR_INVALID_DEVICE.</summary>
    CUDA_ERROR_INVALID_DEVICE = 101,

    /// <summary>CUDA_ERROR_INVALID_IMAGE.</summary>
    CUDA_ERROR_INVALID_IMAGE = 200,

    /// <summary>CUDA_ERROR_INVALID_CONTEXT.</summary>
    CUDA_ERROR_INVALID_CONTEXT = 201,

    /// <summary>CUDA_ERROR_NO_BINARY_FOR_GPU.</summary>
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,

    /// <summary>CUDA_ERROR_INVALID_PTX.</summary>
    CUDA_ERROR_INVALID_PTX = 218,

    /// <summary>CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the PTX is newer than the driver.</summary>
    CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,

    /// <summary>CUDA_ERROR_INVALID_HANDLE.</summary>
    CUDA_ERROR_INVALID_HANDLE = 400,

    /// <summary>CUDA_ERROR_NOT_FOUND.</summary>
    CUDA_ERROR_NOT_FOUND = 500,

    /// <summary>CUDA_ERROR_NOT_READY: asynchronous work has not finished (not an error for queries).</summary>
    CUDA_ERROR_NOT_READY = 600,

    /// <summary>CUDA_ERROR_ILLEGAL_ADDRESS.</summary>
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,

    /// <summary>CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES.</summary>
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,

    /// <summary>CUDA_ERROR_LAUNCH_FAILED.</summary>
    CUDA_ERROR_LAUNCH_FAILED = 719,

    /// <summary>CUDA_ERROR_NOT_SUPPORTED.</summary>
    CUDA_ERROR_NOT_SUPPORTED = 801,

    /// <summary>CUDA_ERROR_SYSTEM_DRIVER_MISMATCH: kernel module and user-mode driver versions differ.</summary>
    CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,

    /// <summary>CUDA_ERROR_UNKNOWN.</summary>
    CUDA_ERROR_UNKNOWN = 999,
}
#pragma warning restore CA1707
