using CudaTensor.Backends;
using CudaTensor.Memory;

namespace CudaTensor.Distributed;

/// <summary>
/// A tensor as MPI sees it: contiguous host memory at a fixed address. A contiguous CPU tensor is used as it is (its
/// storage is held for the duration of the operation, so disposing the tensor meanwhile cannot free the memory);
/// anything else goes through a contiguous host copy, copied back by <see cref="Finish"/> when the operation writes it.
/// </summary>
internal sealed unsafe class StagedTensor : IDisposable
{
    private readonly Tensor _user;
    private readonly Tensor _data;
    private readonly bool _staged, _writes;
    private Storage? _held;

    private StagedTensor(Tensor user, bool reads, bool writes)
    {
        _user = user;
        _writes = writes;
        if (user.Device.Type == DeviceType.Cpu && user.IsContiguous)
        {
            _data = user;
            _held = user.Storage;
            _held.AddRef();
        }
        else
        {
            _staged = true;
            _data = reads ? ToHostContiguous(user) : Tensor.Empty(user.Shape, user.DType, Device.Cpu);
        }
    }

    /// <summary>A tensor the operation reads.</summary>
    public static StagedTensor Input(Tensor tensor) => new(tensor, reads: true, writes: false);

    /// <summary>A tensor the operation writes (and reads when <paramref name="reads"/>).</summary>
    public static StagedTensor Output(Tensor tensor, bool reads) => new(tensor, reads, writes: true);

    /// <summary>The host tensor MPI works on.</summary>
    public Tensor Data => _data;

    /// <summary>Address of element 0.</summary>
    public IntPtr Pointer => (IntPtr)(((CpuStorage)_data.Storage).Pointer + (_data.StorageOffset * _data.DType.ElementSize()));

    /// <summary>Copies the result into the user's tensor (when staged) and marks it modified.</summary>
    public void Finish()
    {
        if (!_writes) return;
        if (_staged) CopyInto(_user, _data);
        else _user.BumpVersion();
    }

    public void Dispose()
    {
        if (_staged) _data.Dispose();
        Interlocked.Exchange(ref _held, null)?.Release();
    }

    /// <summary>A contiguous host copy of <paramref name="tensor"/> (a new tensor the caller disposes).</summary>
    public static Tensor ToHostContiguous(Tensor tensor)
    {
        if (tensor.Device.Type == DeviceType.Cpu) return tensor.Detach().Clone();
        using var detached = tensor.Detach();
        return detached.To(Device.Cpu);
    }

    /// <summary>Copies <paramref name="source"/> (same shape and dtype, any device) into <paramref name="destination"/>, bypassing autograd.</summary>
    public static void CopyInto(Tensor destination, Tensor source)
    {
        if (source.Device == destination.Device)
        {
            destination.Backend.Copy(destination.Layout, source.Layout.WithLayout(destination.ShapeArray, ContiguousOrOwn(source, destination)));
        }
        else
        {
            using var moved = source.To(destination.Device);
            destination.Backend.Copy(destination.Layout, moved.Layout.WithLayout(destination.ShapeArray, ContiguousOrOwn(moved, destination)));
        }
        destination.BumpVersion();
    }

    // The source has the destination's element count; when the shapes differ (a flat slice of a staging buffer), read it
    // as contiguous in the destination's shape.
    private static long[] ContiguousOrOwn(Tensor source, Tensor destination)
        => source.ShapeArray.AsSpan().SequenceEqual(destination.ShapeArray) ? source.StridesArray : Core.Shapes.ContiguousStrides(destination.ShapeArray);
}

/// <summary>The owner of several staged tensors, disposed together when the operation completes.</summary>
internal sealed class StagedSet : IDisposable
{
    private readonly List<IDisposable> _items = [];

    public T Add<T>(T item) where T : IDisposable
    {
        _items.Add(item);
        return item;
    }

    public void Dispose()
    {
        foreach (var item in _items) item.Dispose();
        _items.Clear();
    }
}
