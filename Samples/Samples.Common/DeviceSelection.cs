namespace CudaTensor.Samples;

/// <summary>The device a run uses and the line that tells the user why.</summary>
/// <param name="Device">Where tensors are created.</param>
/// <param name="Description">For example <c>Using cuda:0 (NVIDIA H100)</c> or <c>Using CPU (no CUDA device: ...)</c>.</param>
public sealed record DeviceSelection(Device Device, string Description)
{
    /// <summary>
    /// The requested device, or, when <paramref name="requested"/> is null, the first GPU when CUDA is usable and
    /// the CPU otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">A GPU was requested but cannot be used (the message says why).</exception>
    public static DeviceSelection Choose(Device? requested)
    {
        if (requested is { IsCpu: true })
            return new(Device.Cpu, "Using CPU (as requested)");

        if (requested is { } gpu)
        {
            if (!Cuda.IsAvailable)
                throw new InvalidOperationException($"--device {gpu}: CUDA is not usable here: {Cuda.UnavailableReason}");
            if (gpu.Index >= Cuda.DeviceCount)
                throw new InvalidOperationException($"--device {gpu}: this machine has {Cuda.DeviceCount} CUDA device(s), numbered from 0.");
            string? problem = TensorsUnsupportedOn(gpu);
            if (problem is not null)
                throw new InvalidOperationException($"--device {gpu}: {problem}");
            return new(gpu, $"Using {gpu} ({Cuda.GetDeviceProperties(gpu.Index).Name})");
        }

        if (!Cuda.IsAvailable)
            return new(Device.Cpu, $"Using CPU (no CUDA device: {Cuda.UnavailableReason})");
        var first = Device.Cuda(0);
        string name = Cuda.GetDeviceProperties(0).Name;
        string? reason = TensorsUnsupportedOn(first);
        return reason is null
            ? new(first, $"Using {first} ({name})")
            : new(Device.Cpu, $"Using CPU ({first} ({name}) is present, but {reason})");
    }

    // CUDA can be usable (driver, GPU, NVRTC) while this build of the library cannot yet place tensors on it:
    // creating one small tensor is the only check that covers both.
    private static string? TensorsUnsupportedOn(Device device)
    {
        try
        {
            using var probe = Tensor.Zeros([1], device: device);
            return null;
        }
        catch (NotSupportedException e)
        {
            return "tensors cannot be placed on it: " + e.Message;
        }
    }
}
