namespace CudaTensor.NN;

/// <summary>
/// Holds sub-modules in a list, like PyTorch's <c>nn.ModuleList</c>: they are registered as children named "0", "1",
/// ... (so their parameters are named <c>0.weight</c>, or <c>layers.0.weight</c> in a parent that registers the list
/// as "layers"), move and train with the parent, but are not called in any order: the parent's Forward uses them.
/// </summary>
public sealed class ModuleList(params IEnumerable<Module> modules) : ModuleSequence<ModuleList>(modules)
{
    /// <summary>Appends every module of <paramref name="modules"/> and returns this list.</summary>
    public ModuleList Extend(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Append(m);
        return this;
    }
}
