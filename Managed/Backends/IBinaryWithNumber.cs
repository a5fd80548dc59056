using CudaTensor.Ops;

namespace CudaTensor.Backends;

/// <summary>
/// Optional backend capability: a binary op with a C# number as one operand (<c>x * 2.0</c>, <c>1 - x</c>), the number
/// passed to the kernel as an argument. Without it the op layer stores the number in a one-element buffer broadcast by
/// stride 0; on a device that costs an allocation and a fill launch per op, and inside a CUDA graph capture an
/// allocation from the graph's pool. Recording backends do not offer it, so a trace records the fill and the
/// binary primitive, which the compiler's passes fold and fuse.
/// </summary>
internal interface IBinaryWithNumber
{
    /// <summary>
    /// <paramref name="dst"/> = <paramref name="a"/> op <paramref name="number"/> (or <paramref name="number"/> op
    /// <paramref name="a"/> when <paramref name="numberFirst"/>). <paramref name="a"/> is already in the compute dtype
    /// and broadcast to <paramref name="dst"/>'s shape; the number is converted to it exactly as
    /// <see cref="IBackend.Fill"/> stores it.
    /// </summary>
    void BinaryWithNumber(BinaryOp op, Strided dst, Strided a, Scalar number, bool numberFirst);
}
