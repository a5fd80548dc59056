using CudaTensor.Backends;
using CudaTensor.AutogradEngine;

namespace CudaTensor;

// Sliding windows as tensor ops: Unfold2d lays every window of a batch of images out as columns (im2col), Fold2d sums
// columns back onto the images (col2im, its adjoint). Convolution is a matrix product over the columns and pooling a
// reduction over them (NN.Functional); each op is one backend primitive and one autograd node, the other op being its
// gradient, so gradients of gradients follow.
public sealed partial class Tensor
{
    /// <summary>
    /// Columns [N, C, taps·positions] of <paramref name="input"/> [N, C, H, W] (any dtype): entry (tap, position) is
    /// the pixel that tap of that window reads, or <paramref name="padValue"/> in the padding.
    /// </summary>
    internal static Tensor Unfold2d(Tensor input, in WindowGeometry g, double padValue)
    {
        long n = input.Shape[0], c = input.Shape[1];
        var cols = Allocate([n, c, g.Taps * g.Positions], input.DType, input.Device);
        try
        {
            using (Autograd.NoGrad())
            using (var x = input.Contiguous())
            {
                input.Backend.Im2Col(cols.Layout.AsContiguous(n * c, g.Taps, g.Positions), x.Layout.AsContiguous(n * c, g.Height, g.Width), g, padValue);
            }
            Derivatives.RecordUnfold2d(cols, input, g);
        }
        catch
        {
            cols.Dispose();
            throw;
        }
        return cols;
    }

    /// <summary>
    /// Images [N, C, H, W] from columns <paramref name="cols"/> [N, C, taps·positions] (Float32 or Float64): each
    /// pixel is the sum of the entries that read it.
    /// </summary>
    internal static Tensor Fold2d(Tensor cols, in WindowGeometry g)
    {
        long n = cols.Shape[0], c = cols.Shape[1];
        var image = Allocate([n, c, g.Height, g.Width], cols.DType, cols.Device);
        try
        {
            using (Autograd.NoGrad())
            using (var x = cols.Contiguous())
            {
                cols.Backend.Col2Im(image.Layout.AsContiguous(n * c, g.Height, g.Width), x.Layout.AsContiguous(n * c, g.Taps, g.Positions), g);
            }
            Derivatives.RecordFold2d(image, cols, g);
        }
        catch
        {
            image.Dispose();
            throw;
        }
        return image;
    }

    /// <summary>
    /// 2-D convolution with one group of <paramref name="input"/> [N, C, H, W] and <paramref name="weight"/>
    /// [O, C, KH, KW], plus <paramref name="bias"/> [O] (floating dtypes, one device, shapes checked by the caller):
    /// [N, O, OH, OW] from the backend's convolution primitive, with one autograd node.
    /// </summary>
    internal static Tensor Conv2dSingleGroup(Tensor input, Tensor weight, Tensor? bias, in WindowGeometry g)
    {
        long n = input.Shape[0], o = weight.Shape[0], rows = weight.NumElements / Math.Max(1, o);
        var y = Allocate([n, o, g.OutHeight, g.OutWidth], input.DType, input.Device);
        try
        {
            using (Autograd.NoGrad())
            using (var x = input.Contiguous())
            using (var w = weight.Contiguous())
            using (var b = bias?.Contiguous())
            {
                Capability.Require<IConvolution>(input.Backend, "Conv2d").Conv2dForward(y.Layout.AsContiguous(n, o, g.Positions), x.Layout,
                    w.Layout.AsContiguous(o, rows), b?.Layout, g);
            }
            Derivatives.RecordConv2d(y, input, weight, bias, g);
        }
        catch
        {
            y.Dispose();
            throw;
        }
        return y;
    }
}
