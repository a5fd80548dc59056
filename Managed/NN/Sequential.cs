namespace CudaTensor.NN;

/// <summary>
/// Runs its modules one after another, each on the previous one's output. Modules are registered as
/// children named "0", "1", ... (so parameters are named <c>0.weight</c>, and <c>layers.0.weight</c> inside a
/// parent that registers it as "layers").
/// </summary>
public sealed class Sequential(params IEnumerable<Module> modules) : ModuleSequence<Sequential>(modules)
{
    /// <summary>Feeds <paramref name="input"/> through every module in order (the input itself when empty).</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var m in this) x = m.Call(x);
        return x;
    }
}
