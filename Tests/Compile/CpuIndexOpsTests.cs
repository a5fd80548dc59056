using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>
/// CPU index ops inside compiled functions: the CPU backend checks indices in its gather and scatter primitives, so
/// no host read of the index is needed and the function compiles (it used to run eagerly).
/// </summary>
public sealed class CpuIndexOpsTests
{
    private static readonly CompileOptions Strict = new() { FallbackToEager = false };

    [Test]
    public void IndexSelectAndGatherCompile()
    {
        using var scope = Tensor.NewScope();
        var table = Tensor.Randn([10, 4], DType.Float64, generator: new Generator(71));
        Func<Tensor, Tensor, Tensor> body = (ids, rows) => table.IndexSelect(0, ids).Gather(1, rows) * 2.0;
        var compiled = Compile.Function(body, Strict);
        for (int call = 0; call < 3; call++)
        {
            var ids = Tensor.FromArray(new long[] { call, 9, 3, 3 + call });
            var rows = Tensor.FromArray(new long[,] { { 0, 1 }, { 3, 2 }, { 1, 1 }, { 2, 0 } });
            Assert.That(compiled(ids, rows).ToArray<double>(), Is.EqualTo(body(ids, rows).ToArray<double>()), $"call {call}");
        }
        string report = Compile.Explain(compiled, Tensor.FromArray(new long[] { 1, 2, 3, 4 }), Tensor.Zeros([4, 2], DType.Int64));
        Assert.That(report, Does.Contain("Gather").And.Not.Contain("runs eagerly"));
    }

    [Test]
    public void ABadIndexAtReplayNamesTheOp()
    {
        using var scope = Tensor.NewScope();
        var table = Tensor.Randn([5, 3], generator: new Generator(72));
        var compiled = Compile.Function((Tensor ids) => table.IndexSelect(0, ids), Strict);
        for (int call = 0; call < 3; call++) compiled(Tensor.FromArray(new long[] { 0, 4 })).Dispose();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => compiled(Tensor.FromArray(new long[] { 1, 5 })));
        Assert.That(error!.Message, Does.Contain("IndexSelect: index 5 is out of bounds for dimension 0 with size 5"));
        // Eager mode says the same.
        var eager = Assert.Throws<ArgumentOutOfRangeException>(() => table.IndexSelect(0, Tensor.FromArray(new long[] { -1, 2 })));
        Assert.That(eager!.Message, Does.Contain("IndexSelect: index -1 is out of bounds"));
    }

    [Test]
    public void ScatterAddCompiles()
    {
        using var scope = Tensor.NewScope();
        Func<Tensor, Tensor, Tensor> body = (index, src) => Tensor.Zeros([3, 4]).ScatterAdd(1, index, src);
        var compiled = Compile.Function(body, Strict);
        var gen = new Generator(73);
        for (int call = 0; call < 3; call++)
        {
            var index = Tensor.RandInt(0, 4, [3, 4], generator: gen);
            var src = Tensor.Randn([3, 4], generator: gen);
            Assert.That(compiled(index, src).ToArray<float>(), Is.EqualTo(body(index, src).ToArray<float>()), $"call {call}");
        }
    }
}
