namespace CudaTensor.AutogradEngine;

/// <summary>
/// Whether operations record the autograd graph, and whether anomaly detection is on. Both follow the
/// logical flow of control (<see cref="AsyncLocal{T}"/>), so a scope covers the awaits inside it.
/// </summary>
internal static class GradMode
{
    private static readonly AsyncLocal<bool> Disabled = new();
    private static readonly AsyncLocal<bool> Anomaly = new();

    public static bool IsEnabled => !Disabled.Value;

    public static bool IsAnomalyDetectionEnabled => Anomaly.Value;

    public static IDisposable Set(bool enabled)
    {
        bool previous = IsEnabled;
        Disabled.Value = !enabled;
        return new Restore(() => Disabled.Value = !previous);
    }

    public static IDisposable SetAnomalyDetection(bool enabled)
    {
        bool previous = Anomaly.Value;
        Anomaly.Value = enabled;
        return new Restore(() => Anomaly.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        private Action? _restore = restore;

        public void Dispose()
        {
            _restore?.Invoke();
            _restore = null;
        }
    }
}
