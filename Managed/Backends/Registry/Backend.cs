namespace CudaTensor.Backends;

/// <summary>Finds the backend for a device through <see cref="BackendRegistry"/>: the managed CPU backend, the CUDA backend of GPU N, or a registered one.</summary>
internal static class Backend
{
    /// <summary>The backend of <paramref name="device"/>, or the current thread's <see cref="IBackendInterceptor"/>'s wrapper of it.</summary>
    /// <exception cref="NotSupportedException">The device has no usable backend (CUDA unusable, no such GPU, an unregistered type).</exception>
    public static IBackend For(Device device)
    {
        var backend = BackendRegistry.For(device);
        var interceptor = BackendInterception.Current;
        return interceptor is null ? backend : interceptor.Intercept(backend);
    }
}
