namespace CudaTensor.Backends;

/// <summary>
/// Capability of a backend whose storages are host memory that other backends may read and write directly (the CPU
/// backend's pinned buffers): device transfers copy straight into or out of it.
/// </summary>
internal unsafe interface IHostMemory
{
    /// <summary>Address of the first element of <paramref name="t"/> (a view of this backend's storage).</summary>
    byte* HostAddress(Strided t);
}
