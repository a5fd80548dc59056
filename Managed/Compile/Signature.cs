using CudaTensor.AutogradEngine;
namespace CudaTensor.Compilation;

/// <summary>
/// The guard key of one call: per argument its shape, strides, offset, dtype, device, requires-grad and which
/// earlier argument (if any) shares its storage; then grad mode and the extra flags of the caller (a compiled
/// module's training mode). Encoded as numbers so a call compares arrays, without building strings.
/// </summary>
internal sealed class Signature(long[] key, string text)
{
    private readonly long[] _key = key;

    /// <summary>A readable form for reports.</summary>
    public string Text { get; } = text;

    /// <summary>The signature of <paramref name="arguments"/> under the current grad mode with <paramref name="flags"/>.</summary>
    public static Signature Of(IReadOnlyList<Tensor> arguments, IReadOnlyList<Func<bool>> flags, bool withText = true)
    {
        var key = new List<long>(arguments.Count * 12 + flags.Count + 2) { arguments.Count };
        var text = withText ? new System.Text.StringBuilder() : null;
        for (int i = 0; i < arguments.Count; i++)
        {
            var t = arguments[i] ?? throw new ArgumentNullException(nameof(arguments), $"Compile: argument {i} is null.");
            t.ThrowIfDisposed("Compile");
            key.Add(t.Dim);
            foreach (long s in t.Shape) key.Add(s);
            foreach (long s in t.Strides) key.Add(s);
            key.Add(t.StorageOffset);
            key.Add((long)t.DType);
            key.Add(t.Device.Type.Id);
            key.Add(t.Device.Index);
            key.Add(t.RequiresGrad ? 1 : 0);
            int alias = -1;
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(arguments[j].Storage, t.Storage)) { alias = j; break; }
            key.Add(alias);
            text?.Append(i == 0 ? "" : ", ").Append(t.Describe()).Append(t.RequiresGrad ? " requires-grad" : "").Append(alias >= 0 ? $" (shares storage with argument {alias})" : "");
        }
        key.Add(GradMode.IsEnabled ? 1 : 0);
        text?.Append(GradMode.IsEnabled ? "; grad mode on" : "; grad mode off");
        foreach (var f in flags) key.Add(f() ? 1 : 0);
        return new Signature([.. key], text?.ToString() ?? "");
    }

    /// <summary>Whether two calls have the same signature.</summary>
    public bool Matches(Signature other) => _key.AsSpan().SequenceEqual(other._key);
}
