using System.Globalization;

namespace CudaTensor;

/// <summary>The kind of processor a tensor lives on.</summary>
public enum DeviceType
{
    /// <summary>Host memory, computed by the managed CPU backend.</summary>
    Cpu,
    /// <summary>Memory of an NVIDIA GPU, computed by the CUDA backend.</summary>
    Cuda,
}

/// <summary>A device: <c>cpu</c> or <c>cuda:N</c>. Parse from PyTorch's spelling with <see cref="Parse"/>.</summary>
public readonly record struct Device
{
    private Device(DeviceType type, int index)
    {
        Type = type;
        Index = index;
    }

    /// <summary>CPU or CUDA.</summary>
    public DeviceType Type { get; }

    /// <summary>The GPU ordinal for CUDA devices; 0 for the CPU.</summary>
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

    /// <summary>Whether this is the CPU.</summary>
    public bool IsCpu => Type == DeviceType.Cpu;

    /// <summary>Whether this is a CUDA GPU.</summary>
    public bool IsCuda => Type == DeviceType.Cuda;

    /// <summary>Parses <c>"cpu"</c>, <c>"cuda"</c> (GPU 0) or <c>"cuda:N"</c>, case-insensitive.</summary>
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
        if (t.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            device = Cuda(0);
            return true;
        }
        if (t.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            device = Cuda(index);
            return true;
        }
        return false;
    }

    /// <summary>Converts PyTorch-style device text such as <c>"cuda:1"</c>.</summary>
    public static implicit operator Device(string text) => Parse(text);

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => IsCpu ? "cpu" : $"cuda:{Index.ToString(CultureInfo.InvariantCulture)}";
}
