using NUnit.Framework;

namespace CudaTensor.Tests.Distributed;

/// <summary>
/// The collectives on 2 and 4 MPI ranks (each scenario checks every rank's results against values computed locally),
/// async overlap, timeouts, the debug mode, subgroups, CUDA tensors, and NCCL where a GPU and libnccl exist.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ProcessGroupTests
{
    private static readonly string[] OnTwoRanks =
    [
        "mpi-binding", "allreduce", "broadcast", "reduce", "allgather", "reducescatter", "gather-scatter", "alltoall",
        "sendrecv", "barrier", "async-forms", "async-overlap", "timeout", "debug-mismatch", "bad-arguments",
        "cuda-through-mpi", "functional",
    ];

    private static readonly string[] OnFourRanks = ["allreduce", "allgather", "reducescatter", "alltoall", "sendrecv", "subgroups", "functional"];

    private static readonly string[] OnOneRank = ["nccl", "allreduce", "gather-scatter"];

    [TestCaseSource(nameof(OnTwoRanks))]
    public void TwoRanks(string scenario) => MpiRun.AssertPassed(2, OnTwoRanks, scenario);

    [TestCaseSource(nameof(OnFourRanks))]
    public void FourRanks(string scenario) => MpiRun.AssertPassed(4, OnFourRanks, scenario);

    [TestCaseSource(nameof(OnOneRank))]
    public void OneRank(string scenario) => MpiRun.AssertPassed(1, OnOneRank, scenario);
}
