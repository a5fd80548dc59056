using System.Security.Cryptography;
using System.Text;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Compiles CUDA C with NVRTC. Options are always <c>--std=c++17 -default-device -arch=...</c>; fast math
/// (<c>--use_fast_math</c>) only when a kernel opts in (the random kernels must not: their results are
/// specified bit for bit). Every <c>.cuh</c> of <c>Kernels/</c> is available to <c>#include</c>.
/// </summary>
internal static class KernelCompiler
{
    private static readonly Lazy<int[]> LazyArchitectures = new(Nvrtc.GetSupportedArchitectures);

    /// <summary>NVRTC's supported architectures (cached).</summary>
    public static IReadOnlyList<int> SupportedArchitectures => LazyArchitectures.Value;

    /// <summary>The options passed to NVRTC for a target.</summary>
    /// <param name="target">The target.</param>
    /// <param name="fastMath">Whether the kernel opts into fast math.</param>
    /// <param name="extra">Extra options (e.g. <c>-DCT_DTYPE=float</c>), appended last.</param>
    /// <returns>The option list.</returns>
    public static IReadOnlyList<string> Options(KernelTarget target, bool fastMath = false, IReadOnlyList<string>? extra = null)
    {
        var options = new List<string> { "--std=c++17", "-default-device", "-arch=" + target };
        if (fastMath)
        {
            options.Add("--use_fast_math");
        }
        if (extra is not null)
        {
            options.AddRange(extra);
        }
        return options;
    }

    /// <summary>
    /// The cache key: SHA-256 over the source, every header, the options, the NVRTC version and the target.
    /// </summary>
    /// <param name="name">Program file name.</param>
    /// <param name="source">Program source.</param>
    /// <param name="options">Options from <see cref="Options"/>.</param>
    /// <param name="target">The target.</param>
    /// <returns>64 hex digits.</returns>
    public static string Key(string name, string source, IReadOnlyList<string> options, KernelTarget target)
    {
        var (major, minor) = Nvrtc.GetVersion();
        var text = new StringBuilder();
        text.Append("name\0").Append(name).Append("\0source\0").Append(source);
        foreach (var header in KernelSources.Headers)
        {
            text.Append("\0header\0").Append(header.Key).Append('\0').Append(header.Value);
        }
        text.Append("\0options\0").AppendJoin('\0', options);
        text.Append("\0nvrtc\0").Append(major).Append('.').Append(minor);
        text.Append("\0target\0").Append(target.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Compiles one program (no caching; see <see cref="KernelCache"/>).</summary>
    /// <param name="name">Program file name, used in messages.</param>
    /// <param name="source">Program source.</param>
    /// <param name="options">Options from <see cref="Options"/>.</param>
    /// <param name="target">The target named in the options.</param>
    /// <returns>The cubin or PTX with NVRTC's log.</returns>
    /// <exception cref="KernelCompilationException">The source has errors; the message has the log and numbered source lines.</exception>
    /// <exception cref="NvrtcException">NVRTC failed otherwise (e.g. an unsupported option).</exception>
    /// <exception cref="DllNotFoundException">NVRTC is not installed.</exception>
    public static CompiledKernel Compile(string name, string source, IReadOnlyList<string> options, KernelTarget target)
    {
        using NvrtcProgramHandle program = Nvrtc.CreateProgram(source, name, KernelSources.Headers);
        NvrtcResult result = Nvrtc.Compile(program, options);
        string log = Nvrtc.GetLog(program).Trim();
        if (result != NvrtcResult.NVRTC_SUCCESS)
        {
            throw new KernelCompilationException(name, target.ToString(), options, log, source, KernelSources.Headers);
        }
        byte[] image = target.Cubin ? Nvrtc.GetCubin(program) : Nvrtc.GetPtx(program);
        return new CompiledKernel(name, target, image, log, Key(name, source, options, target));
    }
}
