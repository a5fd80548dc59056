namespace CudaTensor.CudaRuntime;

/// <summary>The output of one NVRTC compilation: a cubin or NUL-terminated PTX, ready for cuModuleLoadData.</summary>
/// <param name="Name">The program's file name (e.g. "random.cu").</param>
/// <param name="Target">What it was compiled for.</param>
/// <param name="Image">The cubin or PTX bytes.</param>
/// <param name="Log">NVRTC's log (warnings); empty when clean.</param>
/// <param name="Key">The cache key (hash of source, headers, options, NVRTC version and target).</param>
internal sealed record CompiledKernel(string Name, KernelTarget Target, byte[] Image, string Log, string Key);
