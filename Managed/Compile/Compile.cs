using CudaTensor.Compilation;
using System.Runtime.CompilerServices;
using CudaTensor.NN;

namespace CudaTensor;

/// <summary>
/// Static graphs: a function (a forward pass, or a whole training step with <c>Backward()</c> and
/// <c>optimizer.Step()</c>) is captured once at the level of backend primitives, optimized, and replayed on later
/// calls with no per-op tensor or autograd work. See docs/compile.md.
/// </summary>
/// <remarks>
/// <para>Arguments are inputs; tensors the body reaches through its closure (parameters, gradients, optimizer state,
/// constants) are state, read and written live on every call; returned tensors are new tensors the caller owns (or
/// views, when the body returns an argument or a tensor it keeps, as eager mode would return that alias).</para>
/// <para>Per signature (argument shapes, strides, offsets, dtypes, devices, requires-grad, aliasing; grad mode; the
/// training flags the body read) the first call runs eagerly (a warm-up: lazily created state such as Adam's moments
/// and <c>.Grad</c> then exists), the second runs eagerly while recording, later calls replay. What cannot be
/// captured runs eagerly with a one-time warning, or throws <see cref="CompilationException"/> when
/// <see cref="CompileOptions.FallbackToEager"/> is off.</para>
/// <para>The body runs inside a <see cref="TensorScope"/>: tensors it creates and neither returns nor keeps outside
/// scopes (as <c>.Grad</c> and optimizer state are) are disposed at the end of every call.</para>
/// <para>Calls of one compiled function are serialized by a lock.</para>
/// </remarks>
public static class Compile
{
    private static readonly ConditionalWeakTable<Delegate, CompiledFunction> Compiled = [];

    /// <summary>Compiles a function of one tensor.</summary>
    public static Func<Tensor, Tensor> Function(Func<Tensor, Tensor> fn, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var compiled = Create(args => [fn(args[0])], options);
        Func<Tensor, Tensor> result = x => compiled.Invoke([x])[0];
        Compiled.Add(result, compiled);
        return result;
    }

    /// <summary>Compiles a function of two tensors.</summary>
    public static Func<Tensor, Tensor, Tensor> Function(Func<Tensor, Tensor, Tensor> fn, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var compiled = Create(args => [fn(args[0], args[1])], options);
        Func<Tensor, Tensor, Tensor> result = (x, y) => compiled.Invoke([x, y])[0];
        Compiled.Add(result, compiled);
        return result;
    }

    /// <summary>Compiles a function of three tensors.</summary>
    public static Func<Tensor, Tensor, Tensor, Tensor> Function(Func<Tensor, Tensor, Tensor, Tensor> fn, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var compiled = Create(args => [fn(args[0], args[1], args[2])], options);
        Func<Tensor, Tensor, Tensor, Tensor> result = (x, y, z) => compiled.Invoke([x, y, z])[0];
        Compiled.Add(result, compiled);
        return result;
    }

    /// <summary>Compiles a function of any number of tensors returning any number of tensors.</summary>
    public static Func<Tensor[], Tensor[]> Function(Func<Tensor[], Tensor[]> fn, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var compiled = Create(fn, options);
        Func<Tensor[], Tensor[]> result = args => compiled.Invoke(args);
        Compiled.Add(result, compiled);
        return result;
    }

    /// <summary>
    /// A module whose <c>Forward</c> is compiled: parameters are <paramref name="module"/>'s (shared, not copied),
    /// <c>Train()</c>/<c>Eval()</c> reach it, and its training mode is part of every signature. A forward whose output
    /// needs grad (training under grad mode, with the backward pass outside) runs eagerly; compile the whole training
    /// step to capture backward and update too.
    /// </summary>
    public static CompiledModule Module(Module module, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        return new CompiledModule(module, options ?? CompileOptions.Default);
    }

    /// <summary>
    /// A readable report of what compiling <paramref name="fn"/> does on <paramref name="arguments"/>: the signature,
    /// the captured graph after the passes, the planned memory, fusion groups, and the reason for every eager
    /// fallback. <paramref name="fn"/> is a delegate returned by <see cref="Function(Func{Tensor, Tensor}, CompileOptions?)"/>
    /// (or any other Func over tensors, compiled with the defaults for the report). It is called until the signature
    /// is captured (at most twice: warm-up and trace), so state it updates (an optimizer step) moves on as after those calls.
    /// </summary>
    public static string Explain(Delegate fn, params Tensor[] arguments)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!Compiled.TryGetValue(fn, out var compiled))
        {
            compiled = Create(AsArrayFunction(fn, arguments.Length), null);
        }
        return Explainer.Report(compiled, arguments);
    }

    /// <summary>The compiled function behind a delegate from <see cref="Function(Func{Tensor, Tensor}, CompileOptions?)"/>, or null.</summary>
    internal static CompiledFunction? Find(Delegate fn) => Compiled.TryGetValue(fn, out var c) ? c : null;

    internal static CompiledFunction Create(Func<Tensor[], Tensor[]> fn, CompileOptions? options, IReadOnlyList<Func<bool>>? flags = null)
    {
        var o = options ?? CompileOptions.Default;
        o.Validate();
        return new CompiledFunction(Scoped(fn), o, flags);
    }

    // The body in a dispose scope whose returned tensors move to the caller's scope.
    private static Func<Tensor[], Tensor[]> Scoped(Func<Tensor[], Tensor[]> fn) => args =>
    {
        using var scope = Tensor.NewScope();
        var outputs = fn(args) ?? throw new InvalidOperationException("Compile: the compiled function returned null; it must return tensors.");
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is null) throw new InvalidOperationException($"Compile: output {i} of the compiled function is null; it must return tensors.");
            scope.MoveToOuter(outputs[i]);
        }
        return outputs;
    };

    private static Func<Tensor[], Tensor[]> AsArrayFunction(Delegate fn, int count) => fn switch
    {
        Func<Tensor, Tensor> f when count == 1 => a => [f(a[0])],
        Func<Tensor, Tensor, Tensor> f when count == 2 => a => [f(a[0], a[1])],
        Func<Tensor, Tensor, Tensor, Tensor> f when count == 3 => a => [f(a[0], a[1], a[2])],
        Func<Tensor[], Tensor[]> f => f,
        _ => throw new ArgumentException(
            $"Compile.Explain: expected a Func of 1 to 3 tensors returning a tensor, or a Func<Tensor[], Tensor[]>, matching the {count} argument(s) given; got {fn.GetType().Name}.", nameof(fn)),
    };
}
