using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CudaTensor.Native;

/// <summary>
/// NVRTC, the CUDA C++ runtime compiler (nvrtc.h). Every method checks the status and throws
/// <see cref="NvrtcException"/>; compile failures are returned, not thrown, by <see cref="Compile"/> so
/// that callers can attach the log and the source.
/// </summary>
public static unsafe partial class Nvrtc
{
    private const string Lib = LibraryResolver.NvrtcImport;

    static Nvrtc() => LibraryResolver.EnsureRegistered();

    /// <summary>Throws <see cref="NvrtcException"/> unless <paramref name="result"/> is NVRTC_SUCCESS.</summary>
    /// <param name="result">The status.</param>
    /// <param name="call">The call (filled in by the compiler).</param>
    /// <exception cref="NvrtcException">The status is an error.</exception>
    public static void Check(NvrtcResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != NvrtcResult.NVRTC_SUCCESS)
        {
            throw new NvrtcException(result, call);
        }
    }

    /// <summary>NVRTC's name for a status (nvrtcGetErrorString), or the enum name when NVRTC is not loaded.</summary>
    /// <param name="result">The status.</param>
    /// <returns>E.g. <c>NVRTC_ERROR_COMPILATION</c>.</returns>
    public static string ErrorName(NvrtcResult result)
    {
        if (LibraryResolver.Probe(NativeLibraryKind.Nvrtc).Found)
        {
            byte* text = nvrtcGetErrorString(result);
            if (text != null)
            {
                return Marshal.PtrToStringUTF8((IntPtr)text) ?? result.ToString();
            }
        }
        return result.ToString();
    }

    /// <summary>NVRTC's version (nvrtcVersion).</summary>
    /// <returns>(major, minor), e.g. (11, 8).</returns>
    public static (int Major, int Minor) GetVersion()
    {
        int major, minor;
        Check(nvrtcVersion(&major, &minor));
        return (major, minor);
    }

    /// <summary>Like <see cref="GetVersion"/>, but (0, 0) when NVRTC is missing. Never throws.</summary>
    /// <returns>(major, minor) or (0, 0).</returns>
    public static (int Major, int Minor) TryGetVersion()
    {
        if (!LibraryResolver.Probe(NativeLibraryKind.Nvrtc).Found)
        {
            return (0, 0);
        }
        int major = 0, minor = 0;
        return nvrtcVersion(&major, &minor) == NvrtcResult.NVRTC_SUCCESS ? (major, minor) : (0, 0);
    }

    /// <summary>
    /// The architectures this NVRTC can target, e.g. 35, 37, 50, ..., 90 (nvrtcGetNumSupportedArchs and
    /// nvrtcGetSupportedArchs, NVRTC 11.2 and later).
    /// </summary>
    /// <returns>Ascending compute capabilities times ten.</returns>
    public static int[] GetSupportedArchitectures()
    {
        int n;
        Check(nvrtcGetNumSupportedArchs(&n));
        var archs = new int[n];
        fixed (int* p = archs)
        {
            Check(nvrtcGetSupportedArchs(p));
        }
        return archs;
    }

    /// <summary>Creates a program (nvrtcCreateProgram) with in-memory headers for <c>#include</c>.</summary>
    /// <param name="source">CUDA C++ source.</param>
    /// <param name="name">The program's file name, used in messages (e.g. "random.cu").</param>
    /// <param name="headers">Header file name to contents.</param>
    /// <returns>The owned program.</returns>
    public static NvrtcProgramHandle CreateProgram(string source, string name, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        int count = headers?.Count ?? 0;
        var pins = new List<IntPtr>();
        try
        {
            IntPtr src = Utf8(source, pins), nm = Utf8(name, pins);
            IntPtr* contents = stackalloc IntPtr[Math.Max(count, 1)];
            IntPtr* names = stackalloc IntPtr[Math.Max(count, 1)];
            for (int i = 0; i < count; i++)
            {
                contents[i] = Utf8(headers![i].Value, pins);
                names[i] = Utf8(headers[i].Key, pins);
            }
            IntPtr prog;
            Check(nvrtcCreateProgram(&prog, (byte*)src, (byte*)nm, count, count == 0 ? null : (byte**)contents, count == 0 ? null : (byte**)names));
            return new NvrtcProgramHandle(prog);
        }
        finally
        {
            foreach (IntPtr p in pins)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    /// <summary>Registers a name expression (e.g. a template instantiation) before compiling (nvrtcAddNameExpression).</summary>
    /// <param name="program">The program.</param>
    /// <param name="nameExpression">E.g. <c>"fill&lt;float&gt;"</c>.</param>
    public static void AddNameExpression(NvrtcProgramHandle program, string nameExpression)
    {
        ArgumentNullException.ThrowIfNull(program);
        Check(nvrtcAddNameExpression(program.DangerousGetHandle(), nameExpression));
        GC.KeepAlive(program);
    }

    /// <summary>Compiles (nvrtcCompileProgram) and returns the status: NVRTC_ERROR_COMPILATION is returned, not thrown.</summary>
    /// <param name="program">The program.</param>
    /// <param name="options">Options such as <c>-arch=sm_80</c>.</param>
    /// <returns>NVRTC_SUCCESS or NVRTC_ERROR_COMPILATION.</returns>
    /// <exception cref="NvrtcException">Any other failure (e.g. an invalid option).</exception>
    public static NvrtcResult Compile(NvrtcProgramHandle program, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        var pins = new List<IntPtr>();
        try
        {
            IntPtr* opts = stackalloc IntPtr[Math.Max(options.Count, 1)];
            for (int i = 0; i < options.Count; i++)
            {
                opts[i] = Utf8(options[i], pins);
            }
            NvrtcResult r = nvrtcCompileProgram(program.DangerousGetHandle(), options.Count, (byte**)opts);
            GC.KeepAlive(program);
            if (r != NvrtcResult.NVRTC_ERROR_COMPILATION)
            {
                Check(r, $"nvrtcCompileProgram(program, [{string.Join(" ", options)}])");
            }
            return r;
        }
        finally
        {
            foreach (IntPtr p in pins)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    /// <summary>The compile log (nvrtcGetProgramLogSize, nvrtcGetProgramLog); empty when there is none.</summary>
    /// <param name="program">The program.</param>
    /// <returns>The log text.</returns>
    public static string GetLog(NvrtcProgramHandle program)
    {
        ArgumentNullException.ThrowIfNull(program);
        nuint size;
        Check(nvrtcGetProgramLogSize(program.DangerousGetHandle(), &size));
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            Check(nvrtcGetProgramLog(program.DangerousGetHandle(), p));
        }
        GC.KeepAlive(program);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    /// <summary>The PTX text, NUL-terminated as cuModuleLoadData wants it (nvrtcGetPTXSize, nvrtcGetPTX).</summary>
    /// <param name="program">A compiled program.</param>
    /// <returns>PTX bytes including the trailing NUL.</returns>
    public static byte[] GetPtx(NvrtcProgramHandle program)
    {
        ArgumentNullException.ThrowIfNull(program);
        nuint size;
        Check(nvrtcGetPTXSize(program.DangerousGetHandle(), &size));
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            Check(nvrtcGetPTX(program.DangerousGetHandle(), p));
        }
        GC.KeepAlive(program);
        return bytes;
    }

    /// <summary>The cubin (nvrtcGetCUBINSize, nvrtcGetCUBIN); only for programs compiled with <c>-arch=sm_XY</c>.</summary>
    /// <param name="program">A compiled program.</param>
    /// <returns>The cubin bytes.</returns>
    public static byte[] GetCubin(NvrtcProgramHandle program)
    {
        ArgumentNullException.ThrowIfNull(program);
        nuint size;
        Check(nvrtcGetCUBINSize(program.DangerousGetHandle(), &size));
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            Check(nvrtcGetCUBIN(program.DangerousGetHandle(), p));
        }
        GC.KeepAlive(program);
        return bytes;
    }

    /// <summary>The mangled name of a registered name expression (nvrtcGetLoweredName), after compiling.</summary>
    /// <param name="program">A compiled program.</param>
    /// <param name="nameExpression">An expression passed to <see cref="AddNameExpression"/>.</param>
    /// <returns>The lowered (mangled) symbol name.</returns>
    public static string GetLoweredName(NvrtcProgramHandle program, string nameExpression)
    {
        ArgumentNullException.ThrowIfNull(program);
        byte* lowered;
        Check(nvrtcGetLoweredName(program.DangerousGetHandle(), nameExpression, &lowered));
        string name = Marshal.PtrToStringUTF8((IntPtr)lowered) ?? string.Empty;
        GC.KeepAlive(program);
        return name;
    }

    internal static NvrtcResult DestroyNoThrow(IntPtr program)
    {
        IntPtr p = program;
        return nvrtcDestroyProgram(&p);
    }

    private static IntPtr Utf8(string s, List<IntPtr> pins)
    {
        IntPtr p = Marshal.StringToCoTaskMemUTF8(s);
        pins.Add(p);
        return p;
    }

    // ------------------------------------------------------------------ imports (nvrtc.h)

    [LibraryImport(Lib)] private static partial byte* nvrtcGetErrorString(NvrtcResult result);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcVersion(int* major, int* minor);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetNumSupportedArchs(int* numArchs);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetSupportedArchs(int* supportedArchs);
    [LibraryImport(Lib)]
    private static partial NvrtcResult nvrtcCreateProgram(IntPtr* prog, byte* src, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcDestroyProgram(IntPtr* prog);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcCompileProgram(IntPtr prog, int numOptions, byte** options);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetPTXSize(IntPtr prog, nuint* ptxSizeRet);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetPTX(IntPtr prog, byte* ptx);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetCUBINSize(IntPtr prog, nuint* cubinSizeRet);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetCUBIN(IntPtr prog, byte* cubin);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetProgramLogSize(IntPtr prog, nuint* logSizeRet);
    [LibraryImport(Lib)] private static partial NvrtcResult nvrtcGetProgramLog(IntPtr prog, byte* log);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial NvrtcResult nvrtcAddNameExpression(IntPtr prog, string nameExpression);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial NvrtcResult nvrtcGetLoweredName(IntPtr prog, string nameExpression, byte** loweredName);
}
