using CudaTensor.Backends;
using CudaTensor.Ops;

namespace CudaTensor.Tests.Backends;

/// <summary>
/// A backend that forwards the core primitives of <see cref="IBackend"/> to another backend and implements no
/// capability, so the op layer takes every composed fallback on it. Its tensors live on a device of their own kind
/// (<see cref="Twin"/>: <c>corecpu</c> for the CPU, <c>corecuda:N</c> for GPU N), registered once through
/// <see cref="BackendRegistry"/>: the same plug-in point a tracing or shape-only backend uses. Storages wrap the
/// inner backend's storages, so the wrapped backend sees its own memory and the tensor layer sees the twin device.
/// </summary>
internal sealed class CoreOnlyBackend(Device device, IBackend inner) : IBackend
{
    private static readonly Lazy<(DeviceType Cpu, DeviceType Cuda)> Types = new(() =>
    {
        var cpuBackend = new Lazy<CoreOnlyBackend>(() => new CoreOnlyBackend(Device.Of(Types!.Value.Cpu, 0), Backend.For(Device.Cpu)));
        var cudaBackends = new System.Collections.Concurrent.ConcurrentDictionary<int, CoreOnlyBackend>();
        var cpu = BackendRegistry.Register("corecpu", _ => cpuBackend.Value);
        var cuda = BackendRegistry.Register("corecuda",
            index => cudaBackends.GetOrAdd(index, i => new CoreOnlyBackend(Device.Of(Types!.Value.Cuda, i), Backend.For(Device.Cuda(i)))));
        return (cpu, cuda);
    });

    /// <summary>The core-only twin of a CPU or CUDA device.</summary>
    public static Device Twin(Device device)
        => device.IsCpu ? Device.Of(Types.Value.Cpu, 0) : Device.Of(Types.Value.Cuda, device.Index);

    /// <summary>The backend this one forwards to.</summary>
    public IBackend Inner => inner;

    public Device Device => device;

    /// <summary>A storage of the twin device holding one reference to the inner backend's storage.</summary>
    private sealed class WrappedStorage(Device device, Storage inner) : Storage(device, inner.ByteLength)
    {
        public Storage Inner => inner;

        protected override void Free() => inner.Release();
    }

    private static Strided In(Strided s) => new(((WrappedStorage)s.Storage).Inner, s.Offset, s.Shape, s.Strides, s.DType);

    private static Strided? In(Strided? s) => s is { } v ? In(v) : null;

    public Storage Allocate(long byteLength, bool zeroed) => new WrappedStorage(device, inner.Allocate(byteLength, zeroed));

    public void Copy(Strided dst, Strided src) => inner.Copy(In(dst), In(src));

    public void Fill(Strided dst, Scalar value) => inner.Fill(In(dst), value);

    public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1) => inner.Unary(op, In(dst), In(src), p0, p1);

    public void Predicate(PredicateOp op, Strided dst, Strided src) => inner.Predicate(op, In(dst), In(src));

    public void Binary(BinaryOp op, Strided dst, Strided a, Strided b) => inner.Binary(op, In(dst), In(a), In(b));

    public void Where(Strided dst, Strided cond, Strided a, Strided b) => inner.Where(In(dst), In(cond), In(a), In(b));

    public void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims) => inner.Reduce(op, In(dst), In(src), reducedDims);

    public void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src) => inner.ArgReduce(op, In(values), In(indices), In(src));

    public void CumSum(Strided dst, Strided src) => inner.CumSum(In(dst), In(src));

    public void Sort(Strided values, Strided indices, Strided src, bool descending) => inner.Sort(In(values), In(indices), In(src), descending);

    public void Softmax(Strided dst, Strided src, bool log) => inner.Softmax(In(dst), In(src), log);

    public void MatMul(Strided dst, Strided a, Strided b) => inner.MatMul(In(dst), In(a), In(b));

    public void Gather(Strided dst, Strided src, Strided index, int dim) => inner.Gather(In(dst), In(src), In(index), dim);

    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate) => inner.Scatter(In(dst), In(index), In(src), dim, accumulate);

    public void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock)
        => inner.Random(In(dst), kind, a, b, seed, startBlock);

    public long[] NonZero(Strided src) => inner.NonZero(In(src));

    public void ReadToHost(Strided src, Span<byte> destination) => inner.ReadToHost(In(src), destination);

    public void WriteFromHost(Strided dst, ReadOnlySpan<byte> source) => inner.WriteFromHost(In(dst), source);

    public void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue) => inner.Im2Col(In(cols), In(image), g, padValue);

    public void Col2Im(Strided image, Strided cols, in WindowGeometry g) => inner.Col2Im(In(image), In(cols), g);
}
