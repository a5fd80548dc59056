using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.VirtualDevice.Ptx;
using NUnit.Framework;
using static CudaTensor.Tests.VirtualDevice.PtxRun;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Kernels of Kernels/ as the CUDA backend compiles them for a virtual device, run by the PTX engine on inputs with
/// ragged sizes (partial blocks and warps) and checked against plain C# references.
/// </summary>
[TestFixture]
public class PtxCorpusKernelTests
{
    private static readonly Dictionary<(string, DType), PtxModule> Modules = [];

    [SetUp]
    public void RequireNvrtc() => NativeRequirement.Library(NativeLibraryKind.Nvrtc);

    private static PtxModule Program(string program, DType dtype)
    {
        lock (Modules)
        {
            if (!Modules.TryGetValue((program, dtype), out PtxModule? module))
            {
                module = PtxModule.Parse(PtxCompile.Corpus(program, dtype));
                Modules[(program, dtype)] = module;
            }
            return module;
        }
    }

    private static PtxKernel Corpus(string program, DType dtype, string kernel) => Kernel(Program(program, dtype), kernel);

    private static double[] Data(int n, int seed) => Enumerable.Range(0, n).Select(i => Math.Sin(i * 0.37 + seed) * 3 + (i % 7) * 0.01).ToArray();

    [Test]
    public void RowSumsInDoubleAndFloat()
    {
        const int rows = 37, len = 1000;
        double[] x = Data(rows * len, 1);
        using var mem = new TestGlobalMemory();
        ulong dx = mem.Upload(x), dout = mem.Allocate(rows * 8);
        Launch(Corpus("reduce.cu", DType.Float64, "ct_reduce_Sum_rows"), mem, D(rows), D(256), dout, dx, (long)rows, (long)len);
        double[] got = mem.Download<double>(dout, rows);
        float[] xf = x.Select(v => (float)v).ToArray();
        ulong dxf = mem.Upload(xf), doutf = mem.Allocate(rows * 4);
        Launch(Corpus("reduce.cu", DType.Float32, "ct_reduce_Sum_rows"), mem, D(rows), D(256), doutf, dxf, (long)rows, (long)len);
        float[] gotf = mem.Download<float>(doutf, rows);
        Assert.Multiple(() =>
        {
            for (int r = 0; r < rows; r++)
            {
                double want = x.Skip(r * len).Take(len).Sum();
                Assert.That(got[r], Is.EqualTo(want).Within(1e-12 * len), $"row {r}");
                Assert.That(gotf[r], Is.EqualTo(xf.Skip(r * len).Take(len).Sum(v => (double)v)).Within(1e-4), $"row {r} (f32)");
            }
        });
    }

    [Test]
    public void SoftmaxAndLogSoftmaxRows()
    {
        const int rows = 9, len = 300;
        double[] x = Data(rows * len, 2);
        using var mem = new TestGlobalMemory();
        ulong dx = mem.Upload(x), dy = mem.Allocate(rows * len * 8), dl = mem.Allocate(rows * len * 8);
        Launch(Corpus("softmax.cu", DType.Float64, "ct_softmax_rows"), mem, D(rows), D(256), dy, dx, (long)rows, (long)len);
        Launch(Corpus("softmax.cu", DType.Float64, "ct_log_softmax_rows"), mem, D(rows), D(256), dl, dx, (long)rows, (long)len);
        double[] y = mem.Download<double>(dy, rows * len), l = mem.Download<double>(dl, rows * len);
        Assert.Multiple(() =>
        {
            for (int r = 0; r < rows; r++)
            {
                double[] row = x.Skip(r * len).Take(len).ToArray();
                double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
                for (int j = 0; j < len; j++)
                {
                    Assert.That(y[r * len + j], Is.EqualTo(Math.Exp(row[j] - max) / sum).Within(1e-15), $"softmax [{r},{j}]");
                    Assert.That(l[r * len + j], Is.EqualTo(row[j] - max - Math.Log(sum)).Within(1e-13), $"log_softmax [{r},{j}]");
                }
            }
        });
    }

    [Test]
    public void CumulativeSumAndArgmaxRows()
    {
        const int rows = 5, len = 777;
        int[] xi = Enumerable.Range(0, rows * len).Select(i => (i * 7919) % 201 - 100).ToArray();
        using var mem = new TestGlobalMemory();
        ulong dx = mem.Upload(xi), dc = mem.Allocate(rows * len * 4);
        Launch(Corpus("reduce.cu", DType.Int32, "ct_cumsum_rows"), mem, D(rows), D(256), dc, dx, (long)rows, (long)len);
        int[] c = mem.Download<int>(dc, rows * len);
        ulong dv = mem.Allocate(rows * 4), di = mem.Allocate(rows * 8);
        Launch(Corpus("reduce.cu", DType.Int32, "ct_argmax_rows"), mem, D(rows), D(256), dv, di, dx, (long)rows, (long)len);
        int[] v = mem.Download<int>(dv, rows);
        long[] idx = mem.Download<long>(di, rows);
        Assert.Multiple(() =>
        {
            for (int r = 0; r < rows; r++)
            {
                int acc = 0;
                var want = new int[len];
                for (int j = 0; j < len; j++) want[j] = acc += xi[r * len + j];
                Assert.That(c.Skip(r * len).Take(len).ToArray(), Is.EqualTo(want), $"cumsum row {r}");
                int[] row = xi.Skip(r * len).Take(len).ToArray();
                Assert.That(v[r], Is.EqualTo(row.Max()), $"argmax value row {r}");
                Assert.That(idx[r], Is.EqualTo((long)Array.IndexOf(row, row.Max())), $"argmax index row {r} (first maximum)");
            }
        });
    }

    [Test]
    public void UnaryMathInDoubleAndFloat()
    {
        const int n = 1000;
        double[] x = Enumerable.Range(0, n).Select(i => (i - 500) * 0.731).Append(1e10).Append(-3e7).ToArray();
        using var mem = new TestGlobalMemory();
        ulong dx = mem.Upload(x), ds = mem.Allocate(x.Length * 8), de = mem.Allocate(x.Length * 8);
        var layout = new byte[328];
        PtxModule module = Program("elementwise.cu", DType.Float64);
        ulong[] globals = Globals(module, mem);
        Launch(Kernel(module, "ct_unary_Sin_c32"), mem, D(4), D(256), 0, globals, ds, dx, (ulong)x.Length, 0.0, 0.0, layout);
        Launch(Kernel(module, "ct_unary_Tanh_c64"), mem, D(3), D(128), 0, globals, de, dx, (ulong)x.Length, 0.0, 0.0, layout);
        double[] s = mem.Download<double>(ds, x.Length), t = mem.Download<double>(de, x.Length);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                Assert.That(s[i], Is.EqualTo(Math.Sin(x[i])).Within(4e-16 + Math.Abs(Math.Sin(x[i])) * 4.5e-16), $"sin({x[i]})");
                Assert.That(t[i], Is.EqualTo(Math.Tanh(x[i])).Within(Math.Abs(Math.Tanh(x[i])) * 5e-16 + 1e-300), $"tanh({x[i]})");
            }
        });
    }

    [Test]
    public void StridedBinaryAddOfATransposedView()
    {
        const int rows = 33, cols = 45;
        long[] a = Enumerable.Range(0, rows * cols).Select(i => (long)i * 1_000_000_007L).ToArray();
        long[] b = Enumerable.Range(0, rows * cols).Select(i => (long)(i % 13) - 6).ToArray();
        using var mem = new TestGlobalMemory();
        ulong da = mem.Upload(a), db = mem.Upload(b), dout = mem.Allocate(rows * cols * 8);
        // ct_layout: rank, pad, size[8], stride[4][8] in elements; out contiguous [cols, rows], a read transposed, b contiguous.
        var layout = new long[1 + 8 + 32];
        layout[0] = 2;
        layout[1] = cols;
        layout[2] = rows;
        layout[9 + 0] = rows; layout[9 + 1] = 1;
        layout[17 + 0] = 1; layout[17 + 1] = cols;
        layout[25 + 0] = rows; layout[25 + 1] = 1;
        byte[] bytes = layout.SelectMany(BitConverter.GetBytes).ToArray();
        Launch(Corpus("elementwise.cu", DType.Int64, "ct_binary_Add_s64"), mem, D(3), D(256), dout, da, db, (ulong)(rows * cols), bytes);
        long[] got = mem.Download<long>(dout, rows * cols);
        var want = new long[rows * cols];
        for (int i = 0; i < cols; i++)
        for (int j = 0; j < rows; j++)
            want[i * rows + j] = a[j * cols + i] + b[i * rows + j];
        Assert.That(got, Is.EqualTo(want));
    }
}
