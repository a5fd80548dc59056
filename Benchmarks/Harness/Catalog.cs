namespace CudaTensor.Benchmarks;

/// <summary>
/// What a library must provide to run the suite: one body per kind of workload. The suite's names and sizes
/// are defined once, in <see cref="Catalog"/>, so CudaTensor and libtorch run exactly the same workloads.
/// </summary>
public interface IWorkloadFactory
{
    /// <summary>float32 [m, k] @ [k, n]; <paramref name="transA"/>/<paramref name="transB"/> pass the operand as a transposed view.</summary>
    Body Gemm(int m, int k, int n, bool transA, bool transB);

    /// <summary>Out-of-place unary op (<c>exp</c>, <c>gelu</c>) on n floats.</summary>
    Body Unary(string op, long n);

    /// <summary>Out-of-place binary op (<c>add</c>, <c>mul</c>) on two vectors of n floats.</summary>
    Body Binary(string op, long n);

    /// <summary>Sum of n floats to a scalar.</summary>
    Body Sum(long n);

    /// <summary>Softmax over the rows of a [rows, cols] matrix.</summary>
    Body Softmax(int rows, int cols);

    /// <summary>
    /// Layer norm over the rows of a [rows, cols] matrix with weight and bias, forward and backward: the gradients of
    /// the input, weight and bias for a fixed upstream gradient.
    /// </summary>
    Body LayerNorm(int rows, int cols);

    /// <summary>
    /// Training-mode batch norm of a [n, c, h, w] batch with weight, bias and running statistics, forward and backward:
    /// the gradients of the input, weight and bias for a fixed upstream gradient.
    /// </summary>
    Body BatchNorm2d(int n, int c, int h, int w);

    /// <summary>Evaluation-mode batch norm of a [n, c, h, w] batch with weight, bias and running statistics, forward only.</summary>
    Body BatchNorm2dEval(int n, int c, int h, int w);

    /// <summary>
    /// 3x3 convolution with padding 1 of a [n, c, h, w] batch to <paramref name="outChannels"/> channels, no bias, forward
    /// and backward: the gradients of the input and the weight for a fixed upstream gradient.
    /// </summary>
    Body Conv2d(int n, int c, int h, int w, int outChannels);

    /// <summary>
    /// Scaled dot-product attention of float32 q, k, v [batch, heads, seq, headDim] (self-attention shapes), forward and
    /// backward: the gradients of q, k and v for a fixed upstream gradient.
    /// </summary>
    Body ScaledDotProductAttention(int batch, int heads, int seq, int headDim, bool causal);

    /// <summary>
    /// One-layer LSTM over a [seq, batch, input] sequence from zero states, forward and backward: the gradients of the
    /// input and of the four parameters for a fixed upstream gradient of the output sequence.
    /// </summary>
    Body Lstm(int seq, int batch, int input, int hidden);

    /// <summary><paramref name="ops"/> times: a + b on one-element tensors, then dispose the result.</summary>
    Body OverheadAdd(bool requiresGrad, int ops);

    /// <summary>One training step of the 64-256-256-10 ReLU MLP, batch 128, cross-entropy, Adam.</summary>
    Body MlpStep();

    /// <summary>The same step written as in PyTorch: no dispose scope, nothing disposed (the GC reclaims the tensors).</summary>
    Body MlpStepUnscoped();

    /// <summary>
    /// One epoch of a Digits model (batch 64, Adam lr 1e-3, cross-entropy) plus accuracy on both splits: the sample's
    /// default MLP (64-128-64-10, ReLU, dropout 0.1) or, with <paramref name="convolutional"/>, its CNN (the pixels as
    /// 1x8x8, 3x3 convolutions to 16 and 32 channels with padding 1, each followed by ReLU and 2x2 max pooling, flatten,
    /// dropout 0.1, linear to 10).
    /// </summary>
    Body DigitsEpoch(DigitsSet data, bool convolutional);
}

/// <summary>Workloads only a library with static graphs can run (CudaTensor's <c>Compile</c>); the libtorch comparison has none.</summary>
public interface ICompiledWorkloads
{
    /// <summary><see cref="IWorkloadFactory.MlpStep"/> compiled as one function (warm-up and trace happen before timing).</summary>
    Body MlpStepCompiled();
}

/// <summary>The suite: stable workload names, sizes and how each is measured.</summary>
public static class Catalog
{
    /// <summary>Square GEMM sizes.</summary>
    public static readonly int[] GemmSizes = [128, 256, 512, 1024, 2048];

    /// <summary>Elementwise sizes, in floats.</summary>
    public static readonly long[] ElementwiseSizes = [1L << 10, 1L << 16, 1L << 20, 1L << 24];

    /// <summary>Operations per run of the overhead workloads (samples hold at least 100,000).</summary>
    public const int OverheadOpsPerRun = 1000;

    /// <summary>Every workload, built with <paramref name="f"/>.</summary>
    public static List<Workload> Build(IWorkloadFactory f, DigitsSet? digits)
    {
        var list = new List<Workload>();
        foreach (var n in GemmSizes)
            list.Add(new Workload($"gemm/{n}", Metric.Flops, 2.0 * n * n * n, 0, () => f.Gemm(n, n, n, false, false), "fma"));
        // The MLP's shapes: forward x @ W^T (B transposed), input gradient dY @ W, weight gradient dY^T @ X (A transposed).
        foreach (var (m, k, n) in new[] { (128, 64, 256), (128, 256, 256) })
        {
            foreach (var (ta, tb, suffix) in new[] { (false, false, ""), (false, true, "/bt"), (true, false, "/at") })
                list.Add(new Workload($"gemm/{m}x{k}@{k}x{n}{suffix}", Metric.Flops, 2.0 * m * k * n, 0, () => f.Gemm(m, k, n, ta, tb), "fma"));
        }
        foreach (var op in new[] { "add", "mul" })
        {
            foreach (var n in ElementwiseSizes)
                list.Add(new Workload($"{op}/{n}", Metric.Bandwidth, 12.0 * n, n, () => f.Binary(op, n), $"triad/{n}"));
        }
        foreach (var op in new[] { "exp", "gelu" })
        {
            foreach (var n in ElementwiseSizes)
                list.Add(new Workload($"{op}/{n}", Metric.Bandwidth, 8.0 * n, n, () => f.Unary(op, n), $"scale/{n}"));
        }
        foreach (var n in ElementwiseSizes)
            list.Add(new Workload($"sum/{n}", Metric.Bandwidth, 4.0 * n, n, () => f.Sum(n), $"read/{n}"));
        list.Add(new Workload("softmax/1024x1024", Metric.Bandwidth, 8.0 * 1024 * 1024, 1024 * 1024, () => f.Softmax(1024, 1024), $"scale/{1 << 20}"));
        // Forward reads x and writes y, backward reads x and dy and writes dx: 20 B/element at least.
        list.Add(new Workload("layernorm/1024x1024", Metric.Bandwidth, 20.0 * 1024 * 1024, 1024 * 1024, () => f.LayerNorm(1024, 1024), $"scale/{1 << 20}"));
        // Forward reads x (statistics, then normalize) and writes y; backward reads x and dy and writes dx: 20 B/element at least.
        list.Add(new Workload("batchnorm2d/32x64x28x28", Metric.Bandwidth, 20.0 * 32 * 64 * 28 * 28, 32 * 64 * 28 * 28, () => f.BatchNorm2d(32, 64, 28, 28), $"scale/{32 * 64 * 28 * 28}"));
        // ResNet's first stage at batch 32 (25.7 MB of input, beyond the caches), and its evaluation forward: reads x, writes y.
        const long BigBatchNorm = 32L * 64 * 56 * 56;
        list.Add(new Workload("batchnorm2d/32x64x56x56", Metric.Bandwidth, 20.0 * BigBatchNorm, BigBatchNorm, () => f.BatchNorm2d(32, 64, 56, 56), $"scale/{1 << 24}"));
        list.Add(new Workload("batchnorm2d-eval/32x64x56x56", Metric.Bandwidth, 8.0 * BigBatchNorm, BigBatchNorm, () => f.BatchNorm2dEval(32, 64, 56, 56), $"scale/{1 << 24}"));
        // The [N, C] layout of BatchNorm1d after a linear layer, as a [512, 256, 1, 1] batch (computed alike): one value per plane.
        list.Add(new Workload("batchnorm1d/512x256", Metric.Bandwidth, 20.0 * 512 * 256, 512 * 256, () => f.BatchNorm2d(512, 256, 1, 1), $"scale/{1 << 16}"));
        // The forward's 2·N·O·H·W·C·9 flops, three times: the input and weight gradients cost one forward each.
        list.Add(new Workload("conv2d/32x16x28x28-k3-o32", Metric.Flops, 3 * 2.0 * 32 * 32 * 28 * 28 * 16 * 9, 0, () => f.Conv2d(32, 16, 28, 28, 32), "fma"));
        // Forward: two products of 2·B·H·L·S·D flops, half of them under the causal mask; the backward's four products double
        // that again: 3x the forward in all.
        list.Add(new Workload("sdpa/8x8x256x64-causal", Metric.Flops, 3 * 2 * 2.0 * 8 * 8 * 256 * 256 * 64 / 2, 0, () => f.ScaledDotProductAttention(8, 8, 256, 64, causal: true), "fma"));
        list.Add(new Workload("lstm/seq64-b32-h256", Metric.Milliseconds, 0, 0, () => f.Lstm(64, 32, 256, 256))
        {
            Note = "nn.LSTM(256, 256) on [64, 32, 256], forward + backward (gradients of input, weights and biases)",
        });
        list.Add(new Workload("overhead/add", Metric.Microseconds, 0, 0, () => f.OverheadAdd(false, OverheadOpsPerRun)) { MinOpsPerSample = 100_000 });
        list.Add(new Workload("overhead/add-grad", Metric.Microseconds, 0, 0, () => f.OverheadAdd(true, OverheadOpsPerRun)) { MinOpsPerSample = 100_000 });
        list.Add(new Workload("mlp-step", Metric.Milliseconds, 0, 0, f.MlpStep));
        if (f is ICompiledWorkloads compiled)
        {
            list.Add(new Workload("mlp-step-compiled", Metric.Milliseconds, 0, 0, compiled.MlpStepCompiled)
            {
                Note = "mlp-step as one compiled function (Compile.Function): captured once, replayed; compare with mlp-step of the same run",
            });
        }
        list.Add(new Workload("mlp-step-unscoped", Metric.Milliseconds, 0, 0, f.MlpStepUnscoped)
        {
            Note = "mlp-step with no scope and no Dispose, as PyTorch code is written: forgotten tensors are reclaimed by the GC",
        });
        if (digits is not null)
        {
            list.Add(new Workload("digits-epoch", Metric.Milliseconds, 0, 0, () => f.DigitsEpoch(digits, convolutional: false))
            {
                Note = $"{digits.Description}; one shuffled training epoch (forward, backward, Adam) plus accuracy on both splits",
            });
            list.Add(new Workload("digits-cnn-epoch", Metric.Milliseconds, 0, 0, () => f.DigitsEpoch(digits, convolutional: true))
            {
                Note = "the same epoch with the sample's CNN: 1x8x8 -> conv3x3 16, ReLU, maxpool 2 -> conv3x3 32, ReLU, maxpool 2 -> flatten, dropout 0.1 -> linear 10",
            });
        }
        list.Add(new Workload("mlp-peak-memory", Metric.Memory, 0, 0, f.MlpStep)
        {
            Note = "rise of the peak resident set (VmHWM) over the start, during 200 mlp-step iterations after warm-up",
        });
        return list;
    }
}
