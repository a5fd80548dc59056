using System.Reflection;
using System.Runtime.InteropServices;
using CudaTensor.Native;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>Every entry point the bindings declare exists in the installed library (catches misspelt or missing _v2 names).</summary>
[TestFixture]
public class EntryPointTests
{
    [TestCase(typeof(Driver), NativeLibraryKind.Driver, true)]
    [TestCase(typeof(Nvrtc), NativeLibraryKind.Nvrtc, true)]
    [TestCase(typeof(Cublas), NativeLibraryKind.Cublas, false)]
    [TestCase(typeof(CublasLt), NativeLibraryKind.CublasLt, false)]
    public void DeclaredEntryPointsExist(Type binding, NativeLibraryKind kind, bool requiredInCi)
    {
        NativeLibraryProbe probe = LibraryResolver.Probe(kind);
        if (!probe.Found)
        {
            if (requiredInCi)
            {
                NativeRequirement.Library(kind);
            }
            Assert.Ignore(probe.Describe() + " (CI does not install cuBLAS: 670 MB)");
        }
        var names = binding.GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.Import is not null)
            .Select(x => x.Import!.EntryPoint ?? x.Method.Name)
            .ToArray();
        Assert.That(names, Is.Not.Empty);
        string[] missing = names.Where(n => !NativeLibrary.TryGetExport(probe.Handle, n, out _)).ToArray();
        Assert.That(missing, Is.Empty, $"entry points missing from {probe.Path}");
        TestContext.Out.WriteLine($"{names.Length} entry points of {binding.Name} found in {probe.Path}");
    }

    [Test]
    public void CublasWithoutGpuFailsWithNotInitialized()
    {
        NativeLibraryProbe probe = LibraryResolver.Probe(NativeLibraryKind.Cublas);
        if (!probe.Found || Cuda.IsAvailable)
        {
            Assert.Ignore(probe.Found ? "A GPU is present." : probe.Describe());
        }
        var e = Assert.Throws<CublasException>(() => Cublas.Create().Dispose())!;
        Assert.That(e.Status, Is.EqualTo(CublasStatus.CUBLAS_STATUS_NOT_INITIALIZED));
        Assert.That(e.Message, Does.Contain("cublasCreate_v2(&h)"));
        Assert.That(Cublas.TryGetVersion(), Is.GreaterThanOrEqualTo(110000));
    }
}
