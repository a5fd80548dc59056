using CudaTensor.Backends.Cuda;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Every program instantiation the CUDA backend compiles, as compute_90 PTX (what NVRTC gives a virtual device of
/// compute capability 9.9), loads into the PTX engine, and every kernel the backend launches is found in it. A form
/// NVRTC emits that the engine does not decode fails here with its line and text.
/// </summary>
[TestFixture]
public class PtxCorpusTests
{
    /// <summary>Set to a folder to keep the corpus PTX there (one file per program and dtype) for inspection.</summary>
    private const string DumpVariable = "CUDATENSOR_PTX_DUMP";

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var group in CudaKernels.Instantiations().GroupBy(i => (i.Program, i.DType)).OrderBy(g => g.Key.Program, StringComparer.Ordinal).ThenBy(g => g.Key.DType))
        {
            string[] kernels = group.Select(i => i.Kernel).ToArray();
            string dtype = group.Key.DType is { } d ? d.ToString() : "untyped";
            yield return new TestCaseData(group.Key.Program, group.Key.DType, kernels)
                .SetName($"Loads({group.Key.Program}, {dtype}, {kernels.Length} kernels)");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Loads(string program, DType? dtype, string[] kernels)
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        string ptx = PtxCompile.Corpus(program, dtype);
        if (Environment.GetEnvironmentVariable(DumpVariable) is { Length: > 0 } dump)
        {
            Directory.CreateDirectory(dump);
            File.WriteAllText(Path.Combine(dump, $"{Path.GetFileNameWithoutExtension(program)}.{(dtype is { } d ? d.ToString() : "untyped")}.ptx"), ptx);
        }
        PtxModule module = PtxModule.Parse(ptx);
        var missing = kernels.Where(k => module.FindKernel(k) is null).ToArray();
        Assert.That(missing, Is.Empty, $"kernels the backend launches but the decoded {program} ({dtype}) lacks");
    }
}
