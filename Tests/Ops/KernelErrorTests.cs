using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

[TestFixture]
public sealed class KernelErrorTests
{
    [TestCase(16)]
    [TestCase(1 << 20)] // above the CPU loop's parallel threshold (2^18 elements)
    public void IntegerRemainderByZeroThrowsTheSameErrorOnOneOrSeveralThreads(int n)
    {
        // Above StridedLoop.ParallelThreshold the kernel runs on several threads; the caller must still see the
        // kernel's own exception, not a wrapper.
        using var a = Tensor.Ones([n], DType.Int64);
        using var b = Tensor.Zeros([n], DType.Int64);
        Assert.Throws<DivideByZeroException>(() => a.Remainder(b).Dispose());
    }
}
