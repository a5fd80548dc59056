using System.Globalization;

namespace CudaTensor;

/// <summary>
/// A device: <c>cpu</c>, <c>cuda:N</c>, or <c>name:N</c> for a kind of device registered with the backend registry.
/// Parse from PyTorch's spelling with <see cref="Parse"/>.
/// </summary>
public readonly record struct Device
{
    private Device(DeviceType type, int index)
    {
        Type = type;
        Index = index;
    }

    /// <summary>CPU, CUDA or a registered kind.</summary>
    public DeviceType Type { get; }

    /// <summary>The device ordinal (the GPU's for CUDA devices); 0 for the CPU.</summary>
    public int Index { get; }

    /// <summary>The host.</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu, 0);

    /// <summary>GPU number <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is negative.</exception>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new Device(DeviceType.Cuda, index);
    }

    /// <summary>Device <paramref name="index"/> of a registered kind (index 0 for the CPU).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is negative, or not 0 for the CPU.</exception>
    internal static Device Of(DeviceType type, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (type == DeviceType.Cpu) ArgumentOutOfRangeException.ThrowIfNotEqual(index, 0);
        return new Device(type, index);
    }

    /// <summary>Whether this is the CPU.</summary>
    public bool IsCpu => Type == DeviceType.Cpu;

    /// <summary>Whether this is a CUDA GPU.</summary>
    public bool IsCuda => Type == DeviceType.Cuda;

    /// <summary>Parses <c>"cpu"</c>, <c>"cuda"</c> (GPU 0) or <c>"cuda:N"</c> (or a registered kind's <c>"name"</c> or <c>"name:N"</c>), case-insensitive.</summary>
    /// <exception cref="FormatException">The text is not a device name.</exception>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParse(text, out var device)) return device;
        throw new FormatException($"'{text}' is not a device; expected \"cpu\", \"cuda\" or \"cuda:N\" with N >= 0.");
    }

    /// <summary>Parses a device name without throwing.</summary>
    public static bool TryParse(string? text, out Device device)
    {
        device = Cpu;
        if (text is null) return false;
        var t = text.Trim();
        if (t.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return true;
        int colon = t.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? t.AsSpan() : t.AsSpan(0, colon);
        if (!DeviceType.TryFind(name, out var type) || type == DeviceType.Cpu) return false;
        int index = 0;
        if (colon >= 0 && !int.TryParse(t.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
        device = new Device(type, index);
        return true;
    }

    /// <summary>Converts PyTorch-style device text such as <c>"cuda:1"</c>.</summary>
    public static implicit operator Device(string text) => Parse(text);

    /// <summary><c>cpu</c>, <c>cuda:N</c> or <c>name:N</c>.</summary>
    public override string ToString() => IsCpu ? "cpu" : $"{Type.Name}:{Index.ToString(CultureInfo.InvariantCulture)}";
}
