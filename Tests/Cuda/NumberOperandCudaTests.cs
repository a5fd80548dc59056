using CudaTensor.Native;
using CudaTensor.Tests.Compilation.Fusion;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// A C# number as an operand on CUDA (<c>x * 2.5</c>, <c>1 - x</c>) is a kernel argument: one launch, no one-element
/// buffer and fill, and the values of the CPU backend, in every dtype and in both operand orders.
/// </summary>
public sealed class NumberOperandCudaTests : GpuFixture
{
    private static readonly DType[] DTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    private static Tensor Values(DType dtype, long[] shape)
    {
        var x = Tensor.Randn(shape, DType.Float64, Device.Cpu, generator: new Generator(5)) * 4;
        return x.To(dtype);
    }

    [TestCaseSource(nameof(DTypes))]
    public void MatchesCpuInEveryOrderAndLayout(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = Values(dtype, [6, 33]);
        var gx = x.To(Gpu);
        var cases = new (string Name, Func<Tensor, Tensor> F)[]
        {
            ("x + 3", t => t + 3), ("x * 2.5", t => t * 2.5), ("7 - x", t => 7 - t), ("x - 1.5", t => t - 1.5),
            ("x / 4", t => t / 4), ("3 / x", t => 3.0 / (t.Abs() + 1)), ("x > 0.5", t => t.Gt(0.5)), ("2 <= x", t => t.Ge(2)),
            ("x.T * -2 (strided)", t => t.T * -2), ("x[::2] + 1 (strided)", t => t.Slice(1, 0, 33, 2) + 1),
            ("x % 3", t => t % 3), ("x.AddInPlace(2)", t => t.Clone().AddInPlace(2)),
        };
        foreach (var (name, f) in cases)
        {
            var cpu = f(x);
            var gpu = f(gx).To(Cpu);
            if (cpu.DType.IsFloatingPoint()) FusedAssert.Close(gpu, cpu, $"{name} {dtype.Name()}", cpu.DType == DType.Float32 ? 1e-6 : 1e-14, 0);
            else FusedAssert.Identical(gpu, cpu, $"{name} {dtype.Name()}");
        }
    }

    [Test]
    public void BoolOperandsMatchCpu()
    {
        using var scope = Tensor.NewScope();
        var b = Values(DType.Float32, [40]).Gt(0);
        var gb = b.To(Gpu);
        FusedAssert.Identical((gb + true).To(Cpu), b + true, "bool + true");
        FusedAssert.Identical((gb * 2).To(Cpu), b * 2, "bool * 2 (int64)");
        FusedAssert.Identical((gb * 0.5).To(Cpu), b * 0.5, "bool * 0.5 (float32)");
    }

    [Test]
    public void OneLaunchPerOp()
    {
        using var scope = Tensor.NewScope();
        var gx = Values(DType.Float32, [64]).To(Gpu);
        (gx * 2.0).Dispose();
        long before = Driver.KernelLaunches;
        var y = gx * 3.0;
        Assert.That(Driver.KernelLaunches - before, Is.EqualTo(1), "the number is an argument of the one kernel, no fill launch");
        FusedAssert.Identical(y.To(Cpu), gx.To(Cpu) * 3.0, "x * 3");
    }
}
