using System.Collections;
using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Holds parameters in a list, like PyTorch's <c>nn.ParameterList</c>: each is registered under its position ("0",
/// "1", ...), so it appears in <see cref="Module.Parameters"/> and state dicts and moves with the module.
/// </summary>
public sealed class ParameterList : Module, IReadOnlyList<Tensor>
{
    private readonly List<Tensor> _parameters = [];

    /// <summary>A list holding <paramref name="parameters"/> in order (see <see cref="Append"/>).</summary>
    public ParameterList(params IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var p in parameters) Append(p);
    }

    /// <summary>The parameter at <paramref name="index"/> (negative counts from the end).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the list.</exception>
    public Tensor this[int index]
    {
        get
        {
            int i = index < 0 ? index + _parameters.Count : index;
            if (i < 0 || i >= _parameters.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"ParameterList: index {index} is out of range for {_parameters.Count} parameters.");
            return _parameters[i];
        }
    }

    /// <summary>Number of parameters.</summary>
    public int Count => _parameters.Count;

    /// <summary>
    /// Registers <paramref name="parameter"/> at the end and returns the registered tensor (the tensor itself when it is
    /// a leaf, as <c>RegisterParameter</c>); the list owns it from now on.
    /// </summary>
    public Tensor Append(Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var registered = RegisterParameter(_parameters.Count.ToString(CultureInfo.InvariantCulture), parameter);
        _parameters.Add(registered);
        return registered;
    }

    /// <inheritdoc/>
    public IEnumerator<Tensor> GetEnumerator() => _parameters.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Holds parameters by name, like PyTorch's <c>nn.ParameterDict</c>: each is registered under its key, in insertion order.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "PyTorch's name for the container, which users look for.")]
public sealed class ParameterDict : Module, IReadOnlyDictionary<string, Tensor>
{
    private readonly Dictionary<string, Tensor> _parameters = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>A dictionary holding <paramref name="parameters"/> in order.</summary>
    public ParameterDict(IEnumerable<KeyValuePair<string, Tensor>>? parameters = null)
    {
        if (parameters is null) return;
        foreach (var (k, p) in parameters) Add(k, p);
    }

    /// <summary>The parameter under <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that key; the message lists the keys.</exception>
    public Tensor this[string key] => _parameters.TryGetValue(key, out var p) ? p
        : throw new KeyNotFoundException($"ParameterDict has no parameter '{key}'; it has {string.Join(", ", _order.Select(k => $"'{k}'"))}.");

    /// <summary>Registers <paramref name="parameter"/> under <paramref name="key"/> and returns the registered tensor.</summary>
    /// <exception cref="ArgumentException">The key is taken.</exception>
    public Tensor Add(string key, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(parameter);
        if (_parameters.ContainsKey(key)) throw new ArgumentException($"ParameterDict: key '{key}' is already used.", nameof(key));
        var registered = RegisterParameter(key, parameter);
        _parameters[key] = registered;
        _order.Add(key);
        return registered;
    }

    /// <summary>Number of parameters.</summary>
    public int Count => _order.Count;

    /// <summary>The keys in insertion order.</summary>
    public IEnumerable<string> Keys => _order;

    /// <summary>The parameters in insertion order.</summary>
    public IEnumerable<Tensor> Values => _order.Select(k => _parameters[k]);

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _parameters.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value) => _parameters.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _order.Select(k => new KeyValuePair<string, Tensor>(k, _parameters[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
