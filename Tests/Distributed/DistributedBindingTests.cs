using System.Runtime.InteropServices;
using CudaTensor.Distributed;
using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.Distributed;

/// <summary>The parts of the MPI and NCCL bindings that can be checked in this process, without launching ranks.</summary>
[TestFixture]
public class DistributedBindingTests
{
    [Test]
    public void StructLayoutsMatchTheHeaders()
    {
        Assert.Multiple(() =>
        {
            // struct ompi_status_public_t: int MPI_SOURCE, MPI_TAG, MPI_ERROR, _cancelled; size_t _ucount.
            Assert.That(Marshal.SizeOf<MpiStatus>(), Is.EqualTo(24));
            Assert.That(Marshal.SizeOf<NcclUniqueId>(), Is.EqualTo(NcclUniqueId.Bytes).And.EqualTo(128));
        });
    }

    [Test]
    public void AnNcclUniqueIdRoundTripsThroughItsBytes()
    {
        byte[] bytes = [.. Enumerable.Range(0, 128).Select(i => (byte)(i * 7))];
        Assert.That(NcclUniqueId.FromBytes(bytes).ToArray(), Is.EqualTo(bytes));
        Assert.Throws<ArgumentException>(() => NcclUniqueId.FromBytes(new byte[127]));
    }

    [Test]
    public void MpiExportsEveryHandleTheBindingUses()
    {
        NativeRequirement.Library(NativeLibraryKind.Mpi);
        Assert.Multiple(() =>
        {
            Assert.That(Mpi.CommWorld, Is.Not.EqualTo(IntPtr.Zero));
            Assert.That(Mpi.CommNull, Is.Not.EqualTo(Mpi.CommWorld));
            Assert.That(Mpi.ErrorsReturn, Is.Not.EqualTo(IntPtr.Zero));
            Assert.That(Mpi.RequestNull, Is.Not.EqualTo(IntPtr.Zero));
            var types = Enum.GetValues<MpiDatatype>().Select(Mpi.Datatype).ToArray();
            Assert.That(types, Is.Unique.And.None.EqualTo(IntPtr.Zero));
            var ops = Enum.GetValues<MpiOp>().Select(Mpi.Op).ToArray();
            Assert.That(ops, Is.Unique.And.None.EqualTo(IntPtr.Zero));
            // MPI_Error_string works before MPI_Init (MPI 3.1, section 8.7).
            Assert.That(Mpi.ErrorString(Mpi.ErrTruncate), Does.Contain("truncat").IgnoreCase);
        });
    }

    [Test]
    public void AnMpiExceptionNamesTheCallTheErrorAndTheFix()
    {
        NativeRequirement.Library(NativeLibraryKind.Mpi);
        var e = Assert.Throws<MpiException>(() => Mpi.Check(Mpi.ErrTruncate, "MPI_Recv(buf, 3, ...)"))!;
        Assert.That(e.Message, Does.Contain("MPI error 15").And.Contain("MPI_Recv(buf, 3, ...)").And.Contain(ProcessGroupOptions.DebugVariable));
        Assert.That(e.ErrorCode, Is.EqualTo(Mpi.ErrTruncate));
    }

    [Test]
    public void AnNcclExceptionNamesTheStatusAndTheCall()
    {
        var e = new NcclException(NcclResult.ncclInvalidUsage, "ncclAllReduce(...)");
        Assert.That(e.Message, Does.Contain("ncclInvalidUsage (5").And.Contain("ncclAllReduce(...)"));
    }

    [Test]
    public void DiagnoseReportsTheLibrariesAndTheLauncher()
    {
        string report = ProcessGroup.Diagnose();
        Assert.That(report, Does.Contain("MPI (Open MPI)").And.Contain("NCCL").And.Contain("Launcher:").And.Contain("World group:"));
        if (Mpi.IsAvailable) Assert.That(report, Does.Contain("Open MPI v"));
    }

    [Test]
    public void TheTimeoutComesFromTheEnvironment()
    {
        string? saved = Environment.GetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable);
        try
        {
            Environment.SetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable, "2.5");
            Assert.That(new ProcessGroupOptions().Timeout, Is.EqualTo(TimeSpan.FromSeconds(2.5)));
            Environment.SetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable, "0");
            Assert.That(new ProcessGroupOptions().Timeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
            Environment.SetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable, "ten");
            Assert.That(() => new ProcessGroupOptions(), Throws.TypeOf<FormatException>().With.Message.Contains(ProcessGroupOptions.TimeoutVariable));
            Environment.SetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable, null);
            Assert.That(new ProcessGroupOptions().Timeout, Is.EqualTo(TimeSpan.FromMinutes(30)));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ProcessGroupOptions.TimeoutVariable, saved);
        }
    }
}
