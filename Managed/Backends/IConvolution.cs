namespace CudaTensor.Backends;

// 2-D convolution (groups = 1) as whole primitives, so a backend can schedule the unfolded windows as it sees fit:
// the CPU unfolds one sample at a time into a buffer that stays in the core's cache and multiplies it right away,
// each core taking its own samples; CUDA unfolds the batch and runs batched products. Operands are contiguous, of one
// floating dtype (Float32 or Float64): images x, dx [N, C, H, W]; outputs y, dy [N, O, positions]; weight w, dw
// [O, C·taps] (the weight [O, C, KH, KW] flattened); bias b, db [O]. The geometry is WindowGeometry's.
/// <summary>
/// Capability: 2-D convolution (groups = 1) as whole primitives. Without it the op layer composes the convolution
/// from <see cref="IBackend.Im2Col"/>, <see cref="IBackend.MatMul"/> and <see cref="IBackend.Col2Im"/>.
/// </summary>
internal interface IConvolution
{
    /// <summary>y[n] = w @ unfold(x[n]) (+ b on every position when <paramref name="bias"/> is given).</summary>
    void Conv2dForward(Strided y, Strided x, Strided w, Strided? bias, in WindowGeometry g);

    /// <summary>dx[n] = fold(wᵀ @ dy[n]): overwrites dx.</summary>
    void Conv2dBackwardInput(Strided dx, Strided dy, Strided w, in WindowGeometry g);

    /// <summary>dw = Σ_n dy[n] @ unfold(x[n])ᵀ and, when given, db = Σ_n Σ_positions dy[n]: overwrites both.</summary>
    void Conv2dBackwardWeight(Strided dw, Strided? db, Strided dy, Strided x, in WindowGeometry g);
}
