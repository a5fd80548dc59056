using System.Runtime.InteropServices;
using CsCheck;
using CudaTensor.Serialization;
using NUnit.Framework;
using CudaTensor.Core;

namespace CudaTensor.Tests.Serialization;

/// <summary>
/// Property tests (CsCheck): for every dtype and random shapes — 0-d, empty, up to 4 dimensions, contiguous or
/// transposed — save then load gives back the same shape, dtype and bits (NaN payloads, -0, subnormals included),
/// through .npy and safetensors, in memory and through files. CsCheck prints the seed of a failing case.
/// </summary>
public class RoundTripPropertyTests
{
    private static readonly DType[] DTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    /// <summary>A tensor description: dtype, shape, raw 64-bit values (reinterpreted per dtype), whether to transpose.</summary>
    internal sealed record Case(DType DType, long[] Shape, long[] Bits, bool Transposed)
    {
        public override string ToString() => $"{DType} [{string.Join(", ", Shape)}]{(Transposed ? " transposed" : "")}";
    }

    private static readonly Gen<Case> CaseGen =
        from dtype in Gen.OneOf(DTypes)
        from shape in Gen.Long[0, 4].Array[0, 4]
        from bits in Gen.Long.Array[(int)Shapes.NumElements(shape)]
        from transposed in Gen.Bool
        select new Case(dtype, shape, bits, transposed && shape.Length >= 2);

    private static Tensor Build(Case c)
    {
        // A transposed case builds the tensor with its last two sizes swapped and transposes it: a non-contiguous view.
        var shape = (long[])c.Shape.Clone();
        if (c.Transposed) (shape[^1], shape[^2]) = (shape[^2], shape[^1]);
        using var dense = c.DType switch
        {
            DType.Float32 => Tensor.FromArray(c.Bits.Select(v => BitConverter.Int32BitsToSingle((int)v)).ToArray(), shape),
            DType.Float64 => Tensor.FromArray(c.Bits.Select(BitConverter.Int64BitsToDouble).ToArray(), shape),
            DType.Int32 => Tensor.FromArray(c.Bits.Select(v => (int)v).ToArray(), shape),
            DType.Int64 => Tensor.FromArray(c.Bits, shape),
            _ => Tensor.FromArray(c.Bits.Select(v => (v & 1) == 1).ToArray(), shape),
        };
        return c.Transposed ? dense.Transpose(-1, -2) : dense.Contiguous();
    }

    /// <summary>The elements in row-major order as bytes (bitwise, so NaN payloads compare too).</summary>
    private static byte[] Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray(),
        DType.Float64 => MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray(),
        DType.Int32 => MemoryMarshal.AsBytes(t.ToArray<int>().AsSpan()).ToArray(),
        DType.Int64 => MemoryMarshal.AsBytes(t.ToArray<long>().AsSpan()).ToArray(),
        _ => MemoryMarshal.AsBytes(t.ToArray<bool>().AsSpan()).ToArray(),
    };

    private static void AssertSame(Tensor expected, Tensor actual, string what)
    {
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(expected.Shape.ToArray()), what);
        Assert.That(actual.DType, Is.EqualTo(expected.DType), what);
        Assert.That(Bytes(actual), Is.EqualTo(Bytes(expected)), what);
    }

    [Test]
    public void NpyRoundTripsEveryDTypeAndShape()
    {
        CaseGen.Sample(c =>
        {
            using var t = Build(c);
            using var ms = new MemoryStream();
            Npy.Save(t, ms);
            ms.Position = 0;
            using var back = Npy.Load(ms);
            AssertSame(t, back, c.ToString());
        }, iter: 400, threads: 1);
    }

    private static readonly Gen<string> NameGen = Gen.OneOf<string>(
        Gen.OneOf("weight", "layer.0.bias", "é", "名前", "a\"b\\c\n", "😀", " "),
        // Any valid Unicode text: characters outside the surrogate range.
        Gen.Char['\u0001', '\uD7FF'].Array[1, 8].Select(cs => new string(cs)));

    [Test]
    public void SafeTensorsRoundTripsEveryDTypeShapeAndName()
    {
        var gen = Gen.Select(CaseGen.Array[1, 4], NameGen.Array[4], NameGen.Array[0, 3]);
        gen.Sample((cases, names, meta) =>
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var metadata = meta.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => k + "=v");
            try
            {
                for (int i = 0; i < cases.Length; i++)
                {
                    var name = names[i] == "__metadata__" ? "x" : names[i];
                    if (!tensors.ContainsKey(name)) tensors[name] = Build(cases[i]);
                }
                var bytes = SafeTensors.Serialize(tensors, metadata);
                var back = SafeTensors.LoadWithMetadata(new MemoryStream(bytes));
                try
                {
                    Assert.That(back.Tensors.Keys, Is.EquivalentTo(tensors.Keys));
                    Assert.That(back.Metadata, Is.EquivalentTo(metadata));
                    foreach (var (name, t) in tensors) AssertSame(t, back.Tensors[name], $"'{name}': {t.Describe()}");
                    // The writer is deterministic: the loaded tensors serialize to the same bytes.
                    Assert.That(SafeTensors.Serialize(back.Tensors, metadata), Is.EqualTo(bytes));
                }
                finally
                {
                    foreach (var t in back.Tensors.Values) t.Dispose();
                }
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }, iter: 300, threads: 1);
    }

    [Test]
    public void FilesRoundTripThroughTheAtomicWriter()
    {
        var dir = Directory.CreateTempSubdirectory("cudatensor-roundtrip");
        try
        {
            CaseGen.Sample(c =>
            {
                using var t = Build(c);
                var npy = Path.Combine(dir.FullName, "t.npy");
                var st = Path.Combine(dir.FullName, "t.safetensors");
                Npy.Save(t, npy);
                SafeTensors.Save(new Dictionary<string, Tensor> { ["t"] = t }, st);
                using var a = Npy.Load(npy);
                AssertSame(t, a, c.ToString());
                var loaded = SafeTensors.Load(st);
                using var b = loaded["t"];
                AssertSame(t, b, c.ToString());
            }, iter: 40, threads: 1);
            Assert.That(Directory.GetFiles(dir.FullName).Select(Path.GetFileName), Is.EquivalentTo(new[] { "t.npy", "t.safetensors" }));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void SaveRefusesNamesThatUtf8CannotEncode()
    {
        using var t = Tensor.Zeros([1]);
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor> { ["t\uD800"] = t }))!;
        Assert.That(e.Message, Does.Contain("SafeTensors.Save").And.Contain("surrogate"));
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor> { ["t"] = t }, new Dictionary<string, string> { ["k"] = "\uDC00" }));
    }
}
