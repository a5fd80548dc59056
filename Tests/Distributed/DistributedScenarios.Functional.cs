using CudaTensor.Distributed;

namespace CudaTensor.Tests.Distributed;

public static partial class DistributedScenarios
{
    private static void RegisterFunctional()
    {
        Scenarios["functional"] = FunctionalCollectivesDifferentiate;
    }

    // Each rank r computes loss_r = sum(y_r * w_r) with its own weights w_r; backward on every rank gives each rank's
    // input the gradient of the total loss sum_r loss_r, which is written out here from the weights alone.
    private static void FunctionalCollectivesDifferentiate(ProcessGroup g)
    {
        int w = g.WorldSize;
        double[] Weights(int rank, int n) => [.. Enumerable.Range(0, n).Select(i => ((rank + 2) * 0.5) + (i * 0.25))];
        double[] Sum(int n) => [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, w).Sum(r => Weights(r, n)[i]))];
        Tensor Input(int n, long[] shape)
        {
            var t = Tensor.FromArray(Values(g.Rank, n, DType.Float64), shape);
            t.RequiresGrad = true;
            return t;
        }
        Tensor Loss(Tensor y) => (y * Tensor.FromArray(Weights(g.Rank, (int)y.NumElements), [.. y.Shape])).Sum();

        // AllReduce: y = sum_k x_k, so dL/dx_k = sum_r w_r.
        using (var x = Input(6, [2, 3]))
        {
            var y = DistributedFunctional.AllReduce(x, g);
            Expect("AllReduce forward", y, Expected(w, 6, DType.Float64, ReduceOp.Sum));
            Loss(y).Backward();
            Expect("AllReduce backward", x.Grad!, Sum(6));
        }
        // Megatron's f: identity forward; the gradient is all-reduced.
        using (var x = Input(6, [2, 3]))
        {
            var y = DistributedFunctional.CopyToParallelRegion(x, g);
            Expect("CopyToParallelRegion forward", y, Values(g.Rank, 6, DType.Float64));
            Loss(y).Backward();
            Expect("CopyToParallelRegion backward", x.Grad!, Sum(6));
        }
        // Megatron's g: all-reduce forward; the gradient passes through.
        using (var x = Input(6, [2, 3]))
        {
            var y = DistributedFunctional.ReduceFromParallelRegion(x, g);
            Expect("ReduceFromParallelRegion forward", y, Expected(w, 6, DType.Float64, ReduceOp.Sum));
            Loss(y).Backward();
            Expect("ReduceFromParallelRegion backward", x.Grad!, Weights(g.Rank, 6));
        }
        // AllGather along dim 1: y = [x_0 | x_1 | ...] (2 x 3w); x_k's gradient is columns 3k..3k+2 of sum_r w_r.
        using (var x = Input(6, [2, 3]))
        {
            var y = DistributedFunctional.AllGather(x, g, dim: 1);
            Expect(y.Shape.SequenceEqual([2L, 3 * w]), "AllGather shape");
            var expectedForward = new double[6 * w];
            for (int r = 0; r < w; r++)
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) expectedForward[(i * 3 * w) + (3 * r) + j] = Values(r, 6, DType.Float64)[(i * 3) + j];
            Expect("AllGather forward", y, expectedForward);
            Loss(y).Backward();
            var total = Sum(6 * w);
            var mine = new double[6];
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++) mine[(i * 3) + j] = total[(i * 3 * w) + (3 * g.Rank) + j];
            Expect("AllGather backward (reduce-scatter)", x.Grad!, mine, 1e-12);
        }
        // ReduceScatter along dim 0: y_r = rows 2r..2r+1 of sum_k x_k; x_k's gradient is [w_0; w_1; ...] stacked.
        using (var x = Input(6 * w, [2 * w, 3]))
        {
            var y = DistributedFunctional.ReduceScatter(x, g, dim: 0);
            Expect("ReduceScatter forward", y, Expected(w, 6 * w, DType.Float64, ReduceOp.Sum).Skip(6 * g.Rank).Take(6).ToArray());
            Loss(y).Backward();
            Expect("ReduceScatter backward (all-gather)", x.Grad!, [.. Enumerable.Range(0, w).SelectMany(r => Weights(r, 6))]);
        }
    }
}
