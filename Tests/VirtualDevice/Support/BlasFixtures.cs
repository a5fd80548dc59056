using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>A fake context and a cuBLAS handle on the emulator, created before each test and destroyed after it.</summary>
public abstract unsafe class CublasFixture
{
    private protected FakeBlasContext Context { get; private set; } = null!;

    private protected IntPtr BlasHandle { get; private set; }

    [SetUp]
    public void CreateBlasHandle()
    {
        Context = new FakeBlasContext();
        IntPtr h;
        Assert.That(CublasEmulator.Create(Context, &h), Is.EqualTo(BlasStatus.Success));
        BlasHandle = h;
    }

    // NUnit runs a derived fixture's [TearDown] first, so it may still inspect the context.
    [TearDown]
    public void DestroyBlasHandle()
    {
        CublasEmulator.Destroy(BlasHandle);
        Context.Dispose();
    }
}

/// <summary>A fake context and a cuBLASLt session (handle, descriptors, layouts) for each test.</summary>
public abstract class CublasLtFixture
{
    private protected FakeBlasContext Context { get; private set; } = null!;

    private protected LtSession Lt { get; private set; } = null!;

    [SetUp]
    public void CreateLtSession()
    {
        Context = new FakeBlasContext();
        Lt = new LtSession(Context);
    }

    // NUnit runs a derived fixture's [TearDown] first, so it may still inspect the context.
    [TearDown]
    public void DisposeLtSession()
    {
        Lt.Dispose();
        Context.Dispose();
    }
}
