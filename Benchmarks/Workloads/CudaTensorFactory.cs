using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.Benchmarks;

/// <summary>The suite's workloads on CudaTensor.</summary>
public sealed class CudaTensorFactory(Device device) : IWorkloadFactory, ICompiledWorkloads
{
    private readonly Generator _generator = new(42);

    private Tensor Randn(params long[] shape) => Tensor.Randn(shape, device: device, generator: _generator);

    /// <inheritdoc/>
    public Body Gemm(int m, int k, int n, bool transA, bool transB)
    {
        var a = transA ? Randn(k, m) : Randn(m, k);
        var b = transB ? Randn(n, k) : Randn(k, n);
        var av = transA ? a.T : a;
        var bv = transB ? b.T : b;
        return new Body(() => Tensor.MatMul(av, bv).Dispose(), () => DisposeAll(a, b, av, bv));
    }

    /// <inheritdoc/>
    public Body Unary(string op, long n)
    {
        var x = Randn(n);
        Func<Tensor, Tensor> f = op switch
        {
            "exp" => t => t.Exp(),
            "gelu" => t => t.Gelu(),
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
        return new Body(() => x.Sum().Dispose(), x.Dispose);
    }

    /// <inheritdoc/>
    public Body Softmax(int rows, int cols)
    {
        var x = Randn(rows, cols);
        return new Body(() => x.Softmax(1).Dispose(), x.Dispose);
    }

    /// <inheritdoc/>
    public Body LayerNorm(int rows, int cols)
    {
        var x = Randn(rows, cols);
        x.RequiresGrad = true;
        var w = Tensor.Ones([cols], device: device, requiresGrad: true);
        var b = Tensor.Zeros([cols], device: device, requiresGrad: true);
        var g = Randn(rows, cols);
        return new Body(() =>
        {
            using var scope = Tensor.NewScope();
            var y = Functional.LayerNorm(x, [cols], w, b);
            Autograd.Grad([y], [x, w, b], [g]);
        }, () => DisposeAll(x, w, b, g));
    }

    /// <inheritdoc/>
    public Body BatchNorm2d(int n, int c, int h, int w)
    {
        var x = Randn(n, c, h, w);
        x.RequiresGrad = true;
        var weight = Tensor.Ones([c], device: device, requiresGrad: true);
        var bias = Tensor.Zeros([c], device: device, requiresGrad: true);
        var mean = Tensor.Zeros([c], device: device);
        var variance = Tensor.Ones([c], device: device);
        var g = Randn(n, c, h, w);
        return new Body(() =>
        {
            using var scope = Tensor.NewScope();
            var y = Functional.BatchNorm(x, mean, variance, weight, bias, training: true);
            Autograd.Grad([y], [x, weight, bias], [g]);
        }, () => DisposeAll(x, weight, bias, mean, variance, g));
    }

    /// <inheritdoc/>
    public Body BatchNorm2dEval(int n, int c, int h, int w)
    {
        var x = Randn(n, c, h, w);
        var weight = Tensor.Ones([c], device: device);
        var bias = Tensor.Zeros([c], device: device);
        var mean = Tensor.Zeros([c], device: device);
        var variance = Tensor.Ones([c], device: device);
        return new Body(() =>
        {
            using var y = Functional.BatchNorm(x, mean, variance, weight, bias, training: false);
        }, () => DisposeAll(x, weight, bias, mean, variance));
    }

    /// <inheritdoc/>
    public Body Conv2d(int n, int c, int h, int w, int outChannels)
    {
        var x = Randn(n, c, h, w);
        x.RequiresGrad = true;
        var k = Randn(outChannels, c, 3, 3);
        k.RequiresGrad = true;
        var g = Randn(n, outChannels, h, w);
        return new Body(() =>
        {
            using var scope = Tensor.NewScope();
            var y = Functional.Conv2d(x, k, padding: 1);
            Autograd.Grad([y], [x, k], [g]);
        }, () => DisposeAll(x, k, g));
    }

    /// <inheritdoc/>
    public Body ScaledDotProductAttention(int batch, int heads, int seq, int headDim, bool causal)
    {
        var q = Randn(batch, heads, seq, headDim);
        var k = Randn(batch, heads, seq, headDim);
        var v = Randn(batch, heads, seq, headDim);
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var g = Randn(batch, heads, seq, headDim);
        return new Body(() =>
        {
            using var scope = Tensor.NewScope();
            var y = Functional.ScaledDotProductAttention(q, k, v, isCausal: causal);
            Autograd.Grad([y], [q, k, v], [g]);
        }, () => DisposeAll(q, k, v, g));
    }

    public Body Lstm(int seq, int batch, int input, int hidden)
    {
        var lstm = new LSTM(input, hidden, device: device, generator: _generator);
        var parameters = lstm.Parameters().ToArray();
        var x = Randn(seq, batch, input);
        x.RequiresGrad = true;
        var g = Randn(seq, batch, hidden);
        return new Body(() =>
        {
            using var scope = Tensor.NewScope();
            var y = lstm.Forward(x);
            Autograd.Grad([y], [x, .. parameters], [g]);
        }, () =>
        {
            DisposeAll(x, g);
            lstm.Dispose();
        });
    }

    /// <inheritdoc/>
    public Body OverheadAdd(bool requiresGrad, int ops)
    {
        var a = Tensor.Ones([1], device: device, requiresGrad: requiresGrad);
        var b = Tensor.Ones([1], device: device);
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
        var model = new Sequential(new Linear(64, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
        var x = Randn(128, 64);
        var y = Tensor.RandInt(0, 10, [128], device: device, generator: _generator);
        var criterion = new CrossEntropyLoss();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        return new Body(() =>
        {
            using var scope = scoped ? Tensor.NewScope() : null;
            optimizer.ZeroGrad();
            var loss = criterion.Forward(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
        }, () =>
        {
            optimizer.Dispose();
            criterion.Dispose();
            foreach (var p in model.Parameters()) p.Dispose();
            DisposeAll(x, y);
        });
    }

    /// <inheritdoc/>
    public Body MlpStepCompiled()
    {
        var model = new Sequential(new Linear(64, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
        var x = Randn(128, 64);
        var y = Tensor.RandInt(0, 10, [128], device: device, generator: _generator);
        var criterion = new CrossEntropyLoss();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var step = Compile.Function((Tensor input, Tensor target) =>
        {
            optimizer.ZeroGrad();
            var loss = criterion.Forward(model.Forward(input), target);
            loss.Backward();
            optimizer.Step();
            return loss;
        });
        // Warm-up and trace outside the timed samples (the suite's own warm-up runs replays).
        step(x, y).Dispose();
        step(x, y).Dispose();
        return new Body(() => step(x, y).Dispose(), () =>
        {
            optimizer.Dispose();
            criterion.Dispose();
            foreach (var p in model.Parameters()) p.Dispose();
            DisposeAll(x, y);
        });
    }

    /// <inheritdoc/>
    public Body DigitsEpoch(DigitsSet data, bool convolutional)
    {
        var model = convolutional
            ? new Sequential(new Unflatten(1, 1, 8, 8), new Conv2d(1, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.1), new Linear(128, 10))
            : new Sequential(new Linear(64, 128), new ReLU(), new Dropout(0.1), new Linear(128, 64), new ReLU(), new Dropout(0.1), new Linear(64, 10));
        var trainX = Tensor.FromArray(data.TrainX, [data.TrainCount, DigitsSet.Features], device);
        var trainY = Tensor.FromArray(data.TrainY, device);
        var testX = Tensor.FromArray(data.TestX, [data.TestCount, DigitsSet.Features], device);
        var testY = Tensor.FromArray(data.TestY, device);
        var criterion = new CrossEntropyLoss();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        int epoch = 0;
        return new Body(() =>
        {
            model.Train();
            var order = data.Order(epoch++);
            for (int start = 0; start < order.Length; start += DigitsSet.BatchSize)
            {
                using var scope = Tensor.NewScope();
                var index = Tensor.FromArray(order[start..Math.Min(order.Length, start + DigitsSet.BatchSize)], device);
                var features = trainX.IndexSelect(0, index);
                var labels = trainY.IndexSelect(0, index);
                optimizer.ZeroGrad();
                var loss = criterion.Forward(model.Forward(features), labels);
                loss.Backward();
                optimizer.Step();
                _ = loss.Item<float>();
            }
            model.Eval();
            using var evalScope = Tensor.NewScope();
            using var noGrad = Autograd.NoGrad();
            foreach (var (x, y) in new[] { (trainX, trainY), (testX, testY) })
                _ = model.Forward(x).ArgMax(1).Eq(y).Sum().Item<long>();
        }, () =>
        {
            optimizer.Dispose();
            criterion.Dispose();
            foreach (var p in model.Parameters()) p.Dispose();
            DisposeAll(trainX, trainY, testX, testY);
        });
    }

    private static void DisposeAll(params Tensor[] tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
