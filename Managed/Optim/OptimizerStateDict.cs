namespace CudaTensor.Optim;

/// <summary>One parameter group in an <see cref="OptimizerStateDict"/>: its options and the indices of its parameters.</summary>
/// <param name="Options">The hyper-parameters by name (<c>"lr"</c>, ...).</param>
/// <param name="Params">Indices of the group's parameters, numbered across all groups in order.</param>
public sealed record ParamGroupState(IReadOnlyDictionary<string, double> Options, IReadOnlyList<int> Params);

/// <summary>
/// An optimizer's state, like PyTorch's <c>optimizer.state_dict()</c>: <see cref="ParamGroups"/> and the per-parameter
/// <see cref="State"/> keyed by parameter index. It owns its tensors; <see cref="Dispose"/> frees them.
/// <see cref="ToTensors"/> and <see cref="FromTensors"/> flatten it to named tensors, e.g. to save it as safetensors.
/// </summary>
public sealed class OptimizerStateDict : IDisposable
{
    /// <summary>State by parameter index.</summary>
    public Dictionary<int, ParameterState> State { get; } = [];

    /// <summary>The groups, in order.</summary>
    public List<ParamGroupState> ParamGroups { get; } = [];

    /// <summary>
    /// Named tensors: <c>state.{i}.step</c> (Int64, 0-d; a capturable optimizer's own Float32 step tensor instead),
    /// <c>state.{i}.{name}</c> (the state tensors themselves, still
    /// owned by this object), <c>param_groups.{g}.params</c> (Int64, 1-d) and <c>param_groups.{g}.{option}</c> (Float64, 0-d).
    /// The caller disposes the new step, params and option tensors; <see cref="Dispose"/> handles the state tensors.
    /// </summary>
    public Dictionary<string, Tensor> ToTensors()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (i, s) in State)
        {
            // A capturable optimizer's count is its state tensor "step" (on the device, PyTorch's format), written below.
            if (!s.Tensors.ContainsKey("step")) result[$"state.{i}.step"] = Tensor.Scalar(s.Step, DType.Int64);
            foreach (var (k, t) in s.Tensors) result[$"state.{i}.{k}"] = t;
        }
        for (int g = 0; g < ParamGroups.Count; g++)
        {
            result[$"param_groups.{g}.params"] = Tensor.FromArray(ParamGroups[g].Params.Select(p => (long)p).ToArray());
            foreach (var (k, v) in ParamGroups[g].Options) result[$"param_groups.{g}.{k}"] = Tensor.Scalar(v, DType.Float64);
        }
        return result;
    }

    /// <summary>Rebuilds a state dict from <see cref="ToTensors"/>' naming (the tensors are copied).</summary>
    /// <exception cref="FormatException">A name does not follow the scheme, or a group has no <c>params</c> entry.</exception>
    public static OptimizerStateDict FromTensors(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var result = new OptimizerStateDict();
        var groupOptions = new SortedDictionary<int, Dictionary<string, double>>();
        var groupParams = new Dictionary<int, int[]>();
        try
        {
            foreach (var (name, t) in tensors)
            {
                var parts = name.Split('.', 3);
                if (parts.Length != 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                    throw new FormatException($"{nameof(FromTensors)}: '{name}' is not of the form state.<index>.<name> or param_groups.<index>.<option>.");
                if (parts[0] == "state")
                {
                    if (!result.State.TryGetValue(index, out var s)) result.State[index] = s = new ParameterState();
                    if (parts[2] == "step") s.Step = (long)t.ToDouble();
                    else
                    {
                        using (Autograd.NoGrad()) s.Tensors[parts[2]] = ParameterState.KeepOutsideScopes(t.Clone());
                    }
                }
                else if (parts[0] == "param_groups")
                {
                    if (parts[2] == "params")
                    {
                        using var p = t.To(DType.Int64);
                        groupParams[index] = p.ToArray<long>().Select(v => checked((int)v)).ToArray();
                    }
                    else
                    {
                        if (!groupOptions.TryGetValue(index, out var o)) groupOptions[index] = o = new Dictionary<string, double>(StringComparer.Ordinal);
                        o[parts[2]] = t.ToDouble();
                    }
                }
                else
                {
                    throw new FormatException($"{nameof(FromTensors)}: '{name}' starts with neither 'state.' nor 'param_groups.'.");
                }
            }
            foreach (var g in groupOptions.Keys.Union(groupParams.Keys).Order())
            {
                if (g != result.ParamGroups.Count)
                    throw new FormatException($"{nameof(FromTensors)}: parameter groups must be numbered 0, 1, ...; group {result.ParamGroups.Count} is missing.");
                if (!groupParams.TryGetValue(g, out var ps))
                    throw new FormatException($"{nameof(FromTensors)}: parameter group {g} has no 'param_groups.{g}.params' tensor.");
                result.ParamGroups.Add(new ParamGroupState(groupOptions.GetValueOrDefault(g) ?? new Dictionary<string, double>(StringComparer.Ordinal), ps));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the state tensors.</summary>
    public void Dispose()
    {
        foreach (var s in State.Values) s.Dispose();
    }
}
