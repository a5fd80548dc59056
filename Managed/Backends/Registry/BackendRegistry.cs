using CudaTensor.Backends.Cpu;
using CudaTensor.Backends.Cuda;

namespace CudaTensor.Backends;

/// <summary>
/// The map from a kind of device to the factory of its backends: the one place where a new backend (a tracing
/// backend, a shape-only backend, a virtual accelerator) plugs in. <see cref="Register"/> names a new
/// <see cref="DeviceType"/>, after which <see cref="Device.Parse"/>, tensors and device transfers reach it with no
/// other edit. Registration is explicit code, no reflection, so trimming and native AOT keep every backend they need.
/// </summary>
internal static class BackendRegistry
{
    // Factories by DeviceType.Id; registration publishes a new array, so lookups never lock.
    private static Func<int, IBackend>?[] s_factories = [_ => CpuBackend.Instance, CudaBackend.For];
    private static readonly Lock s_gate = new();

    /// <summary>
    /// Registers <paramref name="factory"/> (device index → backend; called on every lookup, so it caches its
    /// backends) under a new kind of device named <paramref name="name"/>, and returns that kind.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a valid device type name, or already has a backend.</exception>
    public static DeviceType Register(string name, Func<int, IBackend> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (s_gate)
        {
            var type = DeviceType.Register(name);
            var factories = s_factories;
            if (type.Id < factories.Length && factories[type.Id] is not null)
                throw new ArgumentException($"Device type '{name}' already has a backend; register each device type once.", nameof(name));
            var grown = new Func<int, IBackend>?[Math.Max(factories.Length, type.Id + 1)];
            factories.CopyTo(grown, 0);
            grown[type.Id] = factory;
            Volatile.Write(ref s_factories, grown);
            return type;
        }
    }

    /// <summary>The backend of <paramref name="device"/>.</summary>
    /// <exception cref="NotSupportedException">No backend is registered for the device's type, or its factory refuses the device (CUDA unusable, no such GPU).</exception>
    public static IBackend For(Device device)
    {
        var factories = Volatile.Read(ref s_factories);
        int id = device.Type.Id;
        var factory = id < factories.Length ? factories[id] : null;
        if (factory is null) throw new NotSupportedException($"No backend is registered for device type '{device.Type.Name}' (device {device}).");
        return factory(device.Index);
    }
}
