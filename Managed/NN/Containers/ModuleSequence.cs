using System.Collections;
using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// What <see cref="Sequential"/> and <see cref="ModuleList"/> share: sub-modules held by position and registered as
/// children named "0", "1", ... (so parameters are named <c>0.weight</c>, and <c>layers.0.weight</c> inside a parent
/// that registers the container as "layers"), indexable from either end, appended one at a time.
/// </summary>
/// <typeparam name="TSelf">The container itself, so that <see cref="Append"/> returns it for chaining.</typeparam>
public abstract class ModuleSequence<TSelf> : Module, IReadOnlyList<Module> where TSelf : ModuleSequence<TSelf>
{
    private readonly List<Module> _modules = [];

    /// <summary>Creates the container with <paramref name="modules"/> in order.</summary>
    protected ModuleSequence(IEnumerable<Module> modules)
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
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}: index {index} is out of range for {_modules.Count} modules.");
            return _modules[i];
        }
    }

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Adds <paramref name="module"/> at the end (named by its position) and returns this container.</summary>
    public TSelf Append(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_modules.Count.ToString(CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return (TSelf)this;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
