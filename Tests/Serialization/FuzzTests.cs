using System.Diagnostics;
using System.Globalization;
using System.Text;
using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.Serialization;

/// <summary>
/// Mutates valid .npy and safetensors files thousands of times (bit flips, interesting bytes, truncation, insertions,
/// deletions, header edits with huge or negative numbers, broken escapes) and loads each result. A loader may accept
/// a file (its tensors must then account for every data byte) or reject it with the documented family:
/// <see cref="InvalidDataException"/> for malformed content, <see cref="NotSupportedException"/> for a well-formed
/// dtype CudaTensor does not have. Anything else (IndexOutOfRange, Overflow, OutOfMemory, InvalidOperation, ...) fails
/// the test, printing the seed, the case number and the file. Set CUDATENSOR_FUZZ_SEED to replay a seed.
/// </summary>
public class FuzzTests
{
    private const int Cases = 20000;

    private static int Seed()
    {
        var text = Environment.GetEnvironmentVariable("CUDATENSOR_FUZZ_SEED");
        int seed = text is null ? Environment.TickCount & int.MaxValue : int.Parse(text, CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"fuzz seed {seed} (replay with CUDATENSOR_FUZZ_SEED={seed})");
        return seed;
    }

    private static byte[] NpyOf(Tensor t)
    {
        using var ms = new MemoryStream();
        Npy.Save(t, ms);
        return ms.ToArray();
    }

    private static byte[] NpyWithHeader(string dict, byte[] data, int major = 1)
    {
        var h = Encoding.Latin1.GetBytes(dict);
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)h.Length));
        else ms.Write(BitConverter.GetBytes((uint)h.Length));
        ms.Write(h);
        ms.Write(data);
        return ms.ToArray();
    }

    private static byte[] SafeTensorsWithHeader(string json, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + h.Length + data.Length];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(file, 0);
        h.CopyTo(file, 8);
        data.CopyTo(file, 8 + h.Length);
        return file;
    }

    private static List<byte[]> NpySeeds()
    {
        using var f32 = Tensor.FromArray(new float[] { 1, -2, 3.5f, 4, 5, 6 }, [2, 3]);
        using var f64 = Tensor.FromArray(new double[] { 1e300, -0.0 }, [2]);
        using var i32 = Tensor.FromArray(new[] { 7, 8, 9, 10 }, [2, 1, 2]);
        using var i64 = Tensor.FromArray(new long[] { long.MinValue }, []);
        using var b = Tensor.FromArray(new[] { true, false, true }, [3]);
        using var empty = Tensor.Zeros([0, 4]);
        return
        [
            NpyOf(f32), NpyOf(f64), NpyOf(i32), NpyOf(i64), NpyOf(b), NpyOf(empty),
            NpyWithHeader("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 2), }", [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]),
            NpyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 4611686018427387904, 4611686018427387904), }", [], major: 2),
            NpyWithHeader("{\"descr\": \"|b1\", \"fortran_order\": False, \"shape\": (2L,)}", [1, 0], major: 3),
        ];
    }

    private static List<byte[]> SafeTensorsSeeds()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = Tensor.FromArray(new long[] { 5, 6 }, [2]);
        using var c = Tensor.FromArray(new[] { true }, []);
        using var e = Tensor.Zeros([0, 3], DType.Float64);
        return
        [
            SafeTensors.Serialize(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c }, new Dictionary<string, string> { ["format"] = "pt", ["k\u00e9y"] = "v\"\\\n" }),
            SafeTensors.Serialize(new Dictionary<string, Tensor> { ["weight"] = a, ["empty"] = e }),
            SafeTensorsWithHeader("{\"t\\u00e9\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"x\":\"\\ud83d\\ude00\"}}", [1, 0, 0, 0]),
        ];
    }

    // Text that stresses parsers when spliced into a header.
    private static readonly string[] Splices =
    [
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "4611686018427387904", "-1", "0", "1e9",
        "\\ud800", "\\udc00", "\\u0000", "\\", "\"", "'", ",", "(", ")", "[", "]", "{", "}", ":", "True", "None", "L",
        "<f2", ">f8", "|i4", "BF16", "F16", "XX", "__metadata__", "\u00ff", " ", "\n",
        "[4611686018427387904,4611686018427387904,0]", "(0, 4611686018427387904, 4611686018427387904)",
    ];

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var data = new List<byte>(seed);
        // Mostly one edit (which often leaves a loadable file, so the accepting path is exercised too), sometimes several.
        int edits = rng.Next(3) == 0 ? 2 + rng.Next(3) : 1;
        for (int e = 0; e < edits; e++)
        {
            if (data.Count == 0) data.Add((byte)rng.Next(256));
            int pos = rng.Next(data.Count);
            switch (rng.Next(8))
            {
                case 0: data[pos] ^= (byte)(1 << rng.Next(8)); break;
                case 1: data[pos] = new byte[] { 0, 1, 0x7F, 0x80, 0xFF, (byte)'9', (byte)'-', (byte)'"' }[rng.Next(8)]; break;
                case 2: data.RemoveRange(rng.Next(data.Count), 1); break; // truncation anywhere, even the length field
                case 3: data.RemoveRange(pos, Math.Min(rng.Next(1, 16), data.Count - pos)); break;
                case 4: data.Insert(pos, (byte)rng.Next(256)); break;
                case 5:
                case 6:
                    // Header-aware: splice parser-hostile text where the header is (first ~200 bytes).
                    int at = rng.Next(Math.Min(data.Count, 200));
                    var text = Encoding.UTF8.GetBytes(Splices[rng.Next(Splices.Length)]);
                    int remove = Math.Min(rng.Next(0, 6), data.Count - at);
                    data.RemoveRange(at, remove);
                    data.InsertRange(at, text);
                    break;
                default:
                    int keep = rng.Next(data.Count + 1); // truncated at a random length
                    data.RemoveRange(keep, data.Count - keep);
                    break;
            }
        }
        return [.. data];
    }

    private static void Run(string format, List<byte[]> seeds, Func<byte[], long> load)
    {
        int seed = Seed();
        var rng = new Random(seed);
        var watch = Stopwatch.StartNew();
        int accepted = 0, rejected = 0, unsupported = 0;
        // The seeds themselves load.
        foreach (var s in seeds) Assert.That(load(s), Is.GreaterThanOrEqualTo(0));
        for (int i = 0; i < Cases; i++)
        {
            var file = Mutate(seeds[rng.Next(seeds.Count)], rng);
            try
            {
                long dataBytes = load(file);
                Assert.That(dataBytes, Is.LessThanOrEqualTo(file.Length), $"{format} case {i} of seed {seed}: tensors hold more bytes than the file");
                accepted++;
            }
            catch (InvalidDataException e)
            {
                Assert.That(e.Message, Does.Contain("Load"), $"{format} case {i} of seed {seed}: the message names no loader: {e.Message}");
                rejected++;
            }
            catch (NotSupportedException)
            {
                unsupported++;
            }
#pragma warning disable CA1031 // Every other exception is the failure this test looks for.
            catch (Exception e) when (e is not AssertionException)
#pragma warning restore CA1031
            {
                Assert.Fail($"{format} case {i} of seed {seed} threw {e.GetType().Name}: {e.Message}\nfile: {Convert.ToHexString(file)}\n{e}");
            }
        }
        TestContext.Out.WriteLine($"{format}: {Cases} mutated files in {watch.ElapsedMilliseconds} ms: {accepted} loaded, {rejected} InvalidDataException, {unsupported} NotSupportedException");
        Assert.That(rejected, Is.GreaterThan(Cases / 4), "the mutations should mostly produce malformed files");
    }

    [Test]
    public void MutatedNpyFilesLoadOrThrowInvalidData()
    {
        Run("npy", NpySeeds(), file =>
        {
            using var ms = new MemoryStream(file, writable: false);
            using var t = Npy.Load(ms);
            // An accepted file is re-readable: its tensor survives a save and a load byte for byte.
            var saved = NpyOf(t);
            using var again = Npy.Load(new MemoryStream(saved));
            Assert.That(NpyOf(again), Is.EqualTo(saved));
            return t.NumElements * t.DType.ElementSize();
        });
    }

    [Test]
    public void MutatedSafeTensorsFilesLoadOrThrowInvalidData()
    {
        Run("safetensors", SafeTensorsSeeds(), file =>
        {
            var content = SafeTensors.LoadWithMetadata(new MemoryStream(file, writable: false));
            try
            {
                return content.Tensors.Values.Sum(t => t.NumElements * t.DType.ElementSize());
            }
            finally
            {
                foreach (var t in content.Tensors.Values) t.Dispose();
            }
        });
    }

    [Test]
    public void LoneSurrogateEscapesAreInvalidDataNamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("cudatensor-fuzz");
        try
        {
            foreach (var json in new[]
            {
                "{\"t\\ud800\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                "{\"__metadata__\":{\"k\":\"\\udc00x\"},\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                "{\"__metadata__\":{\"\\ud800\":\"v\"},\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                "{\"t\":{\"dtype\":\"F3\\ud8002\",\"shape\":[],\"data_offsets\":[0,4]}}",
            })
            {
                var path = Path.Combine(dir.FullName, "bad.safetensors");
                File.WriteAllBytes(path, SafeTensorsWithHeader(json, new byte[4]));
                var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!;
                Assert.That(e.Message, Does.Contain("SafeTensors.Load(").And.Contain("bad.safetensors").And.Contain("surrogate").And.Contain("offset"));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void HugeShapesLoadTheSameInCAndFortranOrder()
    {
        foreach (var order in new[] { "False", "True" })
        {
            // numpy: a size of 0 makes the array empty whatever the other sizes.
            var empty = NpyWithHeader($"{{'descr': '<f4', 'fortran_order': {order}, 'shape': (0, 4611686018427387904, 4611686018427387904), }}", []);
            using var t = Npy.Load(new MemoryStream(empty));
            Assert.That(t.Shape.ToArray(), Is.EqualTo(new[] { 0L, 1L << 62, 1L << 62 }), order);
            Assert.That(t.NumElements, Is.Zero);
            // Without the 0 the size is impossible: the file's message names the shape, in both orders.
            var huge = NpyWithHeader($"{{'descr': '<f4', 'fortran_order': {order}, 'shape': (2, 4611686018427387904, 4611686018427387904), }}", []);
            var e = Assert.Throws<InvalidDataException>(() => Npy.Load(new MemoryStream(huge)))!;
            Assert.That(e.Message, Does.Contain("Npy.Load").And.Contain("[2, 4611686018427387904, 4611686018427387904]"), order);
        }
    }
}
