using CudaTensor.Backends.Cuda;
using CudaTensor.CudaRuntime;
using CudaTensor.CudaRuntime.Memory;

namespace CudaTensor;

/// <summary>
/// Whether CUDA can be used on this machine, and why not; streams, synchronization, the memory pool's
/// statistics and the TF32 switch.
/// </summary>
public static class Cuda
{
    /// <summary>
    /// Environment variable capping each device's memory pool, in bytes or with a K/M/G/T suffix ("8G"); read when a
    /// device is first used. Exceeding it raises <see cref="CudaOutOfMemoryException"/> as a full device would.
    /// </summary>
    public const string MemoryLimitVariable = CachingAllocator.LimitVariable;

    /// <summary>
    /// Environment variable: "1" turns the memory pool's caching off (as PyTorch's <c>PYTORCH_NO_CUDA_MEMORY_CACHING</c>):
    /// every tensor gets its own driver allocation of exactly its size, returned to the driver when released, so that an
    /// out-of-bounds access is reported by a checking device (the virtual device, compute-sanitizer) instead of landing in
    /// a neighbouring tensor. Slow; read when a device is first used.
    /// </summary>
    public const string NoMemoryCachingVariable = CachingAllocator.NoCachingVariable;

    /// <summary>
    /// Lets float32 matrix products use TF32 tensor cores (10-bit mantissa inputs, float32 accumulation): several
    /// times faster on Ampere and later, at about 1e-3 relative error. Off by default, as in PyTorch's
    /// <c>torch.backends.cuda.matmul.allow_tf32</c>.
    /// </summary>
    public static bool AllowTf32
    {
        get => CudaBackend.AllowTf32;
        set => CudaBackend.AllowTf32 = value;
    }

    /// <summary>The stream work for <paramref name="device"/> goes to now (the library's default stream unless a <see cref="UseStream"/> scope is active).</summary>
    /// <exception cref="NotSupportedException">CUDA is unusable (the message says why).</exception>
    public static CudaStream CurrentStream(Device device) => Context(device).CurrentStream;

    /// <summary>The library's default stream of <paramref name="device"/> (non-blocking).</summary>
    public static CudaStream DefaultStream(Device device) => Context(device).DefaultStream;

    /// <summary>
    /// Makes <paramref name="stream"/> the current stream of its device until the returned scope is disposed
    /// (<c>using (Cuda.UseStream(s)) { ... }</c>). The scope follows async code and nests.
    /// </summary>
    public static IDisposable UseStream(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new StreamScope(stream);
    }

    internal const string SynchronizeAdvice = "a capture records work without running it, so there is nothing to wait for. Synchronize after Replay().";

    /// <summary>
    /// Blocks until all work queued on every stream of <paramref name="device"/> (default: every device in use) has finished,
    /// then reports a pending device-side index error (see docs/errors.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A gather, scatter or cross-entropy queued earlier met an index out of range.</exception>
    /// <exception cref="CudaGraphCaptureException">A <see cref="CudaGraph"/> capture is active on the device.</exception>
    public static void Synchronize(Device? device = null)
    {
        if (device is { } d)
        {
            var c = Context(d);
            c.RefuseWhileCapturing("Cuda.Synchronize", SynchronizeAdvice);
            c.SynchronizeAndCheck();
            return;
        }
        foreach (var c in CudaDeviceContext.Created) c.RefuseWhileCapturing("Cuda.Synchronize", SynchronizeAdvice);
        foreach (var c in CudaDeviceContext.Created) c.SynchronizeAndCheck();
    }

    /// <summary>Statistics of the memory pool of <paramref name="device"/>.</summary>
    public static CudaMemoryStats MemoryStats(Device device)
    {
        var pool = Context(device).Pool;
        pool.Collect();
        return pool.Stats;
    }

    /// <summary>Sets the peak statistics of <paramref name="device"/>'s pool to the current values.</summary>
    public static void ResetPeakMemoryStats(Device device) => Context(device).Pool.ResetPeak();

    /// <summary>
    /// Returns the memory the pools cache but no tensor uses to the driver (every device in use, or only
    /// <paramref name="device"/>), so that other processes or libraries can use it.
    /// </summary>
    public static void EmptyCache(Device? device = null)
    {
        if (device is { } d)
        {
            var c = Context(d);
            c.RefuseWhileCapturing("Cuda.EmptyCache", "returning memory to the driver (cuMemFree) waits for the device. Empty the cache after the capture.");
            c.Pool.EmptyCache();
            return;
        }
        foreach (var c in CudaDeviceContext.Created)
        {
            c.RefuseWhileCapturing("Cuda.EmptyCache", "returning memory to the driver (cuMemFree) waits for the device. Empty the cache after the capture.");
            c.Pool.EmptyCache();
        }
    }

    private static CudaDeviceContext Context(Device device)
    {
        if (!device.IsCuda) throw new ArgumentException($"Expected a CUDA device, got {device}.", nameof(device));
        return CudaDeviceContext.For(device.Index);
    }

    /// <summary>
    /// True when the CUDA driver, at least one GPU and NVRTC are usable. Never throws; the first call probes
    /// (loads the driver, calls cuInit) and later calls return the cached answer.
    /// </summary>
    public static bool IsAvailable => CudaProbe.Default.IsAvailable;

    /// <summary>Number of CUDA devices (0 when CUDA is unusable). Never throws.</summary>
    public static int DeviceCount => CudaProbe.Default.DeviceCount;

    /// <summary>Why CUDA is unusable, or null when it is available. Never throws.</summary>
    public static string? UnavailableReason => CudaProbe.Default.Reason;

    /// <summary>Properties of device <paramref name="index"/>.</summary>
    /// <param name="index">Device index, 0 to <see cref="DeviceCount"/> - 1.</param>
    /// <returns>Name, compute capability, memory, SMs, limits.</returns>
    /// <exception cref="InvalidOperationException">CUDA is unusable (the message says why).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a device.</exception>
    public static CudaDeviceInfo GetDeviceProperties(int index)
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException("CUDA is unusable: " + UnavailableReason);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, DeviceCount);
        return CudaDeviceInfo.Query(index);
    }

    /// <summary>
    /// A readable report: which libraries were found (path, version) or not (names tried), the driver's CUDA
    /// version, each device, NVRTC's version and architectures, and the exact reason when CUDA is unusable.
    /// When the virtual device is in use (<c>CUDATENSOR_VIRTUAL_DEVICE</c>), the report says so first: its name,
    /// options, and the NVRTC that compiles PTX for it. Never throws.
    /// </summary>
    /// <returns>The report.</returns>
    public static string Diagnose()
    {
        string report = CudaProbe.Default.Report();
        if (Native.LibraryResolver.VirtualDeviceDescription is not { } virtualDevice)
        {
            return report;
        }
        var nvrtc = Native.LibraryResolver.Probe(Native.NativeLibraryKind.Nvrtc);
        string line = $"Virtual device in use (no GPU): {virtualDevice}{Environment.NewLine}"
            + $"  NVRTC compiling for it: {(nvrtc.Found ? nvrtc.Path ?? "(loaded)" : "not found")}; kernels are loaded as PTX and executed on the CPU{Environment.NewLine}";
        int firstLine = report.IndexOf('\n', StringComparison.Ordinal) + 1;
        return report.Insert(firstLine, line);
    }
}
