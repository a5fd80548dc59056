using CudaTensor.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;

namespace LibTorchCompare;

/// <summary>The suite's workloads on libtorch (TorchSharp), written as a PyTorch user would.</summary>
public sealed class TorchFactory : IWorkloadFactory, IDisposable
{
    private readonly Generator _generator = new(42);

    /// <inheritdoc/>
    public void Dispose() => _generator.Dispose();

    private Tensor Randn(params long[] shape) => randn(shape, generator: _generator);

    /// <inheritdoc/>
    public Body Gemm(int m, int k, int n, bool transA, bool transB)
    {
        var a = transA ? Randn(k, m) : Randn(m, k);
        var b = transB ? Randn(n, k) : Randn(k, n);
        var av = transA ? a.t() : a;
        var bv = transB ? b.t() : b;
        return new Body(() => matmul(av, bv).Dispose(), () => DisposeAll(a, b, av, bv));
    }

    /// <inheritdoc/>
    public Body Unary(string op, long n)
    {
        var x = Randn(n);
        Func<Tensor, Tensor> f = op switch
        {
            "exp" => t => t.exp(),
            "gelu" => t => nn.functional.gelu(t),
            _ => throw new ArgumentException($"Unknown unary op '{op}'."),
        };
        return new Body(() => f(x).Dispose(), x.Dispose);
    }

    /// <inheritdoc/>
    public Body Binary(string op, long n)
    {
        var a = Randn(n);
        var b = Randn(n);
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "add" => (x, y) => x + y,
            "mul" => (x, y) => x * y,
            _ => throw new ArgumentException($"Unknown binary op '{op}'."),
        };
        return new Body(() => f(a, b).Dispose(), () => DisposeAll(a, b));
    }

    /// <inheritdoc/>
    public Body Sum(long n)
    {
        var x = Randn(n);
        return new Body(() => x.sum().Dispose(), x.Dispose);
    }

    /// <inheritdoc/>
    public Body Softmax(int rows, int cols)
    {
        var x = Randn(rows, cols);
        return new Body(() => x.softmax(1).Dispose(), x.Dispose);
    }

    /// <inheritdoc/>
    public Body LayerNorm(int rows, int cols)
    {
        var x = Randn(rows, cols).requires_grad_();
        var w = ones(cols).requires_grad_();
        var b = zeros(cols).requires_grad_();
        var g = Randn(rows, cols);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.layer_norm(x, new long[] { cols }, w, b);
            torch.autograd.grad(new[] { y }, new[] { x, w, b }, new[] { g });
        }, () => DisposeAll(x, w, b, g));
    }

    /// <inheritdoc/>
    public Body BatchNorm2d(int n, int c, int h, int w)
    {
        var x = Randn(n, c, h, w).requires_grad_();
        var weight = ones(c).requires_grad_();
        var bias = zeros(c).requires_grad_();
        var mean = zeros(c);
        var variance = ones(c);
        var g = Randn(n, c, h, w);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.batch_norm(x, mean, variance, weight, bias, training: true);
            torch.autograd.grad(new[] { y }, new[] { x, weight, bias }, new[] { g });
        }, () => DisposeAll(x, weight, bias, mean, variance, g));
    }

    /// <inheritdoc/>
    public Body BatchNorm2dEval(int n, int c, int h, int w)
    {
        var x = Randn(n, c, h, w);
        var weight = ones(c);
        var bias = zeros(c);
        var mean = zeros(c);
        var variance = ones(c);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            nn.functional.batch_norm(x, mean, variance, weight, bias, training: false);
        }, () => DisposeAll(x, weight, bias, mean, variance));
    }

    /// <inheritdoc/>
    public Body Conv2d(int n, int c, int h, int w, int outChannels)
    {
        var x = Randn(n, c, h, w).requires_grad_();
        var k = Randn(outChannels, c, 3, 3).requires_grad_();
        var g = Randn(n, outChannels, h, w);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.conv2d(x, k, padding: new long[] { 1, 1 });
            torch.autograd.grad(new[] { y }, new[] { x, k }, new[] { g });
        }, () => DisposeAll(x, k, g));
    }

    /// <inheritdoc/>
    public Body ScaledDotProductAttention(int batch, int heads, int seq, int headDim, bool causal)
    {
        var q = Randn(batch, heads, seq, headDim).requires_grad_();
        var k = Randn(batch, heads, seq, headDim).requires_grad_();
        var v = Randn(batch, heads, seq, headDim).requires_grad_();
        var g = Randn(batch, heads, seq, headDim);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, causal);
            torch.autograd.grad(new[] { y }, new[] { q, k, v }, new[] { g });
        }, () => DisposeAll(q, k, v, g));
    }

    public Body Lstm(int seq, int batch, int input, int hidden)
    {
        var lstm = nn.LSTM(input, hidden);
        var parameters = lstm.parameters().ToArray();
        var x = Randn(seq, batch, input).requires_grad_();
        var g = Randn(seq, batch, hidden);
        return new Body(() =>
        {
            using var scope = NewDisposeScope();
            var (y, _, _) = lstm.forward(x);
            torch.autograd.grad(new[] { y }, new[] { x }.Concat(parameters).ToArray(), new[] { g });
        }, () =>
        {
            DisposeAll(x, g);
            lstm.Dispose();
        });
    }

    /// <inheritdoc/>
    public Body OverheadAdd(bool requiresGrad, int ops)
    {
        var a = ones(1, requires_grad: requiresGrad);
        var b = ones(1);
        return new Body(() =>
        {
            for (int i = 0; i < ops; i++)
            {
                var c = a + b;
                c.Dispose();
            }
        }, () => DisposeAll(a, b), ops);
    }

    /// <inheritdoc/>
    public Body MlpStep() => MlpStep(scoped: true);

    /// <inheritdoc/>
    public Body MlpStepUnscoped() => MlpStep(scoped: false);

    private Body MlpStep(bool scoped)
    {
        var model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10));
        var x = Randn(128, 64);
        var y = randint(0, 10, new long[] { 128 }, generator: _generator);
        var criterion = nn.CrossEntropyLoss();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        return new Body(() =>
        {
            using var scope = scoped ? NewDisposeScope() : null;
            optimizer.zero_grad();
            var loss = criterion.forward(model.forward(x), y);
            loss.backward();
            optimizer.step();
        }, () =>
        {
            optimizer.Dispose();
            criterion.Dispose();
            model.Dispose();
            DisposeAll(x, y);
        });
    }

    /// <inheritdoc/>
    public Body DigitsEpoch(DigitsSet data, bool convolutional)
    {
        var model = convolutional
            ? nn.Sequential(nn.Unflatten(1, [1, 8, 8]), nn.Conv2d(1, 16, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.1), nn.Linear(128, 10))
            : nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10));
        var trainX = tensor(data.TrainX, [data.TrainCount, DigitsSet.Features]);
        var trainY = tensor(data.TrainY);
        var testX = tensor(data.TestX, [data.TestCount, DigitsSet.Features]);
        var testY = tensor(data.TestY);
        var criterion = nn.CrossEntropyLoss();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        int epoch = 0;
        return new Body(() =>
        {
            model.train();
            var order = data.Order(epoch++);
            for (int start = 0; start < order.Length; start += DigitsSet.BatchSize)
            {
                using var scope = NewDisposeScope();
                var index = tensor(order[start..Math.Min(order.Length, start + DigitsSet.BatchSize)]);
                var features = trainX.index_select(0, index);
                var labels = trainY.index_select(0, index);
                optimizer.zero_grad();
                var loss = criterion.forward(model.forward(features), labels);
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }
            model.eval();
            using var evalScope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (x, y) in new[] { (trainX, trainY), (testX, testY) })
                _ = model.forward(x).argmax(1).eq(y).sum().item<long>();
        }, () =>
        {
            optimizer.Dispose();
            criterion.Dispose();
            model.Dispose();
            DisposeAll(trainX, trainY, testX, testY);
        });
    }

    private static void DisposeAll(params Tensor[] tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
