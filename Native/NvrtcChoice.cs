using System.Globalization;
using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>
/// Which NVRTC the resolver loaded when several are installed, and why. Code compiled by an NVRTC newer than the
/// driver does not load (NVRTC 13's output needs a CUDA 13 driver, r580; NVRTC 12.8's PTX needs a 12.8 driver), so the
/// rule is: the newest NVRTC whose CUDA version (major.minor) is at most the driver's (<c>cuDriverGetVersion</c>). Without
/// a driver (compiling on a machine with no GPU is legitimate) the newest found is used. When every NVRTC found is newer
/// than the driver, the oldest is used and <see cref="Reason"/> says that its code may not load.
/// </summary>
/// <param name="Path">The file loaded (null when it was found through the loader and its path is unknown).</param>
/// <param name="Major">Its CUDA major version (0 when nvrtcVersion failed).</param>
/// <param name="Minor">Its CUDA minor version.</param>
/// <param name="DriverVersion">The driver's CUDA version, e.g. 12080 for 12.8; 0 when there is no driver.</param>
/// <param name="Reason">One sentence: every version found and why this one was chosen.</param>
public sealed record NvrtcChoice(string? Path, int Major, int Minor, int DriverVersion, string Reason)
{
    /// <summary>
    /// Picks among installed NVRTC versions (a pure function of its inputs, the rule in <see cref="NvrtcChoice"/>).
    /// </summary>
    /// <param name="versions">The versions found, any order; (0, 0) for one whose version could not be read.</param>
    /// <param name="driverVersion">cuDriverGetVersion's value (12080 = 12.8), or 0 or less when unknown.</param>
    /// <returns>The index into <paramref name="versions"/> and the reason.</returns>
    /// <exception cref="ArgumentException"><paramref name="versions"/> is empty.</exception>
    internal static (int Index, string Reason) Select(IReadOnlyList<(int Major, int Minor)> versions, int driverVersion)
    {
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count == 0)
        {
            throw new ArgumentException("NvrtcChoice.Select needs at least one NVRTC version.", nameof(versions));
        }
        static int Code((int Major, int Minor) v) => (v.Major * 1000) + (v.Minor * 10);
        string found = string.Join(", ", versions.Select(Format));
        int newest = Enumerable.Range(0, versions.Count).MaxBy(i => Code(versions[i]));
        if (driverVersion <= 0)
        {
            return (newest, $"NVRTC {Format(versions[newest])} is the newest found ({found}); the driver's CUDA version is unknown (no driver), "
                + "so nothing rules it out.");
        }
        string driver = FormatDriver(driverVersion);
        int[] supported = Enumerable.Range(0, versions.Count).Where(i => Code(versions[i]) <= driverVersion).ToArray();
        if (supported.Length > 0)
        {
            int best = supported.MaxBy(i => Code(versions[i]));
            string why = best == newest ? "the newest found" : "the newest found that is not newer than the driver";
            return (best, $"NVRTC {Format(versions[best])} is {why} ({found}); the driver supports CUDA {driver}.");
        }
        int oldest = Enumerable.Range(0, versions.Count).MinBy(i => Code(versions[i]));
        return (oldest, $"Every NVRTC found ({found}) is newer than the driver (CUDA {driver}); NVRTC {Format(versions[oldest])}, the oldest, "
            + $"is used, but the code it compiles may not load: update the NVIDIA driver, or install an NVRTC of CUDA {driver} or older "
            + $"and name its folder in {LibraryResolver.ExtraFoldersVariable}.");
    }

    /// <summary>The version NVRTC reports through the library at <paramref name="handle"/> (nvrtcVersion), (0, 0) when it fails.</summary>
    /// <param name="handle">A loaded NVRTC library.</param>
    /// <returns>(major, minor).</returns>
    internal static unsafe (int Major, int Minor) ReadVersion(IntPtr handle)
    {
        // Called before the chosen library is registered for the [LibraryImport]s, so through the export itself.
        if (!NativeLibrary.TryGetExport(handle, "nvrtcVersion", out IntPtr export))
        {
            return (0, 0);
        }
        int major = 0, minor = 0;
        var nvrtcVersion = (delegate* unmanaged<int*, int*, NvrtcResult>)export;
        return nvrtcVersion(&major, &minor) == NvrtcResult.NVRTC_SUCCESS ? (major, minor) : (0, 0);
    }

    private static string Format((int Major, int Minor) v)
        => v.Major == 0 ? "of unknown version" : v.Major.ToString(CultureInfo.InvariantCulture) + "." + v.Minor.ToString(CultureInfo.InvariantCulture);

    private static string FormatDriver(int version)
        => (version / 1000).ToString(CultureInfo.InvariantCulture) + "." + (version % 1000 / 10).ToString(CultureInfo.InvariantCulture);
}
