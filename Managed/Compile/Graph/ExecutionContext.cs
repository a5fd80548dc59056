using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>The storages bound to a graph's buffers for one replay, and the backends that run its nodes.</summary>
internal sealed class ExecutionContext(Storage[] storages)
{
    private Device _lastDevice;
    private IBackend? _lastBackend;

    /// <summary>The storage of each buffer id.</summary>
    public Storage[] Storages { get; } = storages;

    /// <summary>The view bound to its storage.</summary>
    public Strided Resolve(in BufferView view) => new(Storages[view.Buffer], view.Offset, view.Shape, view.Strides, view.DType);

    /// <summary>The real backend of <paramref name="device"/> (never an interceptor's wrapper: a replay records nothing).</summary>
    public IBackend BackendFor(Device device)
    {
        if (_lastBackend is null || device != _lastDevice)
        {
            _lastBackend = BackendRegistry.For(device);
            _lastDevice = device;
        }
        return _lastBackend;
    }
}
