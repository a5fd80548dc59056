namespace CudaTensor.Backends;

/// <summary>The errors every backend's indexing primitives raise, worded once so all devices report alike.</summary>
internal static class IndexErrors
{
    internal static ArgumentOutOfRangeException OutOfBounds(string op, long index, long size, int dim)
        => new(nameof(index), $"{op}: index {index} is out of bounds for dimension {dim} with size {size}; valid indices are 0..{size - 1}.");
}
