using CudaTensor.Core;

namespace CudaTensor;

// Running product, composed as a Hillis-Steele scan: log2(n) rounds, round s multiplying each element by the one 2^s
// positions before it (ones shifted in). Only products, so autograd differentiates it exactly, zeros included (no
// division by the input, unlike the y / x formula), and gradients of gradients follow.
public sealed partial class Tensor
{
    /// <summary>
    /// Running product along <paramref name="dim"/> (torch.cumprod): out[i] = x[0]·x[1]·…·x[i]. Integer and Bool
    /// tensors multiply in Int64, as PyTorch. The gradient is exact where elements are zero.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public Tensor CumProd(int dim)
    {
        ThrowIfDisposed(nameof(CumProd));
        int d = Shapes.NormalizeDim(dim, Dim, nameof(CumProd));
        var dtype = DType.IsFloatingPoint() ? DType : DType.Int64;
        var result = DType == dtype ? Clone() : To(dtype);
        if (Dim == 0) return result;
        long n = _shape[d];
        for (long step = 1; step < n; step *= 2)
        {
            using var previous = result;
            using var head = previous.Narrow(d, 0, n - step);
            var onesShape = (long[])_shape.Clone();
            onesShape[d] = step;
            using var ones = Ones(onesShape, dtype, Device);
            using var shifted = Cat([ones, head], d);
            result = previous * shifted;
        }
        return result;
    }
}
