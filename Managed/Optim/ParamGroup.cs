using System.Globalization;

namespace CudaTensor.Optim;

/// <summary>
/// A set of parameters optimized with the same hyper-parameters, like one entry of PyTorch's
/// <c>optimizer.param_groups</c>. Hyper-parameters are named as in PyTorch (<c>"lr"</c>, <c>"momentum"</c>,
/// <c>"beta1"</c>, <c>"weight_decay"</c>, ...); flags such as <c>"nesterov"</c> or <c>"amsgrad"</c> are stored as 1 or 0.
/// </summary>
/// <remarks>
/// Options set before the group is handed to an optimizer override that optimizer's defaults; the rest are
/// filled in from the defaults. Schedulers and user code change a group's learning rate through <see cref="Lr"/>:
/// <code>new SGD([new ParamGroup(backbone) { Lr = 1e-3 }, new ParamGroup(head)], lr: 1e-2, momentum: 0.9)</code>
/// </remarks>
public sealed class ParamGroup
{
    private readonly Dictionary<string, double> _options = new(StringComparer.Ordinal);

    /// <summary>A group over <paramref name="parameters"/> (enumerated once, now).</summary>
    /// <exception cref="ArgumentNullException">The sequence or one of its tensors is null.</exception>
    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is null) throw new ArgumentNullException(nameof(parameters), $"ParamGroup: parameter {i} is null.");
        }
        Params = list;
    }

    /// <summary>The parameters of this group, in the order given.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>The hyper-parameters by name.</summary>
    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>The learning rate (option <c>"lr"</c>).</summary>
    public double Lr
    {
        get => this["lr"];
        set => this["lr"] = value;
    }

    /// <summary>The learning rate the first scheduler found (option <c>"initial_lr"</c>), or null before any scheduler.</summary>
    public double? InitialLr
    {
        get => _options.TryGetValue("initial_lr", out var v) ? v : null;
        internal set
        {
            if (value is null) _options.Remove("initial_lr");
            else _options["initial_lr"] = value.Value;
        }
    }

    /// <summary>A hyper-parameter by its PyTorch name.</summary>
    /// <exception cref="KeyNotFoundException">The group has no such option.</exception>
    public double this[string option]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(option);
            if (_options.TryGetValue(option, out var v)) return v;
            throw new KeyNotFoundException(
                $"ParamGroup has no option '{option}'; it has {string.Join(", ", _options.Keys.Select(k => $"'{k}'"))}.");
        }
        set
        {
            ArgumentNullException.ThrowIfNull(option);
            _options[option] = value;
        }
    }

    /// <summary>Whether the option is set.</summary>
    public bool Contains(string option) => _options.ContainsKey(option);

    /// <summary>A flag option (stored as a number): true when non-zero.</summary>
    public bool Flag(string option) => this[option] != 0;

    internal void SetDefault(string option, double value) => _options.TryAdd(option, value);

    internal void CopyOptionsFrom(IReadOnlyDictionary<string, double> options)
    {
        _options.Clear();
        foreach (var (k, v) in options) _options[k] = v;
    }

    /// <summary>The options as text, e.g. <c>ParamGroup(2 params, lr=0.01, momentum=0.9)</c>.</summary>
    public override string ToString()
        => $"ParamGroup({Params.Count} params{string.Concat(_options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => ", " + o.Key + "=" + o.Value.ToString(CultureInfo.InvariantCulture)))})";
}
