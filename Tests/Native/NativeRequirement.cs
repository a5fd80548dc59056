using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>
/// Skips a test whose native library is missing, with the reason; with CUDATENSOR_REQUIRE_NATIVE=1 (set by CI,
/// which installs NVRTC and the driver library) the skip becomes a failure.
/// </summary>
internal static class NativeRequirement
{
    public const string Variable = "CUDATENSOR_REQUIRE_NATIVE";

    public static bool Required => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Library(NativeLibraryKind kind)
    {
        NativeLibraryProbe probe = LibraryResolver.Probe(kind);
        if (!probe.Found)
        {
            Missing(probe.Describe());
        }
    }

    /// <summary>Skips (never fails) unless a GPU is usable: GPU tests must pass in CI without one.</summary>
    public static void Gpu()
    {
        if (!Cuda.IsAvailable)
        {
            Assert.Ignore("No usable GPU: " + Cuda.UnavailableReason);
        }
    }

    private static void Missing(string reason)
    {
        if (Required)
        {
            Assert.Fail($"{reason}, but {Variable}=1 requires it.");
        }
        Assert.Ignore(reason);
    }
}
