using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Benchmarks;

/// <summary>The machine line: CPU model, cores, vector width, .NET version, OS.</summary>
public sealed record MachineInfo(string CpuModel, int Cores, int VectorBits, string DotNet, string Os)
{
    /// <summary>Reads the current machine.</summary>
    public static MachineInfo Current()
    {
        int bits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        return new MachineInfo(ReadCpuModel(), Environment.ProcessorCount, bits, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription);
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? model = null, family = null, number = null;
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon < 0) continue;
                    string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                    if (key == "model name") model ??= value;
                    else if (key == "cpu family") family ??= value;
                    else if (key == "model") number ??= value;
                }
                if (model is not null) return family is null ? model : $"{model} (family {family}, model {number})";
            }
        }
        catch (IOException)
        {
            // Fall through to the architecture name.
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <inheritdoc/>
    public override string ToString()
        => $"{CpuModel}, {Cores} cores, {(VectorBits > 0 ? VectorBits + "-bit vectors" : "no SIMD")}, {DotNet}, {Os}";
}
