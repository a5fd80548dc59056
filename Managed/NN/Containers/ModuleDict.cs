using System.Collections;

namespace CudaTensor.NN;

/// <summary>
/// Holds sub-modules by name, like PyTorch's <c>nn.ModuleDict</c>: each is registered as a child under its key (so
/// its parameters are named <c>{key}.weight</c>), in insertion order. Keys follow the rules of module names: not
/// empty and without a dot.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "PyTorch's name for the container, which users look for.")]
public sealed class ModuleDict : Module, IReadOnlyDictionary<string, Module>
{
    private readonly Dictionary<string, Module> _modules = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>A dictionary holding <paramref name="modules"/> in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>>? modules = null)
    {
        if (modules is null) return;
        foreach (var (k, m) in modules) Add(k, m);
    }

    /// <summary>The module under <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No module has that key; the message lists the keys.</exception>
    public Module this[string key] => _modules.TryGetValue(key, out var m) ? m
        : throw new KeyNotFoundException($"ModuleDict has no module '{key}'; it has {string.Join(", ", _order.Select(k => $"'{k}'"))}.");

    /// <summary>Adds <paramref name="module"/> under <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is taken, empty or contains a dot.</exception>
    public void Add(string key, Module module)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(module);
        if (_modules.ContainsKey(key)) throw new ArgumentException($"ModuleDict: key '{key}' is already used.", nameof(key));
        RegisterModule(key, module);
        _modules[key] = module;
        _order.Add(key);
    }

    /// <summary>Number of modules.</summary>
    public int Count => _order.Count;

    /// <summary>The keys in insertion order.</summary>
    public IEnumerable<string> Keys => _order;

    /// <summary>The modules in insertion order.</summary>
    public IEnumerable<Module> Values => _order.Select(k => _modules[k]);

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _modules.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Module value) => _modules.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Module>> GetEnumerator() => _order.Select(k => new KeyValuePair<string, Module>(k, _modules[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
