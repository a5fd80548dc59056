namespace CudaTensor.Native;

/// <summary>Device attributes for <see cref="Driver.GetAttribute"/> (<c>CUdevice_attribute</c> in cuda.h; the subset the library reads).</summary>
public enum DeviceAttribute
{
    /// <summary>CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK.</summary>
    MaxThreadsPerBlock = 1,

    /// <summary>CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK (bytes, without opt-in).</summary>
    MaxSharedMemoryPerBlock = 8,

    /// <summary>CU_DEVICE_ATTRIBUTE_WARP_SIZE.</summary>
    WarpSize = 10,

    /// <summary>CU_DEVICE_ATTRIBUTE_CLOCK_RATE (kHz).</summary>
    ClockRate = 13,

    /// <summary>CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT.</summary>
    MultiprocessorCount = 16,

    /// <summary>CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS.</summary>
    ConcurrentKernels = 31,

    /// <summary>CU_DEVICE_ATTRIBUTE_PCI_BUS_ID.</summary>
    PciBusId = 33,

    /// <summary>CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE (kHz).</summary>
    MemoryClockRate = 36,

    /// <summary>CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH (bits).</summary>
    GlobalMemoryBusWidth = 37,

    /// <summary>CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE (bytes).</summary>
    L2CacheSize = 38,

    /// <summary>CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR.</summary>
    MaxThreadsPerMultiprocessor = 39,

    /// <summary>CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING.</summary>
    UnifiedAddressing = 41,

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR.</summary>
    ComputeCapabilityMajor = 75,

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR.</summary>
    ComputeCapabilityMinor = 76,

    /// <summary>CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN (bytes, with cuFuncSetAttribute opt-in).</summary>
    MaxSharedMemoryPerBlockOptin = 97,
}

/// <summary>Pointer attributes for <see cref="Driver.GetPointerAttribute"/> (<c>CUpointer_attribute</c>).</summary>
public enum PointerAttribute
{
    /// <summary>CU_POINTER_ATTRIBUTE_CONTEXT (CUcontext).</summary>
    Context = 1,

    /// <summary>CU_POINTER_ATTRIBUTE_MEMORY_TYPE (CUmemorytype as unsigned int).</summary>
    MemoryType = 2,

    /// <summary>CU_POINTER_ATTRIBUTE_DEVICE_POINTER (CUdeviceptr).</summary>
    DevicePointer = 3,

    /// <summary>CU_POINTER_ATTRIBUTE_HOST_POINTER (void*).</summary>
    HostPointer = 4,

    /// <summary>CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL (int; CUDA 9.2 and later).</summary>
    DeviceOrdinal = 9,
}

/// <summary>Memory types (<c>CUmemorytype</c>).</summary>
public enum MemoryType
{
    /// <summary>Not a CUDA allocation (pointer attribute queries fail for it).</summary>
    Unregistered = 0,

    /// <summary>CU_MEMORYTYPE_HOST.</summary>
    Host = 1,

    /// <summary>CU_MEMORYTYPE_DEVICE.</summary>
    Device = 2,

    /// <summary>CU_MEMORYTYPE_ARRAY.</summary>
    Array = 3,

    /// <summary>CU_MEMORYTYPE_UNIFIED.</summary>
    Unified = 4,
}

/// <summary>Stream capture modes (<c>CUstreamCaptureMode</c>).</summary>
public enum StreamCaptureMode
{
    /// <summary>CU_STREAM_CAPTURE_MODE_GLOBAL.</summary>
    Global = 0,

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL.</summary>
    ThreadLocal = 1,

    /// <summary>CU_STREAM_CAPTURE_MODE_RELAXED.</summary>
    Relaxed = 2,
}
