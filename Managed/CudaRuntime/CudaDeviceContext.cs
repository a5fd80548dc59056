using CudaTensor.Native;
using CudaTensor.CudaRuntime.Memory;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Everything the library keeps per CUDA device: the retained primary context (made current on whichever thread
/// calls in), the library's default stream (non-blocking, so it never synchronizes with the legacy default stream),
/// the caching memory pool, the pinned staging buffers, the cuBLAS handle and the kernel target. Created on first
/// use and kept for the life of the process.
/// </summary>
internal sealed class CudaDeviceContext
{
    private static readonly Lock CreateLock = new();
    private static CudaDeviceContext?[] _devices = [];

    // The context this thread last made current; saves a driver call per op. Code that switches contexts behind the
    // library's back (cuCtxSetCurrent directly) should call Driver.SetCurrentContext(0) afterwards or use MakeCurrent.
    [ThreadStatic] private static nint _currentOnThread;

    private readonly PrimaryContextHandle _context;
    private readonly Lazy<CublasHandle> _blas;
    private GraphCapture? _capture;
    private long _hostSynchronizations;

    private CudaDeviceContext(int ordinal)
    {
        Ordinal = ordinal;
        Device = Device.Cuda(ordinal);
        Info = CudaDeviceInfo.Query(ordinal);
        _context = Driver.RetainPrimaryContext(Driver.GetDevice(ordinal));
        MakeCurrent();
        Target = KernelTarget.ForDevice(Info.Architecture, KernelCompiler.SupportedArchitectures.ToArray());
        DefaultStream = new CudaStream(this, Driver.CreateStream(Driver.StreamNonBlocking));
        long? limit = CachingAllocator.ParseLimit(Environment.GetEnvironmentVariable(CachingAllocator.LimitVariable));
        bool caching = !CachingAllocator.NoCachingRequested(Environment.GetEnvironmentVariable(CachingAllocator.NoCachingVariable));
        Pool = new CachingAllocator(new DriverRawAllocator(this), Device, limit, caching: caching);
        Staging = new PinnedStagingPool(this);
        ErrorLog = new DeviceErrorLog(this);
        _blas = new Lazy<CublasHandle>(() =>
        {
            MakeCurrent();
            return Cublas.Create();
        });
    }

    /// <summary>The device ordinal.</summary>
    public int Ordinal { get; }

    /// <summary>The device.</summary>
    public Device Device { get; }

    /// <summary>Properties read at creation.</summary>
    public CudaDeviceInfo Info { get; }

    /// <summary>What kernels are compiled for on this device.</summary>
    public KernelTarget Target { get; }

    /// <summary>The library's stream for this device, used when no <see cref="CudaTensor.Cuda.UseStream"/> scope is active.</summary>
    public CudaStream DefaultStream { get; }

    /// <summary>The caching allocator.</summary>
    public CachingAllocator Pool { get; }

    /// <summary>Pinned host buffers for asynchronous copies.</summary>
    public PinnedStagingPool Staging { get; }

    /// <summary>The cuBLAS handle (created on first use; callers set its stream before each call).</summary>
    public CublasHandle Blas => _blas.Value;

    /// <summary>Serializes use of <see cref="Blas"/> (a handle's stream and math mode are per handle, not per thread).</summary>
    public Lock BlasLock { get; } = new();

    /// <summary>The CUcontext.</summary>
    public nint Context => _context.Context;

    /// <summary>The context of device <paramref name="ordinal"/>, created on first use.</summary>
    /// <exception cref="NotSupportedException">CUDA is unusable (the message says why) or the device does not exist.</exception>
    public static CudaDeviceContext For(int ordinal)
    {
        var devices = Volatile.Read(ref _devices);
        if ((uint)ordinal < (uint)devices.Length && devices[ordinal] is { } existing) return existing;
        lock (CreateLock)
        {
            if (!CudaProbe.Default.IsAvailable)
            {
                throw new NotSupportedException(
                    $"Device cuda:{ordinal} is not available: {CudaProbe.Default.Reason} Create the tensor on Device.Cpu, or run Cuda.Diagnose() for details.");
            }
            if (ordinal >= CudaProbe.Default.DeviceCount)
            {
                throw new NotSupportedException(
                    $"Device cuda:{ordinal} is not available: this machine has {CudaProbe.Default.DeviceCount} CUDA device(s), cuda:0 to cuda:{CudaProbe.Default.DeviceCount - 1}.");
            }
            devices = _devices;
            if (devices.Length <= ordinal) Array.Resize(ref devices, CudaProbe.Default.DeviceCount);
            devices[ordinal] ??= new CudaDeviceContext(ordinal);
            Volatile.Write(ref _devices, devices);
            return devices[ordinal]!;
        }
    }

    /// <summary>The contexts created so far.</summary>
    public static IEnumerable<CudaDeviceContext> Created => Volatile.Read(ref _devices).OfType<CudaDeviceContext>();

    /// <summary>Makes the primary context current on the calling thread (one driver call the first time per thread).</summary>
    public void MakeCurrent()
    {
        nint ctx = _context.Context;
        if (_currentOnThread == ctx) return;
        Driver.SetCurrentContext(ctx);
        _currentOnThread = ctx;
    }

    /// <summary>The stream work for this device goes to on the calling thread / async flow.</summary>
    public CudaStream CurrentStream => StreamScope.Current(Ordinal) ?? DefaultStream;

    /// <summary>The deferred device-side checks (index errors) of this device.</summary>
    public DeviceErrorLog ErrorLog { get; }

    /// <summary>The CUDA graph capture active on this device, or null.</summary>
    public GraphCapture? Capture
    {
        get => Volatile.Read(ref _capture);
        set => Volatile.Write(ref _capture, value);
    }

    /// <summary>Host synchronizations the library made on this device (host reads, synchronize calls), for tests and benchmarks.</summary>
    public long HostSynchronizations => Interlocked.Read(ref _hostSynchronizations);

    /// <summary>Counts one host synchronization.</summary>
    public void CountHostSynchronization() => Interlocked.Increment(ref _hostSynchronizations);

    /// <summary>
    /// Throws <see cref="CudaGraphCaptureException"/> when a capture is active on <paramref name="stream"/> (any stream of
    /// the device when 0), marking the capture failed.
    /// </summary>
    public void RefuseWhileCapturing(string operation, string advice, nint stream = 0)
    {
        if (Capture is { } c && (stream == 0 || c.Stream == stream)) throw c.Refuse(operation, advice);
    }

    /// <summary>Waits for all work of the device (one counted host synchronization), then reports the deferred checks.</summary>
    public void SynchronizeAndCheck()
    {
        MakeCurrent();
        Driver.SynchronizeContext();
        CountHostSynchronization();
        ErrorLog.CheckCompleted(0, wholeDevice: true);
    }
}
