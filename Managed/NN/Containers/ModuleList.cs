using System.Collections;
using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Holds sub-modules in a list, like PyTorch's <c>nn.ModuleList</c>: they are registered as children named "0", "1",
/// ... (so their parameters are named <c>0.weight</c>, or <c>layers.0.weight</c> in a parent that registers the list
/// as "layers"), move and train with the parent, but are not called in any order: the parent's Forward uses them.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _modules = [];

    /// <summary>A list holding <paramref name="modules"/> in order.</summary>
    public ModuleList(params IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Append(m);
    }

    /// <summary>The module at <paramref name="index"/> (negative counts from the end, as in Python).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the list.</exception>
    public Module this[int index]
    {
        get
        {
            int i = index < 0 ? index + _modules.Count : index;
            if (i < 0 || i >= _modules.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"ModuleList: index {index} is out of range for {_modules.Count} modules.");
            return _modules[i];
        }
    }

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Adds <paramref name="module"/> at the end (named by its position) and returns this list.</summary>
    public ModuleList Append(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_modules.Count.ToString(CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>Appends every module of <paramref name="modules"/> and returns this list.</summary>
    public ModuleList Extend(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Append(m);
        return this;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
