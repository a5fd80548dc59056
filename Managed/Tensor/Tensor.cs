using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor;

/// <summary>
/// An n-dimensional array on a device: a view (offset, shape, element strides, dtype) of a reference-counted
/// <see cref="CudaTensor.Storage"/>. Views made by indexing, <see cref="Transpose"/>, <see cref="View(ReadOnlySpan{long})"/>
/// and friends share the storage, so writes through one are seen by all.
/// </summary>
/// <remarks>
/// Naming: an op returns a new tensor (<c>Add</c>, <c>Exp</c>); the same op ending in <c>InPlace</c>
/// (<c>AddInPlace</c>, <c>ExpInPlace</c>) writes into this tensor and returns it. Every tensor is
/// <see cref="IDisposable"/>: disposing drops its reference to the storage at once (the memory is reused when
/// no view is left); a <see cref="TensorScope"/> disposes everything created inside it.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;
    // Mutable only through ReplaceData (a module moving its parameters keeps the tensor objects).
    private long[] _shape;
    private long[] _strides;

    /// <summary>The <see cref="TensorScope"/> that will dispose this tensor, or null; guarded by that scope's lock.</summary>
    internal TensorScope? OwnerScope;

    /// <summary>This tensor's slot in <see cref="OwnerScope"/>'s list (O(1) <see cref="TensorScope.Keep"/>).</summary>
    internal int OwnerSlot;

    /// <summary>Wraps a storage reference that the caller hands over (a fresh storage, or one it AddRef'd).</summary>
    internal Tensor(Storage storage, long offset, long[] shape, long[] strides, DType dtype)
    {
        _storage = storage;
        StorageOffset = offset;
        _shape = shape;
        _strides = strides;
        DType = dtype;
        TensorScope.Register(this);
    }

    /// <summary>The element type.</summary>
    public DType DType { get; private set; }

    /// <summary>Where the data lives.</summary>
    public Device Device => LiveStorage.Device;

    /// <summary>The size of each dimension.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The step, in elements, between neighbours along each dimension (0 for expanded dimensions).</summary>
    public ReadOnlySpan<long> Strides => _strides;

    /// <summary>Offset of element [0, ..., 0] from the start of the storage, in elements.</summary>
    public long StorageOffset { get; private set; }

    /// <summary>Number of dimensions (0 for a scalar tensor).</summary>
    public int Dim => _shape.Length;

    /// <summary>Total number of elements (1 for a 0-d tensor, 0 when any size is 0).</summary>
    public long NumElements => Shapes.NumElements(_shape);

    /// <summary>Whether the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous => Shapes.IsContiguous(_shape, _strides);

    /// <summary>The storage this tensor views (shared with every other view of it).</summary>
    public Storage Storage => LiveStorage;

    /// <summary>Optional name used in error messages and printing.</summary>
    public string? Name { get; set; }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _storage is null;

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim) => _shape[ExistingDim(dim, nameof(Size))];

    /// <summary>The stride of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Stride(int dim) => _strides[ExistingDim(dim, nameof(Stride))];

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming this tensor if it was disposed.</summary>
    internal void ThrowIfDisposed() => _ = LiveStorage;

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming <paramref name="op"/> and this tensor if it was disposed.</summary>
    internal void ThrowIfDisposed(string op)
    {
        if (_storage is null)
            throw new ObjectDisposedException(Describe(),
                $"{op}: {Describe()} was disposed and can no longer be used. Dispose a tensor only after its last use " +
                "(a dispose scope disposes what was created in it unless it is kept with scope.Keep or returned with MoveToOuter).");
    }

    private Storage LiveStorage => _storage ?? throw new ObjectDisposedException(Describe(), $"{Describe()} was disposed and can no longer be used.");

    /// <summary>Starts a <see cref="TensorScope"/>: tensors created until it is disposed are disposed with it.</summary>
    public static TensorScope NewScope() => new();

    /// <summary>Drops this tensor's reference to its storage; other views keep the data alive.</summary>
    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        s?.Release();
    }

    internal IBackend Backend => Backends.Backend.For(LiveStorage.Device);

    internal Strided Layout => new(LiveStorage, StorageOffset, _shape, _strides, DType);

    /// <summary>Elements [start, start + count) of a contiguous tensor as a 1-D layout.</summary>
    internal Strided FlatLayout(long start, long count) => new(LiveStorage, StorageOffset + start, [count], [1], DType);

    internal long[] ShapeArray => _shape;

    internal long[] StridesArray => _strides;

    /// <summary>A short description used in messages: name, shape, dtype, device.</summary>
    internal string Describe()
    {
        var name = Name is null ? "Tensor" : $"Tensor '{Name}'";
        var device = _storage is null ? "" : $" on {_storage.Device}";
        return $"{name} {Shapes.Format(_shape)} {DType.Name()}{device}";
    }

    /// <summary>A new uninitialised contiguous tensor on this tensor's device.</summary>
    /// <exception cref="ArgumentException">The byte count overflows a long (the message names <paramref name="op"/>, by default the calling op).</exception>
    internal static Tensor Allocate(long[] shape, DType dtype, Device device, bool zeroed = false,
        [System.Runtime.CompilerServices.CallerMemberName] string op = "")
    {
        var backend = Backends.Backend.For(device);
        if (!Shapes.TryByteCount(shape, dtype.ElementSize(), out _, out long bytes)) throw new ArgumentException(Shapes.TooBig(shape, dtype, op));
        return new Tensor(backend.Allocate(bytes, zeroed), 0, shape, Shapes.ContiguousStrides(shape), dtype);
    }

    /// <summary>A new view of the same storage (the storage gains a reference).</summary>
    internal Tensor AsStrided(long[] shape, long[] strides, long offset)
    {
        var s = LiveStorage;
        s.AddRef();
        return new Tensor(s, offset, shape, strides, DType);
    }

    /// <summary>Marks an in-place write: views share the storage's version counter.</summary>
    internal void BumpVersion() => LiveStorage.BumpVersion();

    internal static void CheckSameDevice(string op, Tensor a, Tensor b)
    {
        a.ThrowIfDisposed(op);
        b.ThrowIfDisposed(op);
        if (a.Device != b.Device)
            throw new ArgumentException(
                $"{op}: expected all tensors on the same device, but got {a.Describe()} and {b.Describe()}. Move one with .To(device).");
    }
}
