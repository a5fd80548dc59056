namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// The attributes of one cuBLASLt descriptor, checked against a table of (attribute id -> size in bytes, default)
/// as cublasLt*SetAttribute / GetAttribute check them: an unknown id, a NULL buffer or a size that is not the
/// attribute's own is CUBLAS_STATUS_INVALID_VALUE. Every attribute fits in 8 bytes and is kept as raw bits.
/// </summary>
/// <param name="specs">The attributes this kind of descriptor has.</param>
internal sealed unsafe class AttributeSet(IReadOnlyDictionary<int, AttributeSpec> specs)
{
    private readonly Dictionary<int, long> values = [];

    /// <summary>The raw bits of attribute <paramref name="id"/> (its default when never set).</summary>
    public long this[int id]
    {
        get
        {
            lock (values) return values.TryGetValue(id, out long v) ? v : specs[id].Default;
        }
        set
        {
            lock (values) values[id] = value;
        }
    }

    public BlasStatus Set(int id, void* buffer, nuint size)
    {
        if (!specs.TryGetValue(id, out AttributeSpec spec))
        {
            return BlasFailure.Reject(BlasStatus.InvalidValue, $"cuBLASLt SetAttribute: {id} is not an attribute of this descriptor kind");
        }
        if (buffer == null || size != (nuint)spec.Size)
        {
            return BlasFailure.Reject(BlasStatus.InvalidValue, $"cuBLASLt SetAttribute: attribute {id} takes {spec.Size} bytes, was given {size}{(buffer == null ? " and a NULL buffer" : "")}");
        }
        long bits = 0;
        Buffer.MemoryCopy(buffer, &bits, sizeof(long), spec.Size);
        // Sign-extend 4-byte values so that int32 attributes read back negative (-1 defaults) as written.
        if (spec.Size == 4) bits = *(int*)&bits;
        this[id] = bits;
        return BlasStatus.Success;
    }

    public BlasStatus Get(int id, void* buffer, nuint size, nuint* written)
    {
        if (!specs.TryGetValue(id, out AttributeSpec spec)) return BlasStatus.InvalidValue;
        if (size == 0)
        {
            // Size query: how many bytes the attribute needs.
            if (written == null) return BlasStatus.InvalidValue;
            *written = (nuint)spec.Size;
            return BlasStatus.Success;
        }
        if (buffer == null || size != (nuint)spec.Size) return BlasStatus.InvalidValue;
        long bits = this[id];
        Buffer.MemoryCopy(&bits, buffer, spec.Size, spec.Size);
        if (written != null) *written = (nuint)spec.Size;
        return BlasStatus.Success;
    }
}

/// <summary>One attribute's size in bytes and default value (raw bits).</summary>
internal readonly record struct AttributeSpec(int Size, long Default = 0);
