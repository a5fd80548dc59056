namespace CudaTensor.Backends;

// Sorting along the last dimension (Sort, ArgSort, TopK and the ops built on them). The op layer moves the sorted
// dimension last and hands over contiguous operands: src and values [rows, n] of one dtype, indices [rows, n] Int64.
internal partial interface IBackend
{
    /// <summary>
    /// Sorts every row of <paramref name="src"/> [rows, n] into <paramref name="values"/> and writes the source position
    /// of each value to <paramref name="indices"/> (Int64). Stable: equal values keep their order. NaN sorts as the
    /// largest value (last ascending, first descending), as PyTorch. Float32, Float64, Int32 and Int64.
    /// </summary>
    void Sort(Strided values, Strided indices, Strided src, bool descending);
}
