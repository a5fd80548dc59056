namespace CudaTensor;

/// <summary>
/// The kind of processor a tensor lives on: <see cref="Cpu"/>, <see cref="Cuda"/>, or a kind registered with the
/// library's backend registry (a tracing, shape-only or virtual backend). An open value rather than an enum, so a new
/// kind of device needs no edit here; equal when the names are equal. <c>default(DeviceType)</c> is <see cref="Cpu"/>.
/// </summary>
public readonly struct DeviceType : IEquatable<DeviceType>
{
    // Names by id; id 0 is the CPU (so that default is the CPU, as the enum's default was), 1 is CUDA. Registration
    // publishes a new array, so readers never lock.
    private static string[] s_names = ["cpu", "cuda"];
    private static readonly Lock s_gate = new();

    private DeviceType(int id) => Id = id;

    /// <summary>Host memory, computed by the managed CPU backend.</summary>
    public static DeviceType Cpu => new(0);

    /// <summary>Memory of an NVIDIA GPU, computed by the CUDA backend.</summary>
    public static DeviceType Cuda => new(1);

    /// <summary>The registry's number of this kind (0 for the CPU, 1 for CUDA).</summary>
    internal int Id { get; }

    /// <summary>The lower-case name used in device text: <c>cpu</c>, <c>cuda</c>, or the registered name.</summary>
    public string Name => Volatile.Read(ref s_names)[Id];

    /// <summary>Registers a new kind of device named <paramref name="name"/>, or returns the kind already registered under it.</summary>
    /// <exception cref="ArgumentException">The name is empty, not lower-case ASCII letters and digits starting with a letter.</exception>
    internal static DeviceType Register(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!char.IsAsciiLetterLower(name[0]) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            throw new ArgumentException($"A device type name is lower-case ASCII letters and digits starting with a letter, got '{name}'.", nameof(name));
        lock (s_gate)
        {
            if (TryFind(name, out var existing)) return existing;
            var names = s_names;
            Volatile.Write(ref s_names, [.. names, name]);
            return new DeviceType(names.Length);
        }
    }

    /// <summary>The registered kind named <paramref name="name"/> (case-insensitive).</summary>
    internal static bool TryFind(ReadOnlySpan<char> name, out DeviceType type)
    {
        var names = Volatile.Read(ref s_names);
        for (int i = 0; i < names.Length; i++)
        {
            if (name.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                type = new DeviceType(i);
                return true;
            }
        }
        type = Cpu;
        return false;
    }

    /// <inheritdoc/>
    public bool Equals(DeviceType other) => Id == other.Id;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DeviceType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Id;

    /// <summary>Whether two kinds are the same.</summary>
    public static bool operator ==(DeviceType left, DeviceType right) => left.Equals(right);

    /// <summary>Whether two kinds differ.</summary>
    public static bool operator !=(DeviceType left, DeviceType right) => !left.Equals(right);

    /// <summary>As the enum it replaces: <c>Cpu</c>, <c>Cuda</c>, or the registered name.</summary>
    public override string ToString() => Id switch { 0 => "Cpu", 1 => "Cuda", _ => Name };
}
