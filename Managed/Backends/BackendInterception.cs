namespace CudaTensor.Backends;

/// <summary>
/// A per-thread observer of backend lookups (the graph compiler's recorder), installed by a layer above the
/// tensors without the layers below naming it. While one is installed on a thread, <see cref="Backend.For"/> hands
/// out what <see cref="Intercept"/> returns (a wrapper that runs and records each primitive), and library code tells
/// it about what a recorded primitive cannot capture on its own: scalar arguments computed on the host from state
/// that changes between calls, host-side flags an op depends on, and work that cannot be replayed at all.
/// </summary>
internal interface IBackendInterceptor
{
    /// <summary>The backend to hand out instead of <paramref name="backend"/>.</summary>
    IBackend Intercept(IBackend backend);

    /// <summary>
    /// The next primitive recorded on this thread takes its host-computed arguments from <paramref name="recompute"/>
    /// at every replay (called in program order; it may update host state, e.g. an optimizer's step count or a random
    /// generator's offset). The object it returns is the primitive's argument struct, boxed.
    /// </summary>
    void LiveArguments(Func<object> recompute);

    /// <summary>The caller reads <paramref name="flag"/>'s value <paramref name="value"/> and its work depends on it (a module's training mode).</summary>
    void FlagRead(Func<bool> flag, bool value, string what);

    /// <summary>The caller does something a replay would not repeat (a host read, a hook): <paramref name="op"/> names it.</summary>
    void Untraceable(string op);
}

/// <summary>The interceptor installed on the current thread, if any (see <see cref="IBackendInterceptor"/>).</summary>
internal static class BackendInterception
{
    [ThreadStatic] private static IBackendInterceptor? t_current;

    /// <summary>The current thread's interceptor, or null (the common case: one thread-static read).</summary>
    public static IBackendInterceptor? Current => t_current;

    /// <summary>Installs <paramref name="interceptor"/> (null removes it) and returns the one it replaces.</summary>
    public static IBackendInterceptor? Install(IBackendInterceptor? interceptor)
    {
        var previous = t_current;
        t_current = interceptor;
        return previous;
    }
}
