namespace CudaTensor.Distributed;

/// <summary>The library that moves a collective's data (PyTorch's <c>Backend.MPI</c> / <c>Backend.NCCL</c>).</summary>
public enum DistributedBackend
{
    /// <summary>Open MPI: CPU tensors, passed to MPI by their memory address (no copy when contiguous).</summary>
    Mpi,

    /// <summary>NCCL: CUDA tensors, on a communication stream ordered after the compute stream by events.</summary>
    Nccl,
}
