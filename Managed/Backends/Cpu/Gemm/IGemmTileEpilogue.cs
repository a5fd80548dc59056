namespace CudaTensor.Backends.Cpu;

/// <summary>
/// Work the GEMM applies to each finished block of C right after storing it (bias, activation, residual, scale): the
/// block is still in cache (a register tile of the small-product path in L1; an MC x NC block of the packed path, whose
/// rows are long enough for the row kernels' vector forms, in L2), so the epilogue costs its arithmetic and no pass
/// over memory. Called from the threads that compute the product, each element once, after the last block of the
/// reduction dimension.
/// </summary>
/// <typeparam name="T">The element type of C.</typeparam>
internal unsafe interface IGemmTileEpilogue<T>
    where T : unmanaged
{
    /// <summary>Applies the epilogue to rows x cols elements of C starting at <paramref name="c"/> (row stride <paramref name="ldc"/>).</summary>
    /// <param name="c">Element (row, col) of C.</param>
    /// <param name="ldc">Distance between rows of C, in elements.</param>
    /// <param name="row">The tile's first row, counted over the whole output (batches included).</param>
    /// <param name="col">The tile's first column.</param>
    /// <param name="rows">Rows of the tile.</param>
    /// <param name="cols">Columns of the tile.</param>
    void Apply(T* c, long ldc, long row, int col, int rows, int cols);
}
