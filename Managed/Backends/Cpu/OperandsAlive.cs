namespace CudaTensor.Backends.Cpu;

/// <summary>
/// Keeps the storages a primitive reads reachable until the primitive returns (<c>using var _ = new OperandsAlive(...)</c>).
/// </summary>
/// <remarks>
/// A primitive works on raw addresses. Once it has taken them, the JIT may consider an operand's tensor and storage
/// dead: a temporary such as the <c>x.Exp()</c> in <c>x.Exp().Sum()</c> is referenced by nothing else. A collection
/// during the kernel (started by any thread) would then finalize that storage and hand its block back to the pool,
/// where an allocation on another thread could reuse or free it while the kernel still reads it. Outputs need no
/// guard: the caller returns them. <see cref="GC.KeepAlive"/> emits no code; it only extends the reference's life.
/// </remarks>
internal readonly ref struct OperandsAlive(object? s0, object? s1 = null, object? s2 = null, object? s3 = null, object? s4 = null)
{
    private readonly object? _s0 = s0, _s1 = s1, _s2 = s2, _s3 = s3, _s4 = s4;

    public void Dispose()
    {
        GC.KeepAlive(_s0);
        GC.KeepAlive(_s1);
        GC.KeepAlive(_s2);
        GC.KeepAlive(_s3);
        GC.KeepAlive(_s4);
    }
}
