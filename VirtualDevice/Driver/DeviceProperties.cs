namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// What the virtual device reports about itself: an H100-like part with compute capability 9.9 (no NVRTC knows
/// sm_99, so the library asks for compute_90 PTX, which is what the device executes) and few SMs (8), so that
/// grid-size heuristics produce grids a CPU runs quickly.
/// </summary>
internal static class DeviceProperties
{
    /// <summary>cuDriverGetVersion: CUDA 13.0.</summary>
    public const int DriverVersion = 13000;

    /// <summary>Threads per block.</summary>
    public const int MaxThreadsPerBlock = 1024;

    /// <summary>Block extent limits.</summary>
    public const uint MaxBlockX = 1024, MaxBlockY = 1024, MaxBlockZ = 64;

    /// <summary>Grid extent limits.</summary>
    public const uint MaxGridX = int.MaxValue, MaxGridY = 65535, MaxGridZ = 65535;

    /// <summary>Shared memory per block without opt-in: 48 KiB.</summary>
    public const int SharedPerBlock = 48 * 1024;

    /// <summary>Shared memory per block with cuFuncSetAttribute opt-in: 227 KiB, as on H100.</summary>
    public const int SharedPerBlockOptIn = 227 * 1024;

    /// <summary>Shared memory per SM: 228 KiB.</summary>
    public const int SharedPerMultiprocessor = 228 * 1024;

    /// <summary>SMs.</summary>
    public const int MultiprocessorCount = 8;

    /// <summary>Resident threads per SM.</summary>
    public const int MaxThreadsPerMultiprocessor = 2048;

    /// <summary>Resident blocks per SM.</summary>
    public const int MaxBlocksPerMultiprocessor = 32;

    /// <summary>The device's name; it says "virtual" so that reports and tests can tell it from hardware.</summary>
    /// <param name="ordinal">The device ordinal.</param>
    /// <returns>The name.</returns>
    public static string Name(int ordinal) => ordinal == 0
        ? "CudaTensor Virtual GPU (compute 9.9)"
        : $"CudaTensor Virtual GPU {ordinal} (compute 9.9)";

    // CUdevice_attribute value -> what the device reports. Attributes below CU_DEVICE_ATTRIBUTE_MAX that are not
    // listed (textures, surfaces, managed memory, MPS, ...) report 0: the device has no such feature.
    private static readonly Dictionary<int, int> Attributes = new()
    {
        [1] = MaxThreadsPerBlock,
        [2] = (int)MaxBlockX,
        [3] = (int)MaxBlockY,
        [4] = (int)MaxBlockZ,
        [5] = (int)MaxGridX,
        [6] = (int)MaxGridY,
        [7] = (int)MaxGridZ,
        [8] = SharedPerBlock,
        [9] = 64 * 1024,             // total constant memory
        [10] = 32,                   // warp size
        [11] = int.MaxValue,         // max pitch
        [12] = 65536,                // registers per block
        [13] = 1_755_000,            // clock rate, kHz
        [14] = 512,                  // texture alignment
        [15] = 1,                    // copy/compute overlap
        [16] = MultiprocessorCount,
        [19] = 1,                    // can map host memory
        [30] = 512,                  // surface alignment
        [31] = 1,                    // concurrent kernels
        [33] = 1,                    // PCI bus id (ordinal added)
        [36] = 2_619_000,            // memory clock, kHz
        [37] = 5120,                 // memory bus width, bits
        [38] = 50 * 1024 * 1024,     // L2, bytes
        [39] = MaxThreadsPerMultiprocessor,
        [40] = 2,                    // async copy engines
        [41] = 1,                    // unified addressing
        [75] = 9,                    // compute capability major
        [76] = 9,                    // compute capability minor
        [78] = 1,                    // stream priorities
        [79] = 1,                    // global L1 cache
        [80] = 1,                    // local L1 cache
        [81] = SharedPerMultiprocessor,
        [82] = 65536,                // registers per SM
        [90] = 1,                    // compute preemption
        [95] = 1,                    // cooperative launch
        [97] = SharedPerBlockOptIn,
        [106] = MaxBlocksPerMultiprocessor,
    };

    // CU_DEVICE_ATTRIBUTE_MAX in CUDA 13's cuda.h is above every attribute the library could ask for; values at or
    // above it are invalid.
    private const int AttributeLimit = 150;

    /// <summary>The value of a CUdevice_attribute, or null when the attribute number is not valid.</summary>
    /// <param name="attribute">The attribute.</param>
    /// <param name="ordinal">The device.</param>
    /// <returns>The value or null.</returns>
    public static int? Attribute(int attribute, int ordinal)
    {
        if (attribute is < 1 or >= AttributeLimit)
        {
            return null;
        }
        int value = Attributes.GetValueOrDefault(attribute);
        return attribute == 33 ? value + ordinal : value;
    }
}
