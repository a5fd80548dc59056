using System.Text;
using CudaTensor.Backends.Cuda;
using CudaTensor.CudaRuntime;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>NVRTC to compute_90 PTX, as the library compiles for a virtual device of compute capability 9.9.</summary>
internal static class PtxCompile
{
    public static readonly KernelTarget Target = new(90, Cubin: false);

    /// <summary>PTX text of a test kernel written in CUDA C (extern "C" keeps the entry names plain).</summary>
    public static string Source(string source, string name = "test.cu", bool fastMath = false)
    {
        CompiledKernel kernel = KernelCompiler.Compile(name, source, KernelCompiler.Options(Target, fastMath), Target);
        return Text(kernel.Image);
    }

    /// <summary>PTX text of one program of Kernels/ instantiated as the CUDA backend instantiates it.</summary>
    public static string Corpus(string program, DType? dtype)
    {
        IReadOnlyList<string>? defines = dtype is { } d ? CudaKernels.Defines(d) : null;
        CompiledKernel kernel = KernelCompiler.Compile(program, KernelSources.Read(program), KernelCompiler.Options(Target, extra: defines), Target);
        return Text(kernel.Image);
    }

    private static string Text(byte[] image) => Encoding.ASCII.GetString(image).TrimEnd('\0');
}
