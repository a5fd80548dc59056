using System.Globalization;

namespace CudaTensor;

/// <summary>
/// A CUDA grid or block size (CUDA's <c>dim3</c>): <c>X</c> by <c>Y</c> by <c>Z</c>, unused dimensions 1. Converts
/// implicitly from an <see cref="int"/> (<c>256</c>), a pair (<c>(16, 16)</c>) and a triple (<c>(8, 8, 4)</c>), so
/// <see cref="RawKernel.Launch"/> reads as in CUDA C. Sizes are checked when a kernel is launched, not here.
/// </summary>
/// <param name="X">Size along x.</param>
/// <param name="Y">Size along y (1 for a 1-D size).</param>
/// <param name="Z">Size along z (1 for a 1-D or 2-D size).</param>
public readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    /// <summary>X * Y * Z, in 64 bits.</summary>
    public long Count => (long)X * Y * Z;

    /// <summary>A 1-D size.</summary>
    /// <param name="x">Size along x.</param>
    public static implicit operator Dim3(int x) => new(x);

    /// <summary>A 2-D size.</summary>
    /// <param name="xy">Sizes along x and y.</param>
    public static implicit operator Dim3((int X, int Y) xy) => new(xy.X, xy.Y);

    /// <summary>A 3-D size.</summary>
    /// <param name="xyz">Sizes along x, y and z.</param>
    public static implicit operator Dim3((int X, int Y, int Z) xyz) => new(xyz.X, xyz.Y, xyz.Z);

    /// <summary>A 1-D size (the named form of the conversion from <see cref="int"/>).</summary>
    /// <param name="x">Size along x.</param>
    /// <returns>(x, 1, 1).</returns>
    public static Dim3 FromInt32(int x) => new(x);

    /// <summary>A 2-D size (the named form of the conversion from a pair).</summary>
    /// <param name="xy">Sizes along x and y.</param>
    /// <returns>(x, y, 1).</returns>
    public static Dim3 FromValueTuple((int X, int Y) xy) => xy;

    /// <summary>A 3-D size (the named form of the conversion from a triple).</summary>
    /// <param name="xyz">Sizes along x, y and z.</param>
    /// <returns>(x, y, z).</returns>
    public static Dim3 FromValueTuple((int X, int Y, int Z) xyz) => xyz;

    /// <summary>"(x, y, z)".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({X}, {Y}, {Z})");
}
