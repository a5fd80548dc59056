using System.Globalization;
using System.Text;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Finds out whether CUDA is usable: loads the driver library, calls cuInit, counts devices, loads NVRTC.
/// Never throws; every failure becomes <see cref="Reason"/>. The default probe runs once per process.
/// </summary>
internal sealed class CudaProbe
{
    private static readonly Lazy<CudaProbe> LazyDefault = new(() => Run(LibraryResolver.Probe));

    private CudaProbe()
    {
    }

    /// <summary>The process-wide probe (cached).</summary>
    public static CudaProbe Default => LazyDefault.Value;

    /// <summary>Whether the driver, at least one device and NVRTC are usable.</summary>
    public bool IsAvailable { get; private set; }

    /// <summary>Why CUDA is not usable (null when it is).</summary>
    public string? Reason { get; private set; }

    /// <summary>The cuInit status, or null when the driver library was not loaded.</summary>
    public CuResult? InitResult { get; private set; }

    /// <summary>Number of devices (0 when unusable).</summary>
    public int DeviceCount { get; private set; }

    /// <summary>The driver's CUDA version (e.g. 12040), 0 when unknown.</summary>
    public int DriverVersion { get; private set; }

    /// <summary>NVRTC's version, (0, 0) when missing.</summary>
    public (int Major, int Minor) NvrtcVersion { get; private set; }

    /// <summary>NVRTC's architectures (empty when missing).</summary>
    public IReadOnlyList<int> NvrtcArchitectures { get; private set; } = [];

    /// <summary>The library probes, in <see cref="NativeLibraryKind"/> order (driver and NVRTC always; cuBLAS on request).</summary>
    public IReadOnlyList<NativeLibraryProbe> Libraries { get; private set; } = [];

    /// <summary>
    /// Probes with <paramref name="findLibrary"/> deciding where each library comes from (tests pass a probe
    /// with a missing name). Calls into a library only when <paramref name="findLibrary"/> found it.
    /// </summary>
    /// <param name="findLibrary">The library lookup.</param>
    /// <returns>The result.</returns>
    public static CudaProbe Run(Func<NativeLibraryKind, NativeLibraryProbe> findLibrary)
    {
        ArgumentNullException.ThrowIfNull(findLibrary);
        var probe = new CudaProbe();
        NativeLibraryProbe driver = findLibrary(NativeLibraryKind.Driver);
        NativeLibraryProbe nvrtc = findLibrary(NativeLibraryKind.Nvrtc);
        probe.Libraries = [driver, nvrtc];
        try
        {
            if (nvrtc.Found && LibraryResolver.Probe(NativeLibraryKind.Nvrtc).Found)
            {
                probe.NvrtcVersion = Nvrtc.GetVersion();
                probe.NvrtcArchitectures = Nvrtc.GetSupportedArchitectures();
            }
        }
        catch (Exception e) when (e is NvrtcException or EntryPointNotFoundException or DllNotFoundException)
        {
            probe.Reason = "NVRTC is installed but unusable: " + e.Message;
        }

        if (!driver.Found)
        {
            probe.Reason = $"The CUDA driver library was not found (tried {string.Join(", ", driver.Tried)}): "
                + "no NVIDIA driver is installed, or its folder is not on the loader path "
                + $"(add it to {LibraryResolver.ExtraFoldersVariable}). The CPU backend is used.";
            return probe;
        }
        try
        {
            probe.DriverVersion = Driver.TryGetVersion();
            CuResult init = Driver.TryInit();
            probe.InitResult = init;
            if (init != CuResult.CUDA_SUCCESS)
            {
                probe.Reason = "cuInit failed: " + new CudaException(init, "cuInit(0)").Message;
                return probe;
            }
            probe.DeviceCount = Driver.GetDeviceCount();
            if (probe.DeviceCount == 0)
            {
                probe.Reason = "The CUDA driver reports no devices (CUDA_ERROR_NO_DEVICE); the CPU backend is used.";
                return probe;
            }
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException or DllNotFoundException or BadImageFormatException)
        {
            probe.Reason = "The CUDA driver library is unusable: " + e.Message;
            return probe;
        }

        if (!nvrtc.Found)
        {
            probe.Reason ??= $"NVRTC was not found (tried {string.Join(", ", nvrtc.Tried)}): install the CUDA runtime compiler "
                + $"(e.g. the cuda-nvrtc package), or add its folder to {LibraryResolver.ExtraFoldersVariable}.";
            return probe;
        }
        probe.IsAvailable = probe.Reason is null;
        return probe;
    }

    /// <summary>A readable report: libraries, driver, devices, NVRTC, and the verdict.</summary>
    /// <param name="includeBlas">Also look for cuBLAS and cuBLASLt (loads them).</param>
    /// <returns>The report.</returns>
    public string Report(bool includeBlas = true)
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine("CudaTensor CUDA diagnostics");
        text.AppendLine(c, $"  OS: {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}");
        text.AppendLine("Libraries:");
        var libraries = Libraries.ToList();
        if (includeBlas)
        {
            libraries.Add(LibraryResolver.Probe(NativeLibraryKind.Cublas));
            libraries.Add(LibraryResolver.Probe(NativeLibraryKind.CublasLt));
        }
        foreach (NativeLibraryProbe library in libraries)
        {
            string version = library switch
            {
                { Found: false } => string.Empty,
                { Kind: NativeLibraryKind.Nvrtc } when NvrtcVersion.Major > 0 => $" (NVRTC {NvrtcVersion.Major}.{NvrtcVersion.Minor})",
                { Kind: NativeLibraryKind.Cublas } => Cublas.TryGetVersion() is int v and > 0 ? $" (cuBLAS {v / 10000}.{v / 100 % 100}.{v % 100})" : string.Empty,
                _ => string.Empty,
            };
            text.AppendLine(c, $"  {library.Describe()}{version}");
        }
        string extra = Environment.GetEnvironmentVariable(LibraryResolver.ExtraFoldersVariable) ?? "(not set)";
        text.AppendLine(c, $"  {LibraryResolver.ExtraFoldersVariable}: {extra}");
        text.AppendLine(c, $"Driver: {(DriverVersion > 0 ? $"supports CUDA {DriverVersion / 1000}.{DriverVersion % 1000 / 10} ({DriverVersion})" : "unknown")}; "
            + $"cuInit: {(InitResult is null ? "not called" : Driver.ErrorName(InitResult.Value))}");
        text.AppendLine(c, $"NVRTC: {(NvrtcVersion.Major > 0 ? $"{NvrtcVersion.Major}.{NvrtcVersion.Minor}; architectures {string.Join(' ', NvrtcArchitectures.Select(a => "sm_" + a.ToString(c)))}" : "not available")}");
        if (LibraryResolver.ChosenNvrtc is { } chosen)
        {
            text.AppendLine(c, $"NVRTC choice: {chosen.Reason}");
        }
        text.AppendLine(c, $"Devices: {DeviceCount}");
        for (int i = 0; i < DeviceCount; i++)
        {
            try
            {
                CudaDeviceInfo d = CudaDeviceInfo.Query(i);
                text.AppendLine(c, $"  [{i}] {d.Name}: sm_{d.ComputeCapabilityMajor}{d.ComputeCapabilityMinor}, {d.TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, "
                    + $"{d.MultiprocessorCount} SMs, {d.MaxThreadsPerBlock} threads/block, {d.MaxSharedMemoryPerBlockBytes / 1024} KiB shared/block");
            }
            catch (CudaException e)
            {
                text.AppendLine(c, $"  [{i}] query failed: {e.Message}");
            }
        }
        text.AppendLine(IsAvailable ? "Status: CUDA is available." : "Status: CUDA is unusable. " + Reason);
        return text.ToString();
    }
}
