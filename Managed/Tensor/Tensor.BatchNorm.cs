using CudaTensor.Backends;
using CudaTensor.AutogradEngine;

namespace CudaTensor;

// The op layer of the backend's fused batch normalization (IFusedBatchNorm): the input seen as a contiguous [N, C, S]
// tensor, one primitive call, one autograd node (Derivatives.BatchNorm.cs). The public entry point, with its
// validation, is NN.Functional.BatchNorm.
public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalization of a non-empty <paramref name="input"/> [N, C, *] per channel (see
    /// <see cref="IFusedBatchNorm.BatchNormForward"/>); every [C] operand has the input's dtype and device, and the
    /// running statistics, updated in place in training, are contiguous (checked by the caller).
    /// </summary>
    internal static Tensor BatchNormChannels(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps)
    {
        long n = input.ShapeArray[0], c = input.ShapeArray[1], s = input.NumElements / (n * c);
        // The running statistics are updated (or, in evaluation, read) only as a pair, as the composed path does.
        if (runningMean is null || runningVar is null) (runningMean, runningVar) = (null, null);
        var y = Allocate(input.ShapeArray, input.DType, input.Device);
        var mean = Allocate([c], input.DType, input.Device);
        var invstd = Allocate([c], input.DType, input.Device);
        try
        {
            using (Autograd.NoGrad())
            using (var x = input.Contiguous())
            using (var w = weight?.Contiguous())
            using (var b = bias?.Contiguous())
            {
                Capability.Require<IFusedBatchNorm>(input.Backend, "BatchNorm").BatchNormForward(y.Layout.AsContiguous(n, c, s), mean.Layout, invstd.Layout,
                    x.Layout.AsContiguous(n, c, s), w?.Layout, b?.Layout, runningMean?.Layout, runningVar?.Layout, training, momentum, eps);
            }
            if (training)
            {
                runningMean?.BumpVersion();
                runningVar?.BumpVersion();
            }
            Derivatives.RecordBatchNorm(y, input, weight, bias, mean, invstd, training, eps);
        }
        catch
        {
            y.Dispose();
            throw;
        }
        finally
        {
            // The node keeps its own references to the statistics.
            mean.Dispose();
            invstd.Dispose();
        }
        return y;
    }
}
