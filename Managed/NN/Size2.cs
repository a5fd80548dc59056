namespace CudaTensor.NN;

/// <summary>
/// A (height, width) pair for 2-D layers: kernel size, stride, padding, dilation. Converts implicitly from one
/// number (used for both) and from a tuple, so <c>kernelSize: 3</c> and <c>stride: (2, 1)</c> both work.
/// </summary>
/// <param name="Height">The value along the height (rows).</param>
/// <param name="Width">The value along the width (columns).</param>
public readonly record struct Size2(long Height, long Width)
{
    /// <summary>The same value for height and width.</summary>
    public static implicit operator Size2(long both) => new(both, both);

    /// <summary>The same value for height and width.</summary>
    public static implicit operator Size2(int both) => new(both, both);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2((long Height, long Width) pair) => new(pair.Height, pair.Width);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2((int Height, int Width) pair) => new(pair.Height, pair.Width);

    /// <summary>The same value for height and width.</summary>
    public static Size2 FromInt64(long both) => new(both, both);

    /// <summary>The same value for height and width.</summary>
    public static Size2 FromInt32(int both) => new(both, both);

    /// <summary>(height, width) from a tuple.</summary>
    public static Size2 FromValueTuple((long Height, long Width) pair) => new(pair.Height, pair.Width);

    /// <inheritdoc/>
    public override string ToString() => $"({Height}, {Width})";
}
