using System.Runtime.InteropServices;
using CudaTensor.AutogradEngine;
using CudaTensor.Backends;
using CudaTensor.Core;
using CudaTensor.Tensors;

namespace CudaTensor;

// Copies between tensors, dtype conversion, and reading values back to C#.
public sealed partial class Tensor
{
    /// <summary>Sets every element (through views too) to <paramref name="value"/>, converted to this dtype. Returns this tensor.</summary>
    public Tensor Fill(Scalar value)
    {
        CheckWritable(nameof(Fill));
        // Recorded as "every element replaced": the old values get a zero gradient.
        if (InPlaceNeedsGrad(null, nameof(Fill))) return RebaseInPlace(old => ReplacedBy(old, value));
        Backend.Fill(Layout, value);
        BumpVersion();
        return this;
    }

    /// <summary>Sets every element to zero. Returns this tensor.</summary>
    public Tensor Zero() => Fill(0);

    /// <summary>
    /// Copies <paramref name="source"/> into this tensor, broadcasting it to this shape and converting its dtype.
    /// Returns this tensor.
    /// </summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckSameDevice(nameof(CopyFrom), this, source);
        CheckWritable(nameof(CopyFrom));
        if (InPlaceNeedsGrad(source, nameof(CopyFrom))) return RebaseInPlace(old => ReplacedBy(old, source));
        var src = source.Layout;
        src = src.WithLayout(_shape, Shapes.BroadcastStrides(src.Shape, src.Strides, _shape, nameof(CopyFrom)));
        if (MayOverlap(source))
        {
            // Reading and writing one memory region in different orders would mix old and new values.
            using var staged = source.Clone();
            var st = staged.Layout;
            Backend.Copy(Layout, st.WithLayout(_shape, Shapes.BroadcastStrides(st.Shape, st.Strides, _shape, nameof(CopyFrom))));
        }
        else
        {
            Backend.Copy(Layout, src);
        }
        BumpVersion();
        return this;
    }

    // Where(all-true, value, old): the values of `value` (broadcast), with gradients for `value` and zeros for `old`.
    private static Tensor ReplacedBy(Tensor old, Tensor value)
    {
        using var all = Full(old._shape, true, device: old.Device);
        return Where(all, value, old);
    }

    private static Tensor ReplacedBy(Tensor old, Scalar value)
    {
        using var all = Full(old._shape, true, device: old.Device);
        return Where(all, value, old);
    }

    /// <summary>A contiguous copy with the same values and dtype, on the same device.</summary>
    public Tensor Clone()
    {
        var result = Allocate(_shape, DType, Device);
        Backend.Copy(result.Layout, Layout);
        Derivatives.RecordCopy("CloneBackward", result, this);
        return result;
    }

    /// <summary>
    /// The values converted to <paramref name="dtype"/> (a new view of the same storage when the dtype is unchanged).
    /// Floating to integer truncates toward zero; to Bool, non-zero is true.
    /// </summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return Alias();
        var result = Allocate(_shape, dtype, Device);
        Backend.Copy(result.Layout, Layout);
        Derivatives.RecordCopy("ToCopyBackward", result, this);
        return result;
    }

    /// <summary>
    /// The tensor on <paramref name="device"/> (a new view when already there). Between the CPU and a GPU the bytes move
    /// once, straight between the CPU tensor's pinned storage and device memory, on the GPU's current stream.
    /// </summary>
    public Tensor To(Device device)
    {
        if (device == Device) return Alias();
        using var dense = Contiguous();
        var result = Allocate(_shape, DType, device);
        try
        {
            DeviceTransfer.Copy(result, dense);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        Derivatives.RecordCopy("ToCopyBackward", result, this);
        return result;
    }

    /// <summary>
    /// This tensor with the dtype and device of <paramref name="other"/> (torch.Tensor.type_as, which also takes the
    /// device: <c>self.type(other.type())</c>); a view of itself when both already match.
    /// </summary>
    public Tensor TypeAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Device == Device) return To(other.DType);
        using var moved = To(other.Device);
        return moved.To(other.DType);
    }

    /// <summary>The elements in row-major order as a new array. <typeparamref name="T"/> must match the dtype.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not this tensor's element type.</exception>
    public T[] ToArray<T>() where T : unmanaged
    {
        ThrowIfDisposed(nameof(ToArray));
        CheckElementType<T>(nameof(ToArray));
        var result = new T[NumElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements in row-major order into <paramref name="destination"/>.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>(nameof(CopyTo));
        if (destination.Length < NumElements)
            throw new ArgumentException($"{nameof(CopyTo)}: the destination holds {destination.Length} elements but {Describe()} has {NumElements}.");
        using var dense = Contiguous();
        BackendInterception.Current?.Untraceable(nameof(ToArray));
        dense.Backend.ReadToHost(dense.Layout, MemoryMarshal.AsBytes(destination[..(int)NumElements]));
    }

    /// <summary>The value of a one-element tensor (any shape with a single element).</summary>
    /// <exception cref="InvalidOperationException">The tensor has more or fewer than one element, or <typeparamref name="T"/> does not match.</exception>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    public T Item<T>() where T : unmanaged
    {
        ThrowIfDisposed(nameof(Item)); // before the element count: a disposed tensor's real problem is that it is disposed
        if (NumElements != 1)
            throw new InvalidOperationException($"{nameof(Item)}: {Describe()} has {NumElements} elements; only one-element tensors can be converted to a C# value.");
        CheckElementType<T>(nameof(Item));
        Span<T> one = stackalloc T[1];
        BackendInterception.Current?.Untraceable(nameof(Item));
        Backend.ReadToHost(Layout, MemoryMarshal.AsBytes(one));
        return one[0];
    }

    /// <summary>The value of a one-element tensor as a double, whatever its dtype.</summary>
    public double ToDouble()
    {
        using var d = To(DType.Float64);
        return d.Item<double>();
    }

    /// <summary>PyTorch-style text of the values, e.g. <c>tensor([[1., 2.], [3., 4.]])</c>; large tensors are elided.</summary>
    public override string ToString() => TensorFormatter.Format(this);

    private void CheckElementType<T>(string op) where T : unmanaged
    {
        var requested = DTypes.Of<T>();
        if (requested != DType)
            throw new InvalidOperationException(
                $"{op}<{typeof(T).Name}>: {Describe()} holds {DType.Name()} elements, not {requested.Name()}. Convert with .To(DType.{requested}) first or ask for the matching type.");
    }
}
