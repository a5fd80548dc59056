using CudaTensor.AutogradEngine;
using CudaTensor.Backends;
using CudaTensor.Core;
using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Turns a lambda over tensors into an <see cref="ElementwiseProgram"/> by running it once on placeholder tensors of
/// a recording device ("fusetrace"): the op layer does everything it does in eager mode (dtype promotion, wrapped
/// numbers, broadcasting, conversions), and the recording backend writes down the elementwise primitives it receives
/// instead of computing them. A primitive that is not elementwise (a reduction, a product, a host read) ends the trace
/// with an exception naming it. Placeholders own no memory.
/// </summary>
internal sealed class ElementwiseTracer
{
    private static readonly Lazy<DeviceType> TraceType = new(() => BackendRegistry.Register("fusetrace", _ => RecordingBackend.Instance));

    [ThreadStatic] private static ElementwiseTracer? t_current;

    private readonly string _op;
    private readonly ElementwiseProgramBuilder _builder = new();
    private readonly Dictionary<Storage, Entry> _values = new(ReferenceEqualityComparer.Instance);

    // A storage's current value: its number and the shape it was written with (row-major, offset 0).
    private readonly record struct Entry(int Value, long[] Shape, bool IsArgument);

    private ElementwiseTracer(string op) => _op = op;

    /// <summary>The recording device.</summary>
    public static Device Device => Device.Of(TraceType.Value, 0);

    /// <summary>
    /// Traces <paramref name="body"/> over arguments of the given shapes and dtypes. Returns the program (one output)
    /// and the result's shape.
    /// </summary>
    /// <exception cref="NotSupportedException">The body calls a primitive that is not elementwise, reads a view, or writes into an argument.</exception>
    public static (ElementwiseProgram Program, long[] Shape) Trace(string op, IReadOnlyList<(long[] Shape, DType DType)> arguments, Func<Tensor[], Tensor> body)
    {
        var tracer = new ElementwiseTracer(op);
        var previous = t_current;
        t_current = tracer;
        try
        {
            using var noGrad = GradMode.Set(false);
            var args = new Tensor[arguments.Count];
            for (int k = 0; k < args.Length; k++)
            {
                var (shape, dtype) = arguments[k];
                var storage = new TraceStorage(Device, Shapes.NumElements(shape) * dtype.ElementSize());
                args[k] = new Tensor(storage, 0, shape, Shapes.ContiguousStrides(shape), dtype);
                tracer._values[storage] = new Entry(tracer._builder.Input(dtype), shape, IsArgument: true);
            }
            var result = body(args) ?? throw new InvalidOperationException($"{op}: the expression returned null; return a tensor computed from the arguments.");
            if (result.Device != Device)
                throw new NotSupportedException($"{op}: the expression returned a tensor on {result.Device}, not one computed from its arguments; return an expression of the arguments.");
            var layout = result.Layout;
            int v = tracer.Read(layout, layout.Shape, "the result");
            tracer._builder.Output(v);
            return (tracer._builder.Build(), [.. layout.Shape]);
        }
        finally
        {
            t_current = previous;
        }
    }

    private static ElementwiseTracer Current(string primitive)
        => t_current ?? throw new InvalidOperationException($"The fusetrace device only exists while an ElementwiseKernel traces its expression; {primitive} was called outside a trace.");

    // The value of operand s (already broadcast to shape): it must be its storage's whole value, broadcast.
    private int Read(in Strided s, long[] shape, string what)
    {
        if (!_values.TryGetValue(s.Storage, out var entry))
            throw new NotSupportedException($"{_op}: the expression reads {what}, a tensor with no value (allocated but never written); build every value from the arguments and numbers.");
        var natural = Shapes.ContiguousStrides(entry.Shape);
        int lead = s.Rank - entry.Shape.Length;
        bool same = s.Offset == 0 && lead >= 0;
        for (int d = 0; same && d < s.Rank; d++)
        {
            if (shape[d] == 1) continue;
            long size = d < lead ? 1 : entry.Shape[d - lead];
            same = size == 1 ? s.Strides[d] == 0 : size == shape[d] && s.Strides[d] == natural[d - lead];
        }
        if (!same)
            throw new NotSupportedException(
                $"{_op}: the expression reads a view ({Shapes.Format(s.Shape)} with strides {Shapes.Format(s.Strides)}, offset {s.Offset}) of a value of shape {Shapes.Format(entry.Shape)}. " +
                "Only elementwise ops with broadcasting fuse: apply transposes, slices and reshapes to the arguments before calling the kernel.");
        return entry.Value;
    }

    private void Write(in Strided dst, int value, string primitive)
    {
        if (dst.Offset != 0 || !dst.IsContiguous || dst.NumElements * dst.DType.ElementSize() != dst.Storage.ByteLength)
            throw new NotSupportedException($"{_op}: the expression writes part of a tensor ({primitive} into a view); only whole results fuse.");
        if (_values.TryGetValue(dst.Storage, out var old) && old.IsArgument)
            throw new NotSupportedException($"{_op}: the expression writes into its argument in place ({primitive}); use the out-of-place op (x.Add(y), not x.AddInPlace(y)).");
        _values[dst.Storage] = new Entry(value, [.. dst.Shape], IsArgument: false);
    }

    private sealed class TraceStorage(Device device, long byteLength) : Storage(device, byteLength)
    {
        protected override void Free() { }
    }

    /// <summary>The recording backend: elementwise primitives become instructions, everything else is refused.</summary>
    private sealed class RecordingBackend : IBackend
    {
        public static readonly RecordingBackend Instance = new();

        public Device Device => ElementwiseTracer.Device;

        public Storage Allocate(long byteLength, bool zeroed)
        {
            var storage = new TraceStorage(Device, byteLength);
            if (zeroed)
            {
                // A zero-filled allocation is a value already: zeros of whatever dtype reads it first.
                var t = Current("Allocate");
                t._zeroed.Add(storage);
            }
            return storage;
        }

        public void Copy(Strided dst, Strided src)
        {
            var t = Current("Copy");
            t.Write(dst, t._builder.Cast(t.ReadOrZero(src, dst.Shape), dst.DType), "a dtype conversion");
        }

        public void Fill(Strided dst, Scalar value)
        {
            var t = Current("Fill");
            t.Write(dst, t._builder.Constant(value, dst.DType), "Fill");
        }

        public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1)
        {
            var t = Current(op.ToString());
            t.Write(dst, t._builder.Unary(op, t.ReadOrZero(src, dst.Shape), p0, p1), op.ToString());
        }

        public void Predicate(PredicateOp op, Strided dst, Strided src)
        {
            var t = Current(op.ToString());
            t.Write(dst, t._builder.Predicate(op, t.ReadOrZero(src, dst.Shape)), op.ToString());
        }

        public void Binary(BinaryOp op, Strided dst, Strided a, Strided b)
        {
            var t = Current(op.ToString());
            t.Write(dst, t._builder.Binary(op, t.ReadOrZero(a, dst.Shape), t.ReadOrZero(b, dst.Shape)), op.ToString());
        }

        public void Where(Strided dst, Strided cond, Strided a, Strided b)
        {
            var t = Current("Where");
            t.Write(dst, t._builder.Where(t.ReadOrZero(cond, dst.Shape), t.ReadOrZero(a, dst.Shape), t.ReadOrZero(b, dst.Shape)), "Where");
        }

        public void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims) => throw NotElementwise($"a reduction ({op})");
        public void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src) => throw NotElementwise($"an arg-reduction (Arg{op})");
        public void CumSum(Strided dst, Strided src) => throw NotElementwise("CumSum");
        public void Sort(Strided values, Strided indices, Strided src, bool descending) => throw NotElementwise("Sort");
        public void Softmax(Strided dst, Strided src, bool log) => throw NotElementwise(log ? "LogSoftmax" : "Softmax");
        public void MatMul(Strided dst, Strided a, Strided b) => throw NotElementwise("MatMul");
        public void Gather(Strided dst, Strided src, Strided index, int dim) => throw NotElementwise("Gather (indexing)");
        public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate) => throw NotElementwise("Scatter (indexing)");
        public void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock) => throw NotElementwise($"a random fill ({kind})");
        public long[] NonZero(Strided src) => throw NotElementwise("NonZero (a data-dependent shape)");
        public void ReadToHost(Strided src, Span<byte> destination) => throw NotElementwise("a read of values on the host (Item, ToArray, or a check of the values such as an integer divisor's zeros)");
        public void WriteFromHost(Strided dst, ReadOnlySpan<byte> source) => throw NotElementwise("a copy of host data into a tensor (FromArray, To(device))");
        public void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue) => throw NotElementwise("a convolution or pooling window (Im2Col)");
        public void Col2Im(Strided image, Strided cols, in WindowGeometry g) => throw NotElementwise("a convolution or pooling window (Col2Im)");

        private static NotSupportedException NotElementwise(string what)
        {
            string op = t_current?._op ?? "ElementwiseKernel";
            return new NotSupportedException(
                $"{op}: the expression calls {what}, which is not elementwise. An elementwise kernel fuses unary and binary math, comparisons, " +
                "Where and dtype conversions of its arguments and numbers; compute other ops outside the kernel and pass their results as arguments.");
        }
    }

    private readonly HashSet<Storage> _zeroed = new(ReferenceEqualityComparer.Instance);

    private int ReadOrZero(in Strided s, long[] shape)
    {
        if (!_values.ContainsKey(s.Storage) && _zeroed.Contains(s.Storage)) return _builder.Constant(0, s.DType);
        return Read(s, shape, "an operand");
    }
}
