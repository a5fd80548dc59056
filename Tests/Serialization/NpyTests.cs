using System.Buffers.Binary;
using System.Text;
using CudaTensor.Serialization;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Serialization;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class NpyTests(Device device)
{
    /// <summary>A .npy file: magic, version, little-endian header length (2 bytes for 1.x, 4 otherwise), header, data.</summary>
    private static byte[] Build(int major, string header, byte[] data, long? declaredLength = null)
    {
        var h = Encoding.Latin1.GetBytes(header);
        int lengthBytes = major == 1 ? 2 : 4;
        var file = new byte[8 + lengthBytes + h.Length + data.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 }.CopyTo(file, 0);
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)(declaredLength ?? h.Length));
        else BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)(declaredLength ?? h.Length));
        h.CopyTo(file, 8 + lengthBytes);
        data.CopyTo(file, 8 + lengthBytes + h.Length);
        return file;
    }

    private static byte[] Save(Tensor t)
    {
        using var ms = new MemoryStream();
        Npy.Save(t, ms);
        return ms.ToArray();
    }

    private Tensor Load(byte[] file)
    {
        using var ms = new MemoryStream(file);
        return Npy.Load(ms, device);
    }

    [Test]
    public void WritesWhatNumpySaveWrites()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device);
        var bytes = Save(t);
        // numpy.save: the dict, 21 - len("2") spaces of room for the first dimension to grow, then spaces and a
        // newline up to the 64-byte boundary: 10 + 118 = 128 bytes before the data.
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 20);
        string header = dict + new string(' ', 118 - dict.Length - 1) + "\n";
        var data = new byte[24];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), i + 1);
        Assert.That(bytes, Is.EqualTo(Build(1, header, data)));
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), Is.EqualTo(118));
    }

    [Test]
    public void HeadersOfOtherShapesAndDTypes()
    {
        using var scalar = Tensor.Scalar(1.5, DType.Float64, device);
        var s = Save(scalar);
        string sHeader = Encoding.ASCII.GetString(s, 10, BinaryPrimitives.ReadUInt16LittleEndian(s.AsSpan(8)));
        Assert.That(sHeader, Does.StartWith("{'descr': '<f8', 'fortran_order': False, 'shape': (), }   "));
        Assert.That(sHeader, Does.EndWith(" \n"));
        Assert.That((10 + sHeader.Length) % 64, Is.EqualTo(0));

        using var vector = Tensor.FromArray(new[] { true, false }, device);
        var v = Save(vector);
        string vHeader = Encoding.ASCII.GetString(v, 10, BinaryPrimitives.ReadUInt16LittleEndian(v.AsSpan(8)));
        Assert.That(vHeader, Does.StartWith("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }" + new string(' ', 20)));
        Assert.That(v[^2..], Is.EqualTo(new byte[] { 1, 0 }));

        using var ints = Tensor.Zeros([1234567, 0, 2], DType.Int64, device);
        var i = Save(ints);
        Assert.That(Encoding.ASCII.GetString(i, 10, 90), Does.StartWith("{'descr': '<i8', 'fortran_order': False, 'shape': (1234567, 0, 2), }" + new string(' ', 14)));
    }

    [Test]
    public void RoundTripsEveryDType()
    {
        using var scope = Tensor.NewScope();
        Tensor[] cases =
        [
            Tensor.Randn([3, 4], device: device),
            Tensor.Randn([2, 1, 3], DType.Float64, device),
            Tensor.FromArray(new[] { int.MinValue, 0, int.MaxValue }, device),
            Tensor.FromArray(new[] { long.MinValue, 5L, long.MaxValue, -1L }, [2, 2], device),
            Tensor.FromArray(new[] { true, false, true }, device),
            Tensor.Scalar(-2.5f, device: device),
            Tensor.Scalar(9L, DType.Int64, device),
            Tensor.Zeros([0], DType.Float64, device),
            Tensor.Zeros([3, 0], DType.Bool, device),
            Tensor.Arange(12, DType.Int32, device).Reshape(3, 4).T,
        ];
        string path = Path.Combine(Path.GetTempPath(), $"cudatensor-{Guid.NewGuid():N}.npy");
        try
        {
            foreach (var t in cases)
            {
                Npy.Save(t, path);
                var back = Npy.Load(path, device);
                Assert.That(back.DType, Is.EqualTo(t.DType));
                TensorAssert.Close(back, TensorAssert.ToDoubles(t), t.Shape.ToArray(), 0, 0);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ReadsVersion2FortranOrderBigEndianAndPython2Headers()
    {
        // 2x3 int32 array [[1, 2, 3], [4, 5, 6]] stored column-major and big-endian, header in version 2.0.
        var data = new byte[24];
        int[] columnMajor = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4 * i), columnMajor[i]);
        using var t = Load(Build(2, "{\"descr\": \">i4\", \"shape\": (2L, 3L), \"fortran_order\": True}\n", data));
        Assert.That(t.DType, Is.EqualTo(DType.Int32));
        Assert.That(t.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(t.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));

        var f8 = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(f8, 0.25);
        using var s = Load(Build(3, "{'descr':'>f8','fortran_order':False,'shape':(),}", f8));
        Assert.That(s.Item<double>(), Is.EqualTo(0.25));
    }

    private static readonly byte[] TwoFloats = new byte[8];

    private static IEnumerable<TestCaseData> Malformed()
    {
        const string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
        TestCaseData Case(string name, byte[] file, string fragment) => new TestCaseData(file, fragment).SetName("MalformedNpy_" + name);
        var badMagic = Build(1, ok, TwoFloats);
        badMagic[1] = (byte)'X';
        yield return Case("BadMagic", badMagic, "magic");
        yield return Case("TooShort", [0x93, (byte)'N', (byte)'U'], "too short");
        var v4 = Build(1, ok, TwoFloats);
        v4[6] = 4;
        yield return Case("Version4", v4, "version 4.0");
        yield return Case("HeaderTooLarge", Build(2, ok, TwoFloats, declaredLength: 1L << 30), "limit");
        yield return Case("HeaderTruncated", Build(1, ok, TwoFloats, declaredLength: 60000), "truncated");
        yield return Case("DataTruncated", Build(1, ok, TwoFloats[..6]), "truncated");
        yield return Case("TrailingData", Build(1, ok, [.. TwoFloats, 0, 0]), "does not describe");
        yield return Case("ShapeMismatch", Build(1, ok.Replace("(2,)", "(3,)", StringComparison.Ordinal), TwoFloats), "needs 12");
        yield return Case("MissingKey", Build(1, "{'descr': '<f4', 'shape': (2,), }\n", TwoFloats), "lacks 'fortran_order'");
        yield return Case("ExtraKey", Build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", TwoFloats), "unexpected key 'x'");
        yield return Case("NotADict", Build(1, "[1, 2]\n", TwoFloats), "expected '{'");
        yield return Case("BadBool", Build(1, ok.Replace("False", "0", StringComparison.Ordinal), TwoFloats), "True or False");
        yield return Case("NegativeSize", Build(1, ok.Replace("(2,)", "(-2,)", StringComparison.Ordinal), TwoFloats), "non-negative integer");
        yield return Case("SizeOverflow", Build(1, ok.Replace("(2,)", "(99999999999999999999,)", StringComparison.Ordinal), TwoFloats), "64 bits");
        yield return Case("ProductOverflow", Build(1, ok.Replace("(2,)", "(4294967296, 4294967296)", StringComparison.Ordinal), TwoFloats), "overflows");
        yield return Case("UnclosedString", Build(1, "{'descr: 1}\n", TwoFloats), "not closed");
        yield return Case("JunkAfterDict", Build(1, ok.TrimEnd('\n') + "x\n", TwoFloats), "after the closing");
        yield return Case("BoolByte", Build(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n", [1, 7]), "must be 0 or 1");
        yield return Case("UnorderedMultiByte", Build(1, ok.Replace("<f4", "|f4", StringComparison.Ordinal), TwoFloats), "no byte order");
        yield return Case("HugeClaim", Build(1, ok.Replace("(2,)", "(1000000000000,)", StringComparison.Ordinal), TwoFloats), "truncated");
    }

    [TestCaseSource(nameof(Malformed))]
    public void MalformedFilesAreRejected(byte[] file, string fragment)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load(file));
        Assert.That(ex!.Message, Does.Contain(fragment));
        Assert.That(ex.Message, Does.StartWith("Npy.Load"));
    }

    [TestCase("<f2")]
    [TestCase("<U3")]
    [TestCase("<c8")]
    [TestCase("|u1")]
    public void UnsupportedDescrs(string descr)
    {
        var file = Build(1, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}\n", TwoFloats);
        var ex = Assert.Throws<NotSupportedException>(() => Load(file));
        Assert.That(ex!.Message, Does.Contain(descr));
    }

    [Test]
    public void StructuredDTypesAreNotSupported()
    {
        var file = Build(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", TwoFloats);
        Assert.Throws<NotSupportedException>(() => Load(file));
    }
}
