namespace CudaTensor.CudaRuntime;

/// <summary>
/// A device-side check whose verdict the host reads at the next synchronization (as PyTorch's device-side asserts):
/// the kernel writes into a 16-byte slot of the device's <see cref="DeviceErrorLog"/>, and the host keeps what the
/// message needs (the op's name, the size and dimension checked against).
/// </summary>
internal abstract class DeferredCheck
{
    /// <summary>The value every byte of the slot is set to before the kernel runs (0x00 or 0xFF).</summary>
    public abstract byte ArmedByte { get; }

    /// <summary>The exception the slot's two words report, or null when they show no error.</summary>
    /// <param name="first">Word 0 of the slot.</param>
    /// <param name="second">Word 1 of the slot.</param>
    public abstract Exception? Inspect(long first, long second);
}

/// <summary>A block of <see cref="DeviceErrorLog.SlotBytes"/>-byte slots in device memory.</summary>
/// <param name="Base">Device address of slot 0.</param>
/// <param name="Capacity">Number of slots.</param>
internal sealed record ErrorSlots(ulong Base, int Capacity)
{
    /// <summary>Device address of slot <paramref name="index"/>.</summary>
    public ulong Address(int index) => Base + (ulong)index * DeviceErrorLog.SlotBytes;
}
