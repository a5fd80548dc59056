using System.Buffers.Binary;
using System.Text;
using CudaTensor.Serialization;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Serialization;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class SafeTensorsTests(Device device)
{
    /// <summary>A file per the format: 8-byte little-endian header length, the header, the data.</summary>
    internal static byte[] Build(string header, byte[] data, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)h.Length);
        h.CopyTo(file, 8);
        data.CopyTo(file, 8 + h.Length);
        return file;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static string Pad(string json) => json + new string(' ', (8 - Encoding.UTF8.GetByteCount(json) % 8) % 8);

    [Test]
    public void WritesTheReferenceBytesForOneTensor()
    {
        // {"attn.0": float32 [1, 2, 3] = 0..5}: the JSON is 64 bytes, already a multiple of 8, so no padding.
        const string json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        var expected = Build(json, Floats(0, 1, 2, 3, 4, 5));
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(expected), Is.EqualTo(64));
        using var t = Tensor.Arange(6, DType.Float32, device).Reshape(1, 2, 3);
        var actual = SafeTensors.Serialize(new Dictionary<string, Tensor> { ["attn.0"] = t });
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void WritesTensorsByDTypeAlignmentThenNameWithSortedMetadataAndPadding()
    {
        using var b = Tensor.FromArray(new long[] { 1, -2 }, device);
        using var a = Tensor.FromArray(new[] { true, false, true }, device);
        using var z = Tensor.Scalar(2.5f, device: device);
        using var c = Tensor.FromArray(new float[] { -1 }, device);
        using var d = Tensor.FromArray(new double[] { 0.5 }, device);
        using var e = Tensor.FromArray(new int[] { 7, 8 }, device);
        using var empty = Tensor.Zeros([0, 3], DType.Float32, device);
        var tensors = new Dictionary<string, Tensor> { ["z"] = z, ["a"] = a, ["c"] = c, ["b"] = b, ["e"] = e, ["d"] = d, ["empty"] = empty };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["author"] = "ünï \"q\"\n" };

        // Order: I64 b, F64 d, F32 c, empty, z (by name), I32 e, BOOL a.
        string json = "{\"__metadata__\":{\"author\":\"ünï \\\"q\\\"\\n\",\"format\":\"pt\"}," +
            "\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}," +
            "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[16,24]}," +
            "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}," +
            "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[28,28]}," +
            "\"z\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[28,32]}," +
            "\"e\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[32,40]}," +
            "\"a\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[40,43]}}";
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1L));
        data.AddRange(BitConverter.GetBytes(-2L));
        data.AddRange(BitConverter.GetBytes(0.5));
        data.AddRange(BitConverter.GetBytes(-1f));
        data.AddRange(BitConverter.GetBytes(2.5f));
        data.AddRange(BitConverter.GetBytes(7));
        data.AddRange(BitConverter.GetBytes(8));
        data.AddRange(new byte[] { 1, 0, 1 });
        var expected = Build(Pad(json), [.. data]);
        Assert.That((expected.Length - data.Count) % 8, Is.EqualTo(0), "the data starts 8-byte aligned");
        Assert.That(SafeTensors.Serialize(tensors, metadata), Is.EqualTo(expected));
    }

    [Test]
    public void EmptyFileIsBracesAndPadding()
    {
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>());
        Assert.That(bytes, Is.EqualTo(Build("{}      ", [])));
        Assert.That(SafeTensors.Deserialize(bytes), Is.Empty);
        var withMeta = SafeTensors.Serialize(new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.That(withMeta, Is.EqualTo(Build("{\"__metadata__\":{\"framework\":\"pt\"}}     ", [])));
    }

    [Test]
    public void RoundTripsEveryDTypeShapeAndMetadata()
    {
        using var scope = Tensor.NewScope();
        var source = new Dictionary<string, Tensor>
        {
            ["f32"] = Tensor.Randn([3, 4], device: device),
            ["f64"] = Tensor.Randn([2, 1, 3], DType.Float64, device),
            ["i32"] = Tensor.FromArray(new[] { int.MinValue, -1, 0, int.MaxValue }, device),
            ["i64"] = Tensor.FromArray(new[] { long.MinValue, 42L, long.MaxValue }, [3, 1], device),
            ["bool"] = Tensor.FromArray(new[] { true, false, false, true }, [2, 2], device),
            ["scalar_f32"] = Tensor.Scalar(3.25f, device: device),
            ["scalar_i64"] = Tensor.Scalar(-7L, DType.Int64, device),
            ["scalar_bool"] = Tensor.Scalar(true, device: device),
            ["empty_f64"] = Tensor.Zeros([0], DType.Float64, device),
            ["empty_i32"] = Tensor.Zeros([2, 0, 5], DType.Int32, device),
            ["empty_bool"] = Tensor.Zeros([0, 1], DType.Bool, device),
            ["transposed"] = Tensor.Arange(6, DType.Float32, device).Reshape(2, 3).T,
            ["layers.0.weight"] = Tensor.Ones([2, 2], device: device),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "tab\there" };
        string path = Path.Combine(Path.GetTempPath(), $"cudatensor-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(source, path, metadata);
            var loaded = SafeTensors.LoadWithMetadata(path, device);
            Assert.That(loaded.Metadata, Is.EquivalentTo(metadata));
            Assert.That(loaded.Tensors.Keys, Is.EquivalentTo(source.Keys));
            foreach (var (name, expected) in source)
            {
                var actual = loaded.Tensors[name];
                Assert.That(actual.DType, Is.EqualTo(expected.DType), name);
                Assert.That(actual.Device, Is.EqualTo(device), name);
                TensorAssert.Close(actual, TensorAssert.ToDoubles(expected), expected.Shape.ToArray(), 0, 0);
            }
            var header = SafeTensors.ReadHeader(path);
            Assert.That(header.Entries[0].Name, Is.EqualTo("i64"));
            Assert.That(header.Entries.Single(e => e.Name == "transposed").Shape, Is.EqualTo(new long[] { 3, 2 }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ReadsFromNonSeekableStreamsAndAnyOffsetOrder()
    {
        // Entries listed out of offset order are fine (the reference reader sorts them); so is padding.
        var data = Floats(1, 2).Concat(new byte[] { 1 }).ToArray();
        var file = Build("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[8,9]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ", data);
        using var stream = new NonSeekableStream(file);
        var loaded = SafeTensors.Load(stream, device);
        Assert.That(loaded.Keys.ToArray(), Is.EqualTo(new[] { "w", "m" }));
        TensorAssert.Close(loaded["w"], [1, 2], [2], 0, 0);
        Assert.That(loaded["m"].ToArray<bool>(), Is.EqualTo(new[] { true }));
        foreach (var t in loaded.Values) t.Dispose();
    }

    private const string OneF32 = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private static IEnumerable<TestCaseData> Malformed()
    {
        var eight = Floats(1, 2);
        TestCaseData Case(string name, byte[] file, string fragment) => new TestCaseData(file, fragment).SetName("Malformed_" + name);
        yield return Case("TooShort", [1, 2, 3], "too short");
        yield return Case("HeaderTooLarge", Build(OneF32, eight, declaredLength: 1UL << 40), "limit");
        yield return Case("HeaderLengthHuge", Build(OneF32, eight, declaredLength: ulong.MaxValue), "limit");
        yield return Case("HeaderTruncated", Build(OneF32, eight, declaredLength: 1000), "truncated");
        yield return Case("DataTruncated", Build(OneF32, eight[..5]), "past the end");
        yield return Case("TrailingBytes", Build(OneF32, [.. eight, 0, 0, 0, 0]), "cover");
        yield return Case("NotJson", Build("{\"x\":", eight), "not valid JSON");
        yield return Case("NotAnObject", Build("[1, 2]  ", eight), "does not start with '{'");
        yield return Case("EmptyHeader", Build("", eight), "does not start with '{'");
        yield return Case("TrailingJunk", Build(OneF32 + "xx", eight), "JSON");
        yield return Case("OffsetsOutOfRange", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", eight), "gap");
        yield return Case("OffsetsBeyondFile", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight), "past the end");
        yield return Case("EndBeforeBegin", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", eight), "before its start");
        yield return Case("Overlapping", Build(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "overlapping");
        yield return Case("Gap", Build(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[5,6]}}", [.. eight[..6]]), "gap");
        yield return Case("ShapeSizeMismatch", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "needs 12 bytes");
        yield return Case("DTypeSizeMismatch", Build("{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "needs 16 bytes");
        yield return Case("UnknownDType", Build("{\"x\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "unknown dtype 'Q7'");
        yield return Case("ShapeOverflow", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", eight), "overflows");
        yield return Case("NegativeSize", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "non-negative");
        yield return Case("FractionalSize", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", eight), "non-negative");
        yield return Case("ThreeOffsets", Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", eight), "[begin, end]");
        yield return Case("MissingShape", Build("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", eight), "lacks 'shape'");
        yield return Case("DTypeNotString", Build("{\"x\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "should be a string");
        yield return Case("DuplicateName", Build(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "twice");
        yield return Case("MetadataNotStrings", Build("{\"__metadata__\":{\"epoch\":3}," + OneF32[1..], eight), "must be a string");
        yield return Case("BoolByteNotZeroOrOne", Build("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", [0, 2]), "must be 0 or 1");
        var badUtf8 = Build("{\"x?\":{}}", eight);
        badUtf8[8 + 3] = 0xFF; // not a UTF-8 byte
        yield return Case("InvalidUtf8", badUtf8, "not valid UTF-8");
        yield return Case("HugeClaimSmallFile", Build("{\"x\":{\"dtype\":\"F64\",\"shape\":[1000000000000],\"data_offsets\":[0,8000000000000]}}", eight), "past the end");
    }

    [TestCaseSource(nameof(Malformed))]
    public void MalformedFilesAreRejected(byte[] file, string fragment)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Deserialize(file, device));
        Assert.That(ex!.Message, Does.Contain(fragment));
        Assert.That(ex.Message, Does.StartWith("SafeTensors."));
    }

    [Test]
    public void SupportedByTheFormatButNotByCudaTensor()
    {
        var file = Build("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", [0, 60, 0, 60]);
        var ex = Assert.Throws<NotSupportedException>(() => SafeTensors.Deserialize(file));
        Assert.That(ex!.Message, Does.Contain("F16").And.Contain("F32, F64, I32, I64 and BOOL"));
    }

    [Test]
    public void TruncatedFileOnDiskIsRejected()
    {
        using var t = Tensor.Ones([16], device: device);
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor> { ["t"] = t });
        string path = Path.Combine(Path.GetTempPath(), $"cudatensor-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, bytes[..^3]);
            var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
            Assert.That(ex!.Message, Does.Contain(path).And.Contain("past the end"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void InvalidNamesAreRejectedOnSave()
    {
        using var t = Tensor.Ones([1], device: device);
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor> { ["__metadata__"] = t }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor> { [""] = t }));
    }
}

/// <summary>A read-only stream that cannot seek or report its length, like a network stream.</summary>
internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
