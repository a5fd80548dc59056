using System.Globalization;
using System.Text;
using CudaTensor.AutogradEngine;
using CudaTensor.Backends;
using CudaTensor.Compilation.Fusion;
using CudaTensor.Core;

namespace CudaTensor;

/// <summary>
/// An elementwise expression over tensors run as one fused pass (CuPy's <c>ElementwiseKernel</c>/<c>fuse</c>):
/// <c>var f = ElementwiseKernel.Create((a, b) =&gt; (a * b + 1).Sigmoid());</c> then <c>f(x, y)</c>. The expression is
/// traced once per signature (argument shapes and dtypes) by running it on placeholder tensors that record the
/// elementwise primitives it calls, so broadcasting and PyTorch's type promotion are exactly eager mode's. Each call
/// then reads every argument once and writes the result once: on the CPU tile by tile through the backend's vectorized
/// operator kernels, on CUDA as one generated kernel built from the same formula table as the elementwise template.
/// </summary>
/// <remarks>
/// <para>The expression may use unary and binary math, comparisons, <see cref="Tensor.Where(Tensor, Tensor, Tensor)"/>,
/// dtype conversions (<see cref="Tensor.To(DType)"/>) and C# numbers. Any other op (a reduction, a matrix product, a view
/// such as a transpose or slice, a host read, a random fill, an in-place write into an argument, integer division, whose
/// divisor check reads values) throws <see cref="NotSupportedException"/> naming it when the expression is traced.
/// Tensors reached through the closure are on another device than the placeholders: pass them as arguments.</para>
/// <para>Gradients: when grad mode is on and an argument requires grad, a call runs the expression eagerly, unfused, so
/// autograd records it as usual (same values, same gradients). Fused calls are for inference and for tensors without grad.
/// Inside a function being compiled (<c>Compile.Function</c>) the expression also runs as ordinary ops, so the graph
/// records them, and the compiler's elementwise fusion pass fuses them.</para>
/// <para>Results equal eager mode's: bit for bit where the same operator code runs (same-shape operands on the CPU), within
/// floating-point contraction on CUDA. Thread-safe.</para>
/// </remarks>
public sealed class ElementwiseKernel
{
    // Traced signatures kept; beyond this the cache starts over (tracing is cheap: it allocates no tensor memory).
    private const int MaxSignatures = 64;

    private readonly Func<Tensor[], Tensor> _expression;
    private readonly Dictionary<string, (ElementwiseProgram Program, long[] Shape)> _traces = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a kernel from an expression over its arguments (any number of tensors).</summary>
    /// <param name="expression">The elementwise expression.</param>
    /// <param name="name">The name errors mention; defaults to "ElementwiseKernel".</param>
    public ElementwiseKernel(Func<Tensor[], Tensor> expression, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        _expression = expression;
        Name = name ?? nameof(ElementwiseKernel);
    }

    /// <summary>The name errors mention.</summary>
    public string Name { get; }

    /// <summary>A fused kernel of one argument.</summary>
    /// <param name="expression">The elementwise expression, e.g. <c>x =&gt; (x * 0.5).Tanh() + 1</c>.</param>
    /// <returns>A function that runs the expression as one fused pass on its argument's device.</returns>
    public static Func<Tensor, Tensor> Create(Func<Tensor, Tensor> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var k = new ElementwiseKernel(a => expression(a[0]));
        return a => k.Invoke(a);
    }

    /// <summary>A fused kernel of two arguments.</summary>
    /// <param name="expression">The elementwise expression, e.g. <c>(a, b) =&gt; (a * b + 1).Sigmoid()</c>.</param>
    /// <returns>A function that runs the expression as one fused pass on its arguments' device.</returns>
    public static Func<Tensor, Tensor, Tensor> Create(Func<Tensor, Tensor, Tensor> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var k = new ElementwiseKernel(a => expression(a[0], a[1]));
        return (a, b) => k.Invoke(a, b);
    }

    /// <summary>A fused kernel of three arguments.</summary>
    /// <param name="expression">The elementwise expression.</param>
    /// <returns>A function that runs the expression as one fused pass on its arguments' device.</returns>
    public static Func<Tensor, Tensor, Tensor, Tensor> Create(Func<Tensor, Tensor, Tensor, Tensor> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var k = new ElementwiseKernel(a => expression(a[0], a[1], a[2]));
        return (a, b, c) => k.Invoke(a, b, c);
    }

    /// <summary>A fused kernel of four arguments.</summary>
    /// <param name="expression">The elementwise expression.</param>
    /// <returns>A function that runs the expression as one fused pass on its arguments' device.</returns>
    public static Func<Tensor, Tensor, Tensor, Tensor, Tensor> Create(Func<Tensor, Tensor, Tensor, Tensor, Tensor> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var k = new ElementwiseKernel(a => expression(a[0], a[1], a[2], a[3]));
        return (a, b, c, d) => k.Invoke(a, b, c, d);
    }

    /// <summary>Runs the expression on <paramref name="args"/> as one fused pass and returns the new result tensor.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ObjectDisposedException">An argument was disposed.</exception>
    /// <exception cref="ArgumentException">The arguments are on different devices, or do not broadcast together.</exception>
    /// <exception cref="NotSupportedException">The expression calls an op that is not elementwise (the message names it).</exception>
    public Tensor Invoke(params Tensor[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0) throw new ArgumentException($"{Name}: pass at least one tensor argument.", nameof(args));
        for (int k = 0; k < args.Length; k++)
        {
            if (args[k] is null) throw new ArgumentNullException(nameof(args), $"{Name}: argument {k} is null.");
            args[k].ThrowIfDisposed(Name);
        }
        var device = args[0].Device;
        for (int k = 1; k < args.Length; k++)
        {
            if (args[k].Device != device)
                throw new ArgumentException($"{Name}: argument 0 is on {device} and argument {k} on {args[k].Device}; move them to one device.", nameof(args));
        }
        if (GradMode.IsEnabled && args.Any(a => a.RequiresGrad)) return _expression(args);
        // Inside a function being compiled, the recorder must see primitives: run the expression as such, and the
        // graph's elementwise fusion pass fuses it again.
        if (BackendInterception.Current is not null) return _expression(args);

        var (program, shape) = Traced(args);
        var inputs = new Strided[args.Length];
        for (int k = 0; k < args.Length; k++)
        {
            var l = args[k].Layout;
            // An argument the expression ignores need not broadcast to the result: it is never read.
            if (!program.ReadsInput(k)) inputs[k] = l.WithLayout(shape, new long[shape.Length]);
            else inputs[k] = Shapes.SameShape(l.Shape, shape) ? l : l.WithLayout(shape, Shapes.BroadcastStrides(l.Shape, l.Strides, shape, Name));
        }
        var result = Tensor.Allocate(shape, program.OutputType(0), device, op: Name);
        try
        {
            FusedExecutor.Run(program, inputs, [result.Layout]);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// What a call on arguments like <paramref name="args"/> runs: the traced program (one instruction a line) and the
    /// CUDA C it compiles to on a GPU. Nothing is computed.
    /// </summary>
    /// <exception cref="NotSupportedException">The expression calls an op that is not elementwise.</exception>
    public string Explain(params Tensor[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var (program, shape) = Traced(args);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Name}: one fused pass over {Shapes.Format(shape)}\n");
        sb.Append(program).Append("\n\nCUDA C:\n").Append(CudaFusedExecutor.SourceOf(program));
        return sb.ToString();
    }

    private (ElementwiseProgram Program, long[] Shape) Traced(Tensor[] args)
    {
        var key = new StringBuilder();
        foreach (var a in args) key.Append(a.DType.Name()).Append(Shapes.Format(a.Shape)).Append(';');
        string signature = key.ToString();
        lock (_gate)
        {
            if (_traces.TryGetValue(signature, out var hit)) return hit;
        }
        var traced = ElementwiseTracer.Trace(Name, [.. args.Select(a => (a.ShapeArray, a.DType))], _expression);
        lock (_gate)
        {
            if (_traces.Count >= MaxSignatures) _traces.Clear();
            _traces[signature] = traced;
        }
        return traced;
    }
}
