using System.Globalization;
using System.Text;
using CudaTensor.Core;

namespace CudaTensor.NN;

public abstract partial class Module
{
    /// <summary>
    /// A table of the model, like torchinfo's or Keras's summary: one row per module (indented by depth) with its
    /// type, output shape and own parameter count, then the total, trainable and non-trainable parameter counts.
    /// Runs one forward pass without autograd on zeros of <paramref name="inputShape"/> (on the device and in the
    /// floating dtype of the first parameter). Output shapes are known for the model and for every module reached
    /// through <see cref="Sequential"/> chains; other sub-modules, whose calls are the parent's code, show "-".
    /// </summary>
    /// <exception cref="ArgumentException">The forward pass rejects the input shape (the message names the layer).</exception>
    public string Summary(params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var shapes = new Dictionary<Module, long[]>(ReferenceEqualityComparer.Instance);
        var first = Parameters().FirstOrDefault();
        var dtype = first is { } p && p.DType.IsFloatingPoint() ? p.DType : (DType?)null;
        using (Autograd.NoGrad())
        using (Tensor.NewScope())
        {
            var input = Tensor.Zeros(inputShape, dtype, first?.Device);
            Trace(this, input, shapes);
        }

        var rows = new List<string[]> { SummaryHeader.ToArray() };
        foreach (var (name, module) in NamedModules())
        {
            int depth = name.Length == 0 ? 0 : name.Count(c => c == '.') + 1;
            string label = new string(' ', 2 * depth) + (name.Length == 0 ? "" : name.Split('.')[^1] + " ") + "(" + module.TypeName + ")";
            string shape = shapes.TryGetValue(module, out var s) ? Shapes.Format(s) : "-";
            long own = module.Parameters(recurse: false).Sum(t => t.NumElements);
            rows.Add([label, shape, own.ToString("N0", CultureInfo.InvariantCulture)]);
        }
        var all = Parameters().ToList();
        long total = all.Sum(t => t.NumElements), trainable = all.Where(t => t.RequiresGrad).Sum(t => t.NumElements);

        var widths = Enumerable.Range(0, 3).Select(c => rows.Max(r => r[c].Length)).ToArray();
        int lineWidth = widths.Sum() + 4;
        var sb = new StringBuilder();
        sb.AppendLine(new string('=', lineWidth));
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sb.Append(r[0].PadRight(widths[0])).Append("  ").Append(r[1].PadRight(widths[1])).Append("  ").AppendLine(r[2].PadLeft(widths[2]));
            if (i == 0) sb.AppendLine(new string('=', lineWidth));
        }
        sb.AppendLine(new string('=', lineWidth));
        sb.Append(CultureInfo.InvariantCulture, $"Total params: {total:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Trainable params: {trainable:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Non-trainable params: {total - trainable:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Input shape: {Shapes.Format(inputShape)}").AppendLine();
        return sb.ToString();
    }

    private static readonly string[] SummaryHeader = ["Layer (type)", "Output shape", "Param #"];

    // Runs the module, descending into Sequential chains so each step's output shape is recorded.
    private static Tensor Trace(Module module, Tensor x, Dictionary<Module, long[]> shapes)
    {
        Tensor y;
        if (module is Sequential sequential)
        {
            y = x;
            foreach (var child in sequential) y = Trace(child, y, shapes);
        }
        else
        {
            y = module.Forward(x);
        }
        shapes[module] = y.Shape.ToArray();
        return y;
    }
}
