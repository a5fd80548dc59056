namespace CudaTensor.NN;

/// <summary>What <see cref="Module.LoadStateDict"/> did not match (both empty after a successful strict load).</summary>
/// <param name="MissingKeys">Keys the module expects that the dictionary lacks (left unchanged).</param>
/// <param name="UnexpectedKeys">Keys in the dictionary that the module does not have (ignored).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>
    /// As PyTorch prints the result of <c>load_state_dict</c>: <c>&lt;All keys matched successfully&gt;</c> when both
    /// lists are empty, else <c>IncompatibleKeys(MissingKeys: ["fc.bias"], UnexpectedKeys: ["head.weight"])</c>
    /// (PyTorch's <c>_IncompatibleKeys(missing_keys=[...], unexpected_keys=[...])</c> in C# spelling).
    /// </summary>
    public override string ToString()
    {
        if (MissingKeys.Count == 0 && UnexpectedKeys.Count == 0) return "<All keys matched successfully>";
        static string List(IReadOnlyList<string> keys) => "[" + string.Join(", ", keys.Select(k => $"\"{k}\"")) + "]";
        return $"IncompatibleKeys(MissingKeys: {List(MissingKeys)}, UnexpectedKeys: {List(UnexpectedKeys)})";
    }
}

// State dictionaries: every parameter and persistent buffer by dotted name, for saving and loading weights.
public abstract partial class Module
{
    /// <summary>
    /// The module's state: every parameter and persistent buffer under its dotted name, in traversal order (own
    /// parameters, own buffers, then each child's). Values are detached views sharing the module's storage (as in
    /// PyTorch): copy them (<c>Clone()</c>) to keep a snapshot that later training does not change. A parameter
    /// shared by two modules appears under both names.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (name, entry) in StateEntries())
        {
            result.Add(name, entry.Current.Detach());
        }
        return result;
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/>'s tensors into the module's parameters and persistent buffers, converting
    /// dtype and device as needed. Every key is checked before anything is written, so a failed load changes nothing.
    /// With <paramref name="strict"/> (the default) the keys must match exactly; without it, missing and unexpected
    /// keys are returned instead. Shapes must always match, and so must the kind of dtype: floating-point values do not
    /// load into an integer or Bool tensor (PyTorch would truncate them silently); other dtypes are converted.
    /// Every entry is checked before the first is copied, so a load that throws leaves the module unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// Strict loading with missing or unexpected keys, a shape mismatch, or floating-point values for an integer or Bool
    /// tensor; the message lists every such key.
    /// </exception>
    /// <exception cref="ObjectDisposedException">A tensor of <paramref name="stateDict"/> was disposed (nothing is copied).</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = StateEntries();
        var expected = new HashSet<string>(entries.Select(e => e.Name), StringComparer.Ordinal);
        var missing = entries.Where(e => !stateDict.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        var unexpected = stateDict.Keys.Where(k => !expected.Contains(k)).ToList();
        var mismatched = new List<string>();
        foreach (var (name, entry) in entries)
        {
            if (!stateDict.TryGetValue(name, out var source)) continue;
            ArgumentNullException.ThrowIfNull(source, $"stateDict[\"{name}\"]");
            if (source.IsDisposed)
                throw new ObjectDisposedException($"stateDict[\"{name}\"]", $"Error in loading the state dict for {TypeName}: the tensor for \"{name}\" was disposed; nothing was loaded.");
            var target = entry.Current;
            if (!source.Shape.SequenceEqual(target.Shape))
                mismatched.Add($"Size mismatch for {name}: the checkpoint has shape {Format(source.Shape)}, the module has {Format(target.Shape)}");
            else if (source.DType.IsFloatingPoint() && !target.DType.IsFloatingPoint())
                mismatched.Add($"DType mismatch for {name}: the checkpoint has {source.DType.Name()} values, the module's tensor is {target.DType.Name()} " +
                               $"(convert the entry with .To(DType.{target.DType}) if truncating is intended)");
        }
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            var sb = new System.Text.StringBuilder($"Error(s) in loading the state dict for {TypeName}:");
            if (missing.Count > 0) sb.Append($"\n  Missing key(s): {string.Join(", ", missing.Select(k => $"\"{k}\""))}.");
            if (unexpected.Count > 0) sb.Append($"\n  Unexpected key(s): {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}.");
            foreach (var m in mismatched) sb.Append($"\n  {m}.");
            if (mismatched.Count > 0) sb.Append("\n  Nothing was loaded.");
            if (mismatched.Count == 0) sb.Append("\n  Pass strict: false to load the matching keys and get the others back.");
            throw new ArgumentException(sb.ToString(), nameof(stateDict));
        }
        using (Autograd.NoGrad())
        {
            foreach (var (name, entry) in entries)
            {
                if (!stateDict.TryGetValue(name, out var source)) continue;
                var target = entry.Current;
                if (source.Device == target.Device)
                {
                    target.CopyFrom(source);
                }
                else
                {
                    using var moved = source.To(target.Device);
                    target.CopyFrom(moved);
                }
            }
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>A reference to one parameter or buffer slot, read when used (<see cref="SetBuffer"/> replaces buffer tensors).</summary>
    private readonly record struct StateEntry(Func<Tensor> Read)
    {
        public Tensor Current => Read();
    }

    // Unlike NamedModules, a module registered under two names is visited under both (PyTorch's state_dict does
    // the same), so loading fills every slot; the ancestor set only guards against cycles.
    private List<(string Name, StateEntry Entry)> StateEntries()
    {
        var list = new List<(string, StateEntry)>();
        Collect(this, "", new HashSet<Module>(ReferenceEqualityComparer.Instance));
        return list;

        void Collect(Module module, string prefix, HashSet<Module> ancestors)
        {
            if (!ancestors.Add(module))
                throw new InvalidOperationException($"StateDict: module '{prefix}' ({module.TypeName}) contains itself; a module tree must not have cycles.");
            foreach (var (name, p) in module._parameters) list.Add((Join(prefix, name), new StateEntry(() => p)));
            foreach (var b in module._buffers)
            {
                if (b.Persistent) list.Add((Join(prefix, b.Name), new StateEntry(() => b.Value)));
            }
            foreach (var (name, child) in module._children) Collect(child, Join(prefix, name), ancestors);
            ancestors.Remove(module);
        }
    }

    private static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
