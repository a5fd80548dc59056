using System.Diagnostics;
using System.Globalization;
using NUnit.Framework;
using CudaTensor.RandomNumbers;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Tests.RandomNumbers;

/// <summary>
/// Checks the logic of Kernels/philox.cuh without a GPU: PhiloxHostCheck.cpp compiles the header
/// with a host C++ compiler (g++ or clang++) against stand-ins for the CUDA built-ins, and its output
/// must equal RandomFill's. Ignored where no host compiler or source tree is available.
/// </summary>
[TestFixture]
public class CudaHeaderTests
{
    private const ulong Seed = 0x0123456789ABCDEFUL;
    private const ulong Start = 0xFFFFFFFFFFFFFFF0UL;
    private const int Count = 40;

    [Test]
    public void HeaderCompiledForHostMatchesRandomFill()
    {
        string? root = FindRepositoryRoot();
        if (root is null)
        {
            Assert.Ignore("Source tree with Kernels/philox.cuh not found.");
        }

        string? compiler = FindOnPath("g++") ?? FindOnPath("clang++");
        if (compiler is null)
        {
            Assert.Ignore("No host C++ compiler (g++ or clang++) on PATH.");
        }

        string dir = Path.Combine(Path.GetTempPath(), "cudatensor-philox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string exe = Path.Combine(dir, OperatingSystem.IsWindows() ? "check.exe" : "check");
            string source = Path.Combine(root!, "Tests", "Random", "PhiloxHostCheck.cpp");
            Run(compiler!, $"-std=c++17 -O2 -Wno-unknown-pragmas -ffp-contract=off -o \"{exe}\" \"{source}\"");
            string[] lines = Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Compare(lines);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Compare(string[] lines)
    {
        Assert.That(lines, Has.Length.EqualTo(3 + Count), string.Join("\n", lines));
        Assert.That(lines[0], Is.EqualTo("KAT 6627e8d5 e169c58d bc57ac4c 9b00dbd8"));
        Assert.That(lines[1], Is.EqualTo("KAT 408f276d 41c83b0e a20bc7c6 6d5451fd"));
        Assert.That(lines[2], Is.EqualTo("KAT d16cfe09 94fdcceb 5001e420 24126ea1"));

        var uf = new float[Count];
        var ud = new double[Count];
        var nf = new float[Count];
        var nd = new double[Count];
        var il = new long[Count];
        var be = new bool[Count];
        CpuRandomFill.Uniform<float>(uf, Seed, Start, -2f, 3f);
        CpuRandomFill.Uniform<double>(ud, Seed, Start, 10.0, 12.5);
        CpuRandomFill.Normal<float>(nf, Seed, Start, 1.5f, 0.25f);
        CpuRandomFill.Normal<double>(nd, Seed, Start, -3.0, 2.0);
        CpuRandomFill.Integers<long>(il, Seed, Start, -1000, 123457);
        CpuRandomFill.Bernoulli(be, Seed, Start, 0.3);

        Assert.Multiple(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                string[] f = lines[3 + i].Split(' ');
                Assert.That(f, Has.Length.EqualTo(7), lines[3 + i]);
                Assert.That(Hex32(f[1]), Is.EqualTo(BitConverter.SingleToUInt32Bits(uf[i])), $"uniform float {i}");
                Assert.That(Hex64(f[2]), Is.EqualTo(BitConverter.DoubleToUInt64Bits(ud[i])), $"uniform double {i}");
                // Host libm versus .NET's: equal on glibc, within a few ulp elsewhere.
                Assert.That(Math.Abs((long)Hex32(f[3]) - BitConverter.SingleToUInt32Bits(nf[i])), Is.LessThanOrEqualTo(4), $"normal float {i}");
                Assert.That(Math.Abs((long)(Hex64(f[4]) - BitConverter.DoubleToUInt64Bits(nd[i]))), Is.LessThanOrEqualTo(4), $"normal double {i}");
                Assert.That(long.Parse(f[5], CultureInfo.InvariantCulture), Is.EqualTo(il[i]), $"integer {i}");
                Assert.That(f[6] == "1", Is.EqualTo(be[i]), $"bernoulli {i}");
            }
        });
    }

    private static uint Hex32(string s) => uint.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static ulong Hex64(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{Path.GetFileName(file)} failed:\n{stdout}\n{stderr.Result}");
        return stdout;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernels", "philox.cuh")) &&
                File.Exists(Path.Combine(dir.FullName, "Tests", "Random", "PhiloxHostCheck.cpp")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string? FindOnPath(string name)
    {
        string[] names = OperatingSystem.IsWindows() ? [name + ".exe"] : [name];
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            foreach (string n in names)
            {
                string candidate = Path.Combine(dir, n);
                if (dir.Length > 0 && File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
