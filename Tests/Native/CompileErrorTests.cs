using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

[TestFixture]
public class CompileErrorTests
{
    private const string Broken = """
        #include "philox.cuh"
        extern "C" __global__ void broken(float* out)
        {
            out[0] = undefined_symbol + 1.0f;
        }
        """;

    [Test]
    public void ErrorCarriesLogAndNumberedSourceLines()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(80, Cubin: true);
        var e = Assert.Throws<KernelCompilationException>(
            () => KernelCompiler.Compile("broken.cu", Broken, KernelCompiler.Options(target), target))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Result, Is.EqualTo(NvrtcResult.NVRTC_ERROR_COMPILATION));
            Assert.That(e.Message, Does.StartWith("NVRTC_ERROR_COMPILATION (6) in nvrtcCompileProgram(broken.cu, -arch=sm_80)"));
            Assert.That(e.Message, Does.Contain("Options: --std=c++17 -default-device -arch=sm_80"));
            Assert.That(e.Log, Does.Contain("broken.cu(4): error"));
            Assert.That(e.Log, Does.Contain("undefined_symbol"));
            Assert.That(e.Message, Does.Contain("broken.cu, around line 4:"));
            Assert.That(e.Message, Does.Contain(">    4 |     out[0] = undefined_symbol + 1.0f;"));
            Assert.That(e.Message, Does.Contain("     3 | {"));
            Assert.That(e.ProgramName, Is.EqualTo("broken.cu"));
        });
    }

    [Test]
    public void InvalidOptionIsNamed()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(80, Cubin: true);
        var e = Assert.Throws<NvrtcException>(
            () => KernelCompiler.Compile("x.cu", "extern \"C\" __global__ void k() {}", ["--no-such-option"], target))!;
        Assert.That(e.Result, Is.EqualTo(NvrtcResult.NVRTC_ERROR_INVALID_OPTION));
        Assert.That(e.Message, Does.Contain("NVRTC_ERROR_INVALID_OPTION").And.Contain("--no-such-option"));
    }
}
