using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

/// <summary>Autograd controls: gradient mode scopes, anomaly detection, and the functional <see cref="Grad"/>.</summary>
public static class Autograd
{
    /// <summary>Whether operations currently record the graph.</summary>
    public static bool IsGradEnabled => GradMode.IsEnabled;

    /// <summary>Stops recording until disposed: <c>using (Autograd.NoGrad()) { ... }</c>. Nested scopes restore the previous state.</summary>
    public static IDisposable NoGrad() => GradMode.Set(false);

    /// <summary>Records the graph until disposed, even inside a <see cref="NoGrad"/> scope.</summary>
    public static IDisposable EnableGrad() => GradMode.Set(true);

    /// <summary>
    /// Until disposed, records where each op was called and makes backward throw as soon as a node produces NaN
    /// or infinite gradients, naming the node and the forward call. Slow: for debugging.
    /// </summary>
    public static IDisposable DetectAnomaly() => GradMode.SetAnomalyDetection(true);

    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, returned instead of
    /// accumulated into <see cref="Tensor.Grad"/>. <paramref name="gradOutputs"/> default to ones for scalar outputs.
    /// With <paramref name="createGraph"/>, the results carry their own graph (gradients of gradients).
    /// </summary>
    /// <returns>One gradient per input; null for unused inputs when <paramref name="allowUnused"/> is true.</returns>
    public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? gradOutputs = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"{nameof(Grad)}: got {gradOutputs.Count} gradOutputs for {outputs.Count} outputs.");
        var grads = new Tensor[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            grads[i] = gradOutputs?[i] ?? Tensor.DefaultGradient(outputs[i], nameof(Grad));
            if (!Shapes.SameShape(grads[i].Shape, outputs[i].Shape))
                throw new ArgumentException($"{nameof(Grad)}: gradOutputs[{i}] {grads[i].Describe()} must have the shape of output {outputs[i].Describe()}.");
        }
        return Engine.Run(outputs, grads, retainGraph ?? createGraph, createGraph, inputs, allowUnused, nameof(Grad))!;
    }

    /// <summary>
    /// Defines a differentiable operation from a forward function and its backward formula, like PyTorch's
    /// <c>autograd.Function</c>: <paramref name="forward"/> runs without recording; when grad mode is on and an
    /// input requires grad, the result gets a node named <paramref name="name"/> whose gradient is
    /// <paramref name="backward"/>(gradOutput, inputs) — one entry per input, null where there is none.
    /// Check the formula with <see cref="GradCheck"/>.
    /// </summary>
    public static Tensor Function(string name, Tensor[] inputs, Func<Tensor[], Tensor> forward, Func<Tensor, Tensor[], Tensor?[]> backward)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        Tensor result;
        using (NoGrad()) result = forward(inputs);
        if (!IsGradEnabled || !inputs.Any(t => t.RequiresGrad)) return result;
        var node = Derivatives.Node(name, result, inputs);
        var saved = inputs.Select(node.Save).ToArray();
        node.Formula = g =>
        {
            var grads = backward(g, [.. saved.Select(s => s.Unpack())]);
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"{name}: the backward function returned {grads.Length} gradients for {inputs.Length} inputs.");
            return grads;
        };
        return result;
    }
}
