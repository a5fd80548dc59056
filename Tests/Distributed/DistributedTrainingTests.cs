using NUnit.Framework;

namespace CudaTensor.Tests.Distributed;

/// <summary>
/// Data parallel (DistributedDataParallel: plain, NoSync accumulation, unused parameters), tensor parallel (column and
/// row parallel linears, the MLP block, the vocabulary-parallel embedding) and pipeline parallel (GPipe, 1F1B) on 2 MPI
/// ranks, each against the same model run in one process on the whole batch. One mpirun launch runs them all.
/// </summary>
[TestFixture]
[NonParallelizable]
public class DistributedTrainingTests
{
    private static readonly string[] OnTwoRanks =
    [
        "ddp-float64", "ddp-float32", "ddp-nosync", "ddp-unused", "ddp-unused-error",
        "tp-linear", "tp-mlp", "tp-embedding", "pipeline-gpipe", "pipeline-1f1b",
    ];

    [TestCaseSource(nameof(OnTwoRanks))]
    public void TwoRanks(string scenario) => MpiRun.AssertPassed(2, OnTwoRanks, scenario);
}
