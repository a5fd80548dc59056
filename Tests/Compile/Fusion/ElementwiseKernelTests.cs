using CudaTensor.AutogradEngine;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// Hand-written cases of <see cref="ElementwiseKernel"/> on the CPU: values worked out by hand, PyTorch's promotion
/// and broadcasting against eager mode, strided and parallel operands, gradients, and the errors.
/// </summary>
public sealed class ElementwiseKernelTests
{
    private static readonly Device Cpu = Device.Cpu;

    [Test]
    public void TheSixOpChainIsIdenticalToEager()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(3);
        var chain = ElementwiseKernel.Create((a, b) => ((a * b + 1).Sigmoid() * a - b).Tanh());
        foreach (var (shape, dtype) in new (long[], DType)[] { ([4097], DType.Float32), ([3, 2500], DType.Float64), ([5], DType.Float32) })
        {
            var a = Tensor.Randn(shape, dtype, Cpu, generator: gen);
            var b = Tensor.Randn(shape, dtype, Cpu, generator: gen);
            FusedAssert.Identical(chain(a, b), ((a * b + 1).Sigmoid() * a - b).Tanh(), $"{dtype.Name()} [{string.Join(",", shape)}]");
        }
    }

    [Test]
    public void WhereOfAComparisonPicksPerElement()
    {
        using var scope = Tensor.NewScope();
        var f = ElementwiseKernel.Create((x, y) => Tensor.Where(x.Gt(y), x * 2, y - 1));
        var x = Tensor.FromArray(new float[] { 1, 5, -2, 3 });
        var y = Tensor.FromArray(new float[] { 2, 4, -3, 3 });
        TensorAssert.Close(f(x, y), [1, 10, -4, 2], [4], rtol: 0, atol: 0, dtype: DType.Float32);
    }

    [Test]
    public void CastsTruncateAndPromoteAsEager()
    {
        using var scope = Tensor.NewScope();
        var f = ElementwiseKernel.Create(x => (x.To(DType.Int32) * 3).To(DType.Float32) / 2);
        TensorAssert.Close(f(Tensor.FromArray(new float[] { 1.7f, -2.5f, 3.9f })), [1.5, -3, 4.5], [3], rtol: 0, atol: 0, dtype: DType.Float32);
        // Non-zero to true, including NaN and -0.0 (false).
        var b = ElementwiseKernel.Create(x => x.To(DType.Bool));
        TensorAssert.Close(b(Tensor.FromArray(new double[] { 0.0, -0.0, double.NaN, 2 })), [0, 0, 1, 1], [4], dtype: DType.Bool);
    }

    [Test]
    public void IntegerArithmeticStaysInteger()
    {
        using var scope = Tensor.NewScope();
        var f = ElementwiseKernel.Create((a, b) => (a * b - 7).Abs() + Tensor.Maximum(a, b));
        var a = Tensor.FromArray(new long[] { 2, -3, 4, 0 });
        var b = Tensor.FromArray(new long[] { 5, 2, -1, 9 });
        // |10-7|+5, |-6-7|+2, |-4-7|+4, |0-7|+9
        TensorAssert.Close(f(a, b), [8, 15, 15, 16], [4], rtol: 0, atol: 0, dtype: DType.Int64);
    }

    [Test]
    public void BoolArithmeticIsLogical()
    {
        using var scope = Tensor.NewScope();
        var p = Tensor.FromArray(new[] { true, true, false, false });
        var q = Tensor.FromArray(new[] { true, false, true, false });
        TensorAssert.Close(ElementwiseKernel.Create((x, y) => x + y)(p, q), [1, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(ElementwiseKernel.Create((x, y) => x * y)(p, q), [1, 0, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(ElementwiseKernel.Create((x, y) => x.LogicalXor(y))(p, q), [0, 1, 1, 0], [4], dtype: DType.Bool);
    }

    [Test]
    public void PromotionFollowsTiersAsEager()
    {
        using var scope = Tensor.NewScope();
        var f32 = Tensor.FromArray(new float[] { 1.5f, -2f, 3f });
        var f64Scalar = Tensor.FromArray(new double[] { 0.25 }).Reshape([]);
        var i32 = Tensor.FromArray(new[] { 1, 2, 3 });
        var f64 = Tensor.FromArray(new double[] { 0.5, 0.25, 2 });
        var add = ElementwiseKernel.Create((a, b) => a + b);
        // A 0-d Float64 does not widen a dimensioned Float32; Int32 with Float64 is Float64; Int32 with 2.5 is Float32.
        FusedAssert.Identical(add(f32, f64Scalar), f32 + f64Scalar, "float32[3] + float64[]");
        FusedAssert.Identical(add(i32, f64), i32 + f64, "int32[3] + float64[3]");
        FusedAssert.Identical(ElementwiseKernel.Create(a => a * 2.5)(i32), i32 * 2.5, "int32 * 2.5");
        Assert.That(add(f32, f64Scalar).DType, Is.EqualTo(DType.Float32));
    }

    [Test]
    public void BroadcastingRowsAndColumns()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(9);
        var col = Tensor.Randn([3, 1], DType.Float64, Cpu, generator: gen);
        var row = Tensor.Randn([1, 1500], DType.Float64, Cpu, generator: gen);
        var f = ElementwiseKernel.Create((a, b) => (a - b).Square() * 0.5 + a.Exp());
        FusedAssert.Close(f(col, row), (col - row).Square() * 0.5 + col.Exp(), "[3,1] with [1,1500]", 1e-14, 0);
        var small = Tensor.Randn([4], DType.Float64, Cpu, generator: gen);
        var mat = Tensor.Randn([6, 4], DType.Float64, Cpu, generator: gen);
        FusedAssert.Close(f(small, mat), (small - mat).Square() * 0.5 + small.Exp(), "[4] with [6,4]", 1e-14, 0);
    }

    [Test]
    public void StridedArgumentsAreGathered()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(11);
        var m = Tensor.Randn([40, 30], DType.Float32, Cpu, generator: gen);
        var n = Tensor.Randn([30, 40], DType.Float32, Cpu, generator: gen);
        var f = ElementwiseKernel.Create((a, b) => (a * b).Relu() - b);
        // A transposed argument: the layout has no dense order, so tiles gather rows.
        FusedAssert.Identical(f(m, n.T), (m * n.T).Relu() - n.T, "[40,30] with a transposed [30,40]");
        var wide = Tensor.Randn([4, 5000], DType.Float32, Cpu, generator: gen);
        // Rows of a slice: long rows, each starting at its own offset.
        var inner = wide[.., 1..4999];
        FusedAssert.Identical(f(inner, inner), (inner * inner).Relu() - inner, "a slice of rows");
    }

    [Test]
    public void LargeTensorsRunInParallelTiles()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(13);
        var a = Tensor.Randn([1 << 19], DType.Float32, Cpu, generator: gen);
        var b = Tensor.Randn([1 << 19], DType.Float32, Cpu, generator: gen);
        var f = ElementwiseKernel.Create((x, y) => (x.Sigmoid() * y + x.Tanh()).Clamp(-1, 1));
        FusedAssert.Identical(f(a, b), (a.Sigmoid() * b + a.Tanh()).Clamp(-1, 1), "2^19 float32");
    }

    [Test]
    public void ZeroElementsAndScalars()
    {
        using var scope = Tensor.NewScope();
        var f = ElementwiseKernel.Create((x, y) => x * y + 1);
        Assert.That(f(Tensor.Zeros([0, 3]), Tensor.Zeros([3])).Shape.ToArray(), Is.EqualTo(new long[] { 0, 3 }));
        var s = f(Tensor.FromArray(new float[] { 3 }).Reshape([]), Tensor.FromArray(new float[] { 4 }).Reshape([]));
        TensorAssert.Close(s, [13], [], rtol: 0, atol: 0);
    }

    [Test]
    public void ArgumentsThatRequireGradRunEagerlyWithGradients()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(17);
        var a = Tensor.Randn([5], DType.Float64, Cpu, requiresGrad: true, generator: gen);
        var b = Tensor.Randn([5], DType.Float64, Cpu, generator: gen);
        var f = ElementwiseKernel.Create((x, y) => (x * y).Sigmoid());
        f(a, b).Sum().Backward();
        var s = (a.Detach() * b).Sigmoid();
        // d/da sigmoid(a b) = s (1 - s) b
        TensorAssert.Close(a.Grad!, TensorAssert.ToDoubles(s * (1 - s) * b), [5], rtol: 1e-14, atol: 0);
        // With grad mode off the same arguments take the fused path.
        using (GradMode.Set(false)) FusedAssert.Identical(f(a, b), (a * b).Sigmoid(), "no grad");
    }

    [Test]
    public void ExplainShowsTheProgramAndTheKernel()
    {
        using var scope = Tensor.NewScope();
        var k = new ElementwiseKernel(t => (t[0] * t[1] + 1).Sigmoid(), "MyKernel");
        string text = k.Explain(Tensor.Zeros([4]), Tensor.Zeros([4]));
        Assert.That(text, Does.Contain("MyKernel").And.Contain("Sigmoid float32").And.Contain("ct_f32::ct_op_Sigmoid").And.Contain("ct_f32::ct_op_Mul"));
    }

    [Test]
    public void NonElementwiseOpsAreRefusedByName()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Ones([3, 3]);
        Assert.That(() => ElementwiseKernel.Create(t => t.Sum())(x),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("reduction (Sum)").And.Message.Contains("not elementwise"));
        Assert.That(() => ElementwiseKernel.Create(t => t.MatMul(t))(x),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("MatMul"));
        Assert.That(() => ElementwiseKernel.Create(t => t.T + 1)(x),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("view"));
        Assert.That(() => ElementwiseKernel.Create(t => t.AddInPlace(1))(x),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("in place"));
        var ints = Tensor.FromArray(new long[] { 4, 5 });
        Assert.That(() => ElementwiseKernel.Create((p, q) => p % q)(ints, ints),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("not elementwise"));
    }

    [Test]
    public void BadArgumentsNameTheKernel()
    {
        using var scope = Tensor.NewScope();
        var k = new ElementwiseKernel(t => t[0] + t[1], "Adder");
        Assert.That(() => k.Invoke(Tensor.Ones([2]), null!), Throws.TypeOf<ArgumentNullException>().With.Message.Contains("Adder"));
        Assert.That(() => k.Invoke(Tensor.Ones([2]), Tensor.Ones([3])), Throws.ArgumentException.With.Message.Contains("[2]").And.Message.Contains("[3]"));
        var gone = Tensor.Ones([2]);
        gone.Dispose();
        Assert.That(() => k.Invoke(Tensor.Ones([2]), gone), Throws.TypeOf<ObjectDisposedException>());
    }
}
