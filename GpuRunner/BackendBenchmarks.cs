using System.Diagnostics;
using System.Globalization;
using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.GpuRunner;

/// <summary>
/// Benchmarks of the CUDA backend through the public tensor API, the ones the CUDA backend issue asks for:
/// elementwise add/mul/GELU on 2^24 and 2^26 floats as a fraction of the card's device-to-device copy bandwidth (the
/// target is at least 85%), sum and softmax over rows of 1024 and 4096, SGEMM 4096^3 through MatMul, host overhead per
/// op on tiny tensors, and one MLP training step (784-256-10, batch 128, SGD). Timed with CUDA events on the current
/// stream (wall clock for the host-bound ones); medians.
/// </summary>
internal static class BackendBenchmarks
{
    public static int Run(StreamWriter stdout, BenchSizes sizes)
    {
        int Repeats = sizes.Repeats * 2;
        if (!Cuda.IsAvailable)
        {
            stdout.WriteLine("backend benchmarks skipped: " + Cuda.UnavailableReason);
            return 0;
        }
        var cuda = Device.Cuda();
        var rows = new List<(string Name, string Shape, string Value)>();
        CultureInfo c = CultureInfo.InvariantCulture;

        float Time(Action work)
        {
            work();
            Cuda.Synchronize(cuda);
            var times = new float[Repeats];
            using var start = new CudaEvent(cuda, enableTiming: true);
            using var end = new CudaEvent(cuda, enableTiming: true);
            for (int i = 0; i < Repeats; i++)
            {
                start.Record();
                work();
                end.Record();
                end.Synchronize();
                times[i] = start.ElapsedMilliseconds(end);
            }
            Array.Sort(times);
            return times[Repeats / 2];
        }

        foreach (int log2 in sizes.ElementwiseLog2)
        {
            long n = 1L << log2;
            using var a = Tensor.Rand([n], device: cuda);
            using var b = Tensor.Rand([n], device: cuda);
            using var y = Tensor.Empty([n], device: cuda);
            double copyMs = Time(() => y.CopyFrom(a));
            double copyRate = 2.0 * n * 4 / (copyMs * 1e-3) / 1e9; // read + write
            rows.Add(("device-to-device copy (CopyFrom)", $"2^{log2} f32", string.Create(c, $"{copyRate:F0} GB/s")));
            void Elementwise(string name, Func<Tensor> op, int tensorsMoved)
            {
                double ms = Time(() => op().Dispose());
                double rate = (double)tensorsMoved * n * 4 / (ms * 1e-3) / 1e9;
                rows.Add((name, $"2^{log2} f32", string.Create(c, $"{rate:F0} GB/s = {rate / copyRate:P0} of copy")));
            }
            Elementwise("add", () => a + b, 3);
            Elementwise("mul", () => a * b, 3);
            Elementwise("GELU", () => a.Gelu(), 2);
            // The 6-op chain of issue #16: eager (one kernel and one pass per op) against one generated kernel; the
            // rate counts what the fused pass must move (a and b read, the result written).
            var chain = ElementwiseKernel.Create((Tensor p, Tensor q) => ((p * q + 1).Sigmoid() * p - q).Tanh());
            Elementwise("6-op chain, eager", () => ((a * b + 1).Sigmoid() * a - b).Tanh(), 3);
            Elementwise("6-op chain, ElementwiseKernel (fused)", () => chain(a, b), 3);
        }

        foreach (int len in new[] { 1024, 4096 })
        {
            long rowsCount = sizes.RowElements / len;
            using var x = Tensor.Randn([rowsCount, len], device: cuda);
            double sumMs = Time(() => x.Sum(1).Dispose());
            double softMs = Time(() => x.Softmax(1).Dispose());
            rows.Add(("sum over rows", $"{rowsCount}x{len}", string.Create(c, $"{(double)rowsCount * len * 4 / (sumMs * 1e-3) / 1e9:F0} GB/s ({sumMs:F3} ms)")));
            rows.Add(("softmax over rows", $"{rowsCount}x{len}", string.Create(c, $"{2.0 * rowsCount * len * 4 / (softMs * 1e-3) / 1e9:F0} GB/s ({softMs:F3} ms)")));
        }

        {
            int N = sizes.Tf32GemmSize;
            using var a = Tensor.Randn([N, N], device: cuda);
            using var b = Tensor.Randn([N, N], device: cuda);
            double ms = Time(() => a.MatMul(b).Dispose());
            rows.Add(("MatMul f32 (cuBLAS SGEMM)", $"{N}^3", string.Create(c, $"{2.0 * N * N * N / (ms * 1e-3) / 1e9:F0} GFLOP/s ({ms:F3} ms)")));
            Cuda.AllowTf32 = true;
            ms = Time(() => a.MatMul(b).Dispose());
            Cuda.AllowTf32 = false;
            rows.Add(("MatMul f32, Cuda.AllowTf32", $"{N}^3", string.Create(c, $"{2.0 * N * N * N / (ms * 1e-3) / 1e9:F0} GFLOP/s ({ms:F3} ms)")));
        }

        {
            using var a = Tensor.Rand([4], device: cuda);
            using var b = Tensor.Rand([4], device: cuda);
            int Ops = sizes.TinyOps;
            for (int i = 0; i < Ops / 20; i++) (a + b).Dispose();
            Cuda.Synchronize(cuda);
            var wall = Stopwatch.StartNew();
            for (int i = 0; i < Ops; i++) (a + b).Dispose();
            double submit = wall.Elapsed.TotalMicroseconds / Ops;
            Cuda.Synchronize(cuda);
            rows.Add(("host overhead per op (a + b, 4 floats)", "tiny", string.Create(c, $"{submit:F2} us submit, {wall.Elapsed.TotalMicroseconds / Ops:F2} us with sync")));
        }

        {
            const int Batch = 128;
            using var fc1 = new Linear(784, 256, device: cuda);
            using var fc2 = new Linear(256, 10, device: cuda);
            var parameters = fc1.Parameters().Concat(fc2.Parameters()).ToList();
            using var opt = new SGD(parameters, lr: 0.01);
            using var x = Tensor.Randn([Batch, 784], device: cuda);
            using var target = Tensor.RandInt(0, 10, [Batch], device: cuda);
            void Step()
            {
                using var scope = Tensor.NewScope();
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(fc2.Forward(fc1.Forward(x).Relu()), target);
                loss.Backward();
                opt.Step();
            }
            for (int i = 0; i < Math.Min(20, sizes.MlpSteps); i++) Step();
            var before = Cuda.MemoryStats(cuda);
            double ms = Time(Step);
            int Steps = sizes.MlpSteps;
            var wall = Stopwatch.StartNew();
            for (int i = 0; i < Steps; i++) Step();
            Cuda.Synchronize(cuda);
            double wallMs = wall.Elapsed.TotalMilliseconds / Steps;
            var after = Cuda.MemoryStats(cuda);
            rows.Add(("MLP step 784-256-10, SGD", $"batch {Batch}", string.Create(c, $"{ms:F3} ms GPU, {wallMs:F3} ms wall")));
            rows.Add(("memory over those steps", "allocated/reserved", string.Create(c,
                $"{after.AllocatedBytes - before.AllocatedBytes:+#;-#;0} B / {after.ReservedBytes - before.ReservedBytes:+#;-#;0} B, {after.DriverAllocations - before.DriverAllocations} cuMemAlloc")));

            // The same step compiled (captured once, replayed primitive by primitive, elementwise chains fused) and as
            // one CUDA graph (one launch; SGD without momentum reads no host state, so the graph replays it exactly).
            var compiled = Compile.Function((Tensor input, Tensor labels) =>
            {
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(fc2.Forward(fc1.Forward(input).Relu()), labels);
                loss.Backward();
                opt.Step();
                return loss;
            });
            for (int i = 0; i < 3; i++) compiled(x, target).Dispose(); // warm-up, trace, first replay
            double compiledMs = Time(() => compiled(x, target).Dispose());
            rows.Add(("MLP step compiled (Compile.Function)", $"batch {Batch}", string.Create(c, $"{compiledMs:F3} ms GPU ({ms / compiledMs:F2}x eager)")));
            using var graph = new CudaGraph(cuda);
            using (graph.Capture()) Step();
            double graphMs = Time(graph.Replay);
            rows.Add(("MLP step as one CUDA graph (CudaGraph)", $"batch {Batch}", string.Create(c, $"{graphMs:F3} ms GPU ({graphMs / ms:F2} of eager)")));
        }

        {
            // Issue #16's CUDA row: the MLP Adam training step compiled and replayed as one CUDA graph (capturable Adam:
            // the step count on the device) against the eager step and the node-by-node replay; launches per step.
            const int Batch = 128;
            // One model per variant: each compiled step keeps its own parameters' .Grad buffers.
            Sequential Mlp() => new(new Linear(64, 256, device: cuda, generator: new Generator(1)), new ReLU(),
                new Linear(256, 256, device: cuda, generator: new Generator(2)), new ReLU(), new Linear(256, 10, device: cuda, generator: new Generator(3)));
            using var eagerModel = Mlp();
            using var graphModel = Mlp();
            using var nodeModel = Mlp();
            using var eagerOpt = new Adam(eagerModel.Parameters(), lr: 1e-3);
            using var x = Tensor.Randn([Batch, 64], device: cuda);
            using var target = Tensor.RandInt(0, 10, [Batch], device: cuda);
            static Tensor Body(Module model, Optimizer opt, Tensor input, Tensor labels)
            {
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(input), labels);
                loss.Backward();
                opt.Step();
                return loss;
            }
            void Eager()
            {
                using var scope = Tensor.NewScope();
                Body(eagerModel, eagerOpt, x, target);
            }
            for (int i = 0; i < 3; i++) Eager();
            long k0 = Native.Driver.KernelLaunches;
            Eager();
            long eagerKernels = Native.Driver.KernelLaunches - k0;
            double eagerMs = Time(Eager);

            using var graphOpt = new Adam(graphModel.Parameters(), lr: 1e-3, capturable: true);
            var graphStep = Compile.Function((Tensor input, Tensor labels) => Body(graphModel, graphOpt, input, labels));
            using var nodeOpt = new Adam(nodeModel.Parameters(), lr: 1e-3, capturable: true);
            var nodeStep = Compile.Function((Tensor input, Tensor labels) => Body(nodeModel, nodeOpt, input, labels), new CompileOptions { CudaGraphs = false });
            for (int i = 0; i < 4; i++)
            {
                graphStep(x, target).Dispose();
                nodeStep(x, target).Dispose();
            }
            k0 = Native.Driver.KernelLaunches;
            long g0 = Native.Driver.GraphLaunches;
            graphStep(x, target).Dispose();
            long graphKernels = Native.Driver.KernelLaunches - k0, graphLaunches = Native.Driver.GraphLaunches - g0;
            k0 = Native.Driver.KernelLaunches;
            nodeStep(x, target).Dispose();
            long nodeKernels = Native.Driver.KernelLaunches - k0;
            double nodeMs = Time(() => nodeStep(x, target).Dispose());
            double graphMs = Time(() => graphStep(x, target).Dispose());
            rows.Add(("MLP 64-256-256-10 Adam step, eager", $"batch {Batch}", string.Create(c, $"{eagerMs:F3} ms GPU, {eagerKernels} kernel launches")));
            rows.Add(("same, compiled, node by node", $"batch {Batch}", string.Create(c, $"{nodeMs:F3} ms GPU ({nodeMs / eagerMs:F2} of eager), {nodeKernels} kernels")));
            rows.Add(("same, compiled, one CUDA graph", $"batch {Batch}", string.Create(c,
                $"{graphMs:F3} ms GPU ({graphMs / eagerMs:F2} of eager), {graphLaunches} graph + {graphKernels} kernels")));
        }

        var device = Cuda.GetDeviceProperties(0);
        stdout.WriteLine();
        stdout.WriteLine($"CUDA backend benchmarks on {device.Name} (sm_{device.Architecture}); medians of {Repeats}; compare with PyTorch on the same card");
        stdout.WriteLine($"| {"benchmark",-40} | {"shape",-18} | {"result",-44} |");
        stdout.WriteLine($"|{new string('-', 42)}|{new string('-', 20)}|{new string('-', 46)}|");
        foreach (var (name, shape, value) in rows) stdout.WriteLine($"| {name,-40} | {shape,-18} | {value,-44} |");
        return 0;
    }
}
