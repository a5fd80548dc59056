using System.Collections;
using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Runs its modules one after another, each on the previous one's output. Modules are registered as
/// children named "0", "1", ... (so parameters are named <c>0.weight</c>, and <c>layers.0.weight</c> inside a
/// parent that registers it as "layers").
/// </summary>
public sealed class Sequential : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _modules = [];

    /// <summary>Creates the container with <paramref name="modules"/> in order.</summary>
    public Sequential(params IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Append(m);
    }

    /// <summary>The module at <paramref name="index"/> (negative counts from the end, as in Python).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the container.</exception>
    public Module this[int index]
    {
        get
        {
            int i = index < 0 ? index + _modules.Count : index;
            if (i < 0 || i >= _modules.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Sequential: index {index} is out of range for {_modules.Count} modules.");
            return _modules[i];
        }
    }

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Adds <paramref name="module"/> at the end (named by its position) and returns this container.</summary>
    public Sequential Append(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_modules.Count.ToString(CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>Feeds <paramref name="input"/> through every module in order (the input itself when empty).</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var m in _modules) x = m.Forward(x);
        return x;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
