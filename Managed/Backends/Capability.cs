namespace CudaTensor.Backends;

/// <summary>
/// Looks up an optional backend capability (<see cref="IFusedLayerNorm"/>, <see cref="IConvolution"/>, ...). The op
/// layer asks <c>backend is IFusedLayerNorm</c> before it takes a fused path and composes the op from core primitives
/// otherwise; <see cref="Require{T}"/> is for the fused paths themselves, which run only after that test.
/// </summary>
internal static class Capability
{
    /// <summary>The backend as capability <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException">The backend does not implement <typeparamref name="T"/> (the caller skipped the test).</exception>
    public static T Require<T>(IBackend backend, string op) where T : class
        => backend as T ?? throw new NotSupportedException(
            $"{op}: the backend of device {backend.Device} has no {typeof(T).Name}; the op layer must take the composed path for it.");
}
