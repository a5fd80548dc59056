using System.Globalization;
using System.Text;
using CudaTensor.Core;

namespace CudaTensor.NN;

public abstract partial class Module
{
    /// <summary>
    /// A table of the model, like torchinfo's summary: one row per module (indented by depth, in registration order)
    /// with its type, output shape, own parameter count and whether those parameters train (<c>True</c>,
    /// <c>False</c>, <c>Partial</c>, or <c>--</c> without any); then the total, trainable and non-trainable parameter
    /// counts and the sizes in MB of the input, the outputs the pass produced, the parameters and the buffers.
    /// </summary>
    /// <remarks>
    /// The shapes come from one forward pass of the model, in eval mode and without autograd, on zeros of
    /// <paramref name="inputShape"/> (on the device and in the floating dtype of the first parameter), with a forward
    /// hook on every module: each row shows the output of the module's first <see cref="Call"/> in that pass, so a
    /// module tree of any shape — custom modules, residual blocks, recurrent layers — is covered wherever sub-modules
    /// are invoked through <see cref="Call"/> (as <see cref="Sequential"/> does). A sub-module its parent runs through
    /// <see cref="Forward"/> directly, or that the pass does not reach, shows "-". Each module's training mode is
    /// restored afterwards, so running statistics are not updated by the pass.
    /// </remarks>
    /// <exception cref="ArgumentException">The forward pass rejects the input shape (the message names the layer).</exception>
    public string Summary(params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var outputs = new Dictionary<Module, long[]>(ReferenceEqualityComparer.Instance);
        long activationBytes = 0;
        var first = Parameters().FirstOrDefault();
        var dtype = first is { } p && p.DType.IsFloatingPoint() ? p.DType : (DType?)null;
        long inputBytes;
        var modes = Modules().Select(m => (Module: m, m._training)).ToList();
        try
        {
            foreach (var (m, _) in modes) m._training = false;
            // A container's output is often its last layer's tensor: each tensor's bytes count once.
            var counted = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            using var hook = HookEveryModule((module, _, output) =>
            {
                if (counted.Add(output)) activationBytes += output.NumElements * output.DType.ElementSize();
                outputs.TryAdd(module, output.Shape.ToArray());
            });
            using (Autograd.NoGrad())
            using (Tensor.NewScope())
            {
                var input = Tensor.Zeros(inputShape, dtype, first?.Device);
                inputBytes = input.NumElements * input.DType.ElementSize();
                Call(input);
            }
        }
        finally
        {
            foreach (var (m, training) in modes) m._training = training;
        }

        var rows = new List<string[]> { SummaryHeader.ToArray() };
        foreach (var (name, module) in NamedModules())
        {
            int depth = name.Length == 0 ? 0 : name.Count(c => c == '.') + 1;
            string label = new string(' ', 2 * depth) + (name.Length == 0 ? "" : name.Split('.')[^1] + " ") + "(" + module.TypeName + ")";
            string shape = outputs.TryGetValue(module, out var o) ? Shapes.Format(o) : "-";
            var own = module.Parameters(recurse: false).ToList();
            long count = own.Sum(t => t.NumElements);
            string trainable = own.Count == 0 ? "--" : own.All(t => t.RequiresGrad) ? "True" : own.Any(t => t.RequiresGrad) ? "Partial" : "False";
            rows.Add([label, shape, count.ToString("N0", CultureInfo.InvariantCulture), trainable]);
        }
        var all = Parameters().ToList();
        long total = all.Sum(t => t.NumElements), trainableCount = all.Where(t => t.RequiresGrad).Sum(t => t.NumElements);
        long parameterBytes = all.Sum(t => t.NumElements * t.DType.ElementSize());
        long bufferBytes = Buffers().Sum(t => t.NumElements * t.DType.ElementSize());

        var sb = new StringBuilder();
        AppendTable(sb, rows);
        sb.Append(CultureInfo.InvariantCulture, $"Total params: {total:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Trainable params: {trainableCount:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Non-trainable params: {total - trainableCount:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Input shape: {Shapes.Format(inputShape)}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Input size (MB): {Megabytes(inputBytes)}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Forward pass size (MB): {Megabytes(activationBytes)}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Params size (MB): {Megabytes(parameterBytes)}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Buffers size (MB): {Megabytes(bufferBytes)}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Estimated total size (MB): {Megabytes(inputBytes + activationBytes + parameterBytes + bufferBytes)}").AppendLine();
        return sb.ToString();
    }

    private static readonly string[] SummaryHeader = ["Layer (type)", "Output shape", "Param #", "Trainable"];

    // torchinfo's unit: 1e6 bytes, two decimals.
    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture);

    // Columns padded to their widest cell (counts right-aligned), the header and the body between rules of '='.
    private static void AppendTable(StringBuilder sb, List<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        int lineWidth = widths.Sum() + 2 * (columns - 1);
        sb.AppendLine(new string('=', lineWidth));
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sb.Append(r[0].PadRight(widths[0])).Append("  ").Append(r[1].PadRight(widths[1])).Append("  ")
              .Append(r[2].PadLeft(widths[2])).Append("  ").AppendLine(r[3].PadRight(widths[3]).TrimEnd());
            if (i == 0) sb.AppendLine(new string('=', lineWidth));
        }
        sb.AppendLine(new string('=', lineWidth));
    }
}
