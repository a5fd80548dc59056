using System.Buffers.Binary;
using System.Text;

namespace CudaTensor.Serialization;

/// <summary>The tensors and the <c>__metadata__</c> strings of a safetensors file.</summary>
/// <param name="Tensors">The tensors by name, in the order of their data in the file.</param>
/// <param name="Metadata">The free-form string map (empty when the file has none).</param>
public sealed record SafeTensorsContent(Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON mapping each tensor name to its <c>dtype</c>, <c>shape</c> and
/// <c>data_offsets</c> (plus an optional <c>__metadata__</c> string map), then the tensors' bytes, row-major and
/// little-endian, back to back.
/// </summary>
/// <remarks>
/// Files are written exactly as the reference implementation (the <c>safetensors</c> package that PyTorch uses)
/// writes them, byte for byte: tensors ordered by dtype alignment (largest first) then by name, the JSON compact
/// with <c>__metadata__</c> first (its keys sorted), and the header padded with spaces to a multiple of 8 bytes.
/// Supported dtypes: F32, F64, I32, I64 and BOOL. Reading validates the whole header before allocating anything:
/// the header is at most 100,000,000 bytes (the reference limit) and fits in the file, and the data offsets are
/// consistent with the shapes and cover the data section exactly, without gaps or overlaps.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted, in bytes (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> to a new file at <paramref name="path"/>, replacing it atomically: the data
    /// is written to a temporary file in the same folder that is renamed over <paramref name="path"/> once complete,
    /// so a save that fails (a disposed tensor, a full disk, a crash) leaves the previous checkpoint intact.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty or <c>__metadata__</c>, or a name or metadata string holds a lone surrogate.</exception>
    /// <exception cref="ObjectDisposedException">A tensor was disposed (the previous file is kept).</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file is kept).</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var prepared = Prepare(tensors, metadata);
        AtomicFile.Write(path, file => WritePrepared(prepared, file));
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/>.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WritePrepared(Prepare(tensors, metadata), stream);
    }

    /// <summary>The file's bytes in memory.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        Save(tensors, ms, metadata);
        return ms.ToArray();
    }

    /// <summary>Reads every tensor of the file at <paramref name="path"/> onto <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="InvalidDataException">The file is malformed (the message says how).</exception>
    /// <exception cref="NotSupportedException">A tensor has a valid safetensors dtype that CudaTensor does not have (e.g. F16).</exception>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null) => LoadWithMetadata(path, device).Tensors;

    /// <summary>Reads every tensor from <paramref name="stream"/> (to its end).</summary>
    public static Dictionary<string, Tensor> Load(Stream stream, Device? device = null) => LoadWithMetadata(stream, device).Tensors;

    /// <summary>Reads the tensors of a file from memory.</summary>
    public static Dictionary<string, Tensor> Deserialize(byte[] bytes, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var ms = new MemoryStream(bytes, writable: false);
        return Load(ms, device);
    }

    /// <summary>Reads the tensors and the <c>__metadata__</c> map of the file at <paramref name="path"/>.</summary>
    public static SafeTensorsContent LoadWithMetadata(string path, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, file.Length, device ?? Device.Cpu, $"SafeTensors.Load('{path}')");
    }

    /// <summary>Reads the tensors and the <c>__metadata__</c> map from <paramref name="stream"/> (from its position to its end).</summary>
    public static SafeTensorsContent LoadWithMetadata(Stream stream, Device? device = null)
    {
        return BoundedInput.Read(stream, (s, length) => Read(s, length, device ?? Device.Cpu, "SafeTensors.Load"));
    }

    /// <summary>Reads and validates only the header: names, dtypes, shapes and offsets, and the metadata.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadHeader(file, file.Length, $"SafeTensors.ReadHeader('{path}')");
    }

    private static SafeTensorsHeader ReadHeader(Stream stream, long length, string what)
    {
        if (length < 8)
            throw new InvalidDataException($"{what}: the file is {length} bytes, too short for the 8-byte header length; it is truncated or not a safetensors file.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw new InvalidDataException($"{what}: the header length is {n} bytes, more than the {MaxHeaderBytes}-byte limit; the file is corrupt or not a safetensors file.");
        if ((long)n > length - 8)
            throw new InvalidDataException($"{what}: the header length is {n} bytes but only {length - 8} bytes follow the length; the file is truncated.");
        var header = new byte[n];
        stream.ReadExactly(header);
        return SafeTensorsHeader.Parse(header, length - 8 - (long)n, what);
    }

    private static SafeTensorsContent Read(Stream stream, long length, Device device, string what)
    {
        var header = ReadHeader(stream, length, what);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            // Entries are in offset order and cover the data exactly, so reading them in turn walks the file once.
            foreach (var e in header.Entries)
                result[e.Name] = TensorBytes.Read(stream, e.Shape, e.DType, device, bigEndian: false, $"{what}: tensor '{e.Name}'");
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsContent(result, header.Metadata);
    }

    private sealed record Prepared(byte[] Header, List<KeyValuePair<string, Tensor>> Order);

    private static Prepared Prepare(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, t) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("SafeTensors.Save: a tensor name is empty.", nameof(tensors));
            if (name == SafeTensorsHeader.MetadataKey) throw new ArgumentException($"SafeTensors.Save: '{name}' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            CheckText(name, "tensor name", nameof(tensors));
            ArgumentNullException.ThrowIfNull(t, $"tensors['{name}']");
        }
        if (metadata is not null)
        {
            foreach (var (k, v) in metadata)
            {
                CheckText(k, "metadata key", nameof(metadata));
                if (v is not null) CheckText(v, $"metadata value of '{k}'", nameof(metadata));
            }
        }
        // The reference writer orders by dtype (largest alignment first) and then by name (byte order of UTF-8).
        var order = tensors.OrderByDescending(kv => SafeTensorsHeader.AlignmentRank(kv.Value.DType))
            .ThenBy(kv => kv.Key, Utf8Order.Instance).ToList();
        var json = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            json.Append("\"__metadata__\":{");
            bool firstMeta = true;
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, Utf8Order.Instance))
            {
                ArgumentNullException.ThrowIfNull(v, $"metadata['{k}']");
                if (!firstMeta) json.Append(',');
                JsonText.AppendString(json, k).Append(':');
                JsonText.AppendString(json, v);
                firstMeta = false;
            }
            json.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var (name, t) in order)
        {
            long bytes = checked(t.NumElements * t.DType.ElementSize());
            if (!first) json.Append(',');
            first = false;
            JsonText.AppendString(json, name).Append(":{\"dtype\":\"").Append(SafeTensorsHeader.DTypeName(t.DType)).Append("\",\"shape\":[");
            json.AppendJoin(',', t.Shape.ToArray()).Append("],\"data_offsets\":[").Append(offset).Append(',').Append(offset + bytes).Append("]}");
            offset += bytes;
        }
        json.Append('}');
        int length = Encoding.UTF8.GetByteCount(json.ToString());
        // Pad with spaces so the data section starts 8-byte aligned.
        int padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        Encoding.UTF8.GetBytes(json.ToString(), header);
        header.AsSpan(length).Fill((byte)' ');
        return new Prepared(header, order);
    }

    // UTF-8 cannot encode a lone surrogate: the encoder would silently write U+FFFD, and the file would name another tensor.
    private static void CheckText(string text, string what, string parameter)
    {
        if (IsValidUtf16(text)) return;
        throw new ArgumentException($"SafeTensors.Save: the {what} \"{text}\" holds a lone UTF-16 surrogate, which UTF-8 cannot encode. Use valid Unicode text.", parameter);
    }

    private static bool IsValidUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (!char.IsHighSurrogate(text[i]) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
            i++;
        }
        return true;
    }

    private static void WritePrepared(Prepared prepared, Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)prepared.Header.Length);
        stream.Write(prefix);
        stream.Write(prepared.Header);
        foreach (var (name, t) in prepared.Order)
        {
            // Met when its turn comes, after earlier tensors were written: a path save writes a temporary file, discarded then.
            if (t.IsDisposed)
                throw new ObjectDisposedException(t.Describe(), $"SafeTensors.Save: tensor '{name}' ({t.Describe()}) was disposed; save it before disposing it, or leave it out.");
            TensorBytes.Write(t, stream);
        }
        stream.Flush();
    }

    /// <summary>Orders strings by their UTF-8 bytes, as Rust's string comparison does.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return string.CompareOrdinal(x, y);
            var a = Encoding.UTF8.GetBytes(x);
            var b = Encoding.UTF8.GetBytes(y);
            return a.AsSpan().SequenceCompareTo(b);
        }
    }
}
