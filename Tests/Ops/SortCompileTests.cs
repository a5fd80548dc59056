using CudaTensor.Compilation;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// The sort primitive inside a compiled function: it is not recorded, so the signature runs eagerly (and matches eager
/// mode), or, without the fallback, the compile fails naming the sort.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class SortCompileTests(Device device)
{
    [Test]
    public void ACompiledTopKRunsEagerlyAndMatches()
    {
        static Tensor Body(Tensor x) => x.TopK(2, 1).Values * 2.0;
        var warnings = new List<string>();
        var compiled = Compile.Function(Body, new CompileOptions { Warn = warnings.Add });
        for (ulong call = 0; call < 3; call++)
        {
            using var x = Tensor.Randn([3, 5], generator: new Generator(call), device: device);
            using var expected = Body(x);
            using var actual = compiled(x);
            TensorAssert.Close(actual, TensorAssert.ToDoubles(expected), [3, 2], rtol: 0, atol: 0);
        }
        Assert.That(warnings, Has.Some.Contains("Sort"));
    }

    [Test]
    public void WithoutFallbackTheCompileNamesTheSort()
    {
        var compiled = Compile.Function((Tensor x) => x.Sort().Values + 1.0, new CompileOptions { FallbackToEager = false });
        using var x = Tensor.Randn([4], device: device, generator: new Generator(1));
        var error = Assert.Throws<CompilationException>(() => compiled(x));
        Assert.That(error!.Message, Does.Contain("Sort"));
    }
}
