using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor.Compilation.Fusion;

/// <summary>The checks every executor makes of the operands it is handed, with messages that name the operand.</summary>
internal static class FusedOperands
{
    /// <summary>
    /// Checks counts, dtypes, shapes (every operand has the first output's shape), devices (one device, CPU or CUDA as
    /// the executor expects) and that no output is expanded.
    /// </summary>
    /// <exception cref="ArgumentException">The operands do not fit the program.</exception>
    public static void Check(ElementwiseProgram program, ReadOnlySpan<Strided> inputs, ReadOnlySpan<Strided> outputs, string op, bool expectCpu)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (inputs.Length != program.Inputs.Count)
            throw new ArgumentException($"{op}: the program reads {program.Inputs.Count} inputs; got {inputs.Length}.");
        if (outputs.Length != program.Outputs.Count)
            throw new ArgumentException($"{op}: the program writes {program.Outputs.Count} outputs; got {outputs.Length}.");
        var shape = outputs[0].Shape;
        var device = outputs[0].Storage.Device;
        if (device.IsCpu != expectCpu)
            throw new ArgumentException($"{op}: the operands are on {device}; this executor runs on {(expectCpu ? "the CPU" : "CUDA devices")}.");
        for (int k = 0; k < inputs.Length; k++)
        {
            var s = inputs[k];
            if (s.DType != program.Inputs[k])
                throw new ArgumentException($"{op}: input {k} is {s.DType.Name()}; the program reads {program.Inputs[k].Name()}. Convert it first.");
            Same(s, $"input {k}");
        }
        for (int k = 0; k < outputs.Length; k++)
        {
            var s = outputs[k];
            if (s.DType != program.OutputType(k))
                throw new ArgumentException($"{op}: output {k} is {s.DType.Name()}; the program writes {program.OutputType(k).Name()}.");
            Same(s, $"output {k}");
            for (int d = 0; d < s.Rank; d++)
            {
                if (s.Strides[d] == 0 && s.Shape[d] > 1)
                    throw new ArgumentException($"{op}: output {k} is expanded (stride 0 in dimension {d}), so several elements share one location; write into a contiguous tensor.");
            }
        }

        void Same(in Strided s, string what)
        {
            if (!Shapes.SameShape(s.Shape, shape))
                throw new ArgumentException($"{op}: {what} has shape {Shapes.Format(s.Shape)}, not the output shape {Shapes.Format(shape)}; broadcast it first (stride 0).");
            if (s.Storage.Device != device)
                throw new ArgumentException($"{op}: {what} is on {s.Storage.Device} and output 0 on {device}; move them to one device.");
        }
    }
}
