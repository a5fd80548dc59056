using CudaTensor.Compilation;
using CudaTensor.NN;

namespace CudaTensor;

/// <summary>A module whose <see cref="Forward"/> is compiled (<see cref="Compile.Module"/>); it owns nothing but the wrapped module, registered as its child.</summary>
public sealed class CompiledModule : Module
{
    private readonly Module _inner;
    private readonly Func<Tensor, Tensor> _forward;

    internal CompiledModule(Module inner, CompileOptions options)
    {
        _inner = RegisterModule("module", inner);
        var compiled = Compile.Create(args => [_inner.Forward(args[0])], options, [() => _inner.IsTraining]);
        _forward = x => compiled.Invoke([x])[0];
        Function = compiled;
    }

    /// <summary>The wrapped module.</summary>
    public Module Inner => _inner;

    internal CompiledFunction Function { get; }

    /// <inheritdoc/>
    public override string TypeName => "Compiled" + _inner.TypeName;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => _forward(input);
}
