using CudaTensor.Backends;

namespace CudaTensor;

// Unfold2d and Fold2d are linear and adjoint to each other: each one's gradient is the other applied to the upstream
// gradient (padding taps of Unfold2d read no pixel, so they send nothing back, whatever their pad value).
internal static partial class Derivatives
{
    public static void RecordUnfold2d(Tensor cols, Tensor input, WindowGeometry g)
    {
        if (!Needs(input)) return;
        var node = Node("Unfold2dBackward", cols, [input]);
        node.Formula = grad => [Tensor.Fold2d(grad, g)];
    }

    public static void RecordFold2d(Tensor image, Tensor cols, WindowGeometry g)
    {
        if (!Needs(cols)) return;
        var node = Node("Fold2dBackward", image, [cols]);
        node.Formula = grad => [Tensor.Unfold2d(grad, g, 0)];
    }
}
