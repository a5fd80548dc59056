using CudaTensor.Backends;

namespace CudaTensor.Compilation.Fusion;

/// <summary>Runs a fused program on the device of its operands: the CPU executor or the CUDA executor.</summary>
internal static class FusedExecutor
{
    /// <summary>Runs <paramref name="program"/> (see <see cref="CpuFusedExecutor.Run"/> for the operand rules).</summary>
    /// <exception cref="NotSupportedException">The operands are on a device with no fused executor.</exception>
    public static void Run(ElementwiseProgram program, ReadOnlySpan<Strided> inputs, ReadOnlySpan<Strided> outputs)
    {
        if (outputs.Length == 0) throw new ArgumentException("A fused program writes at least one output.", nameof(outputs));
        var device = outputs[0].Storage.Device;
        if (device.IsCpu) CpuFusedExecutor.Run(program, inputs, outputs);
        else if (device.IsCuda) CudaFusedExecutor.Run(program, inputs, outputs);
        else throw new NotSupportedException($"Fused elementwise programs run on the CPU and CUDA devices, not on {device}.");
    }
}
