using System.Text.Json;
using CudaTensor.Core;

namespace CudaTensor.Serialization;

/// <summary>One tensor listed in a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its sizes (empty for a 0-d tensor).</param>
/// <param name="Begin">Offset of its first byte in the data section.</param>
/// <param name="End">Offset one past its last byte in the data section.</param>
public sealed record SafeTensorsEntry(string Name, DType DType, long[] Shape, long Begin, long End);

/// <summary>A parsed and validated safetensors header: the tensors in data order, and the metadata strings.</summary>
public sealed class SafeTensorsHeader
{
    internal const string MetadataKey = "__metadata__";

    private SafeTensorsHeader(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The tensors, ordered by their offsets in the data section.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    internal static string DTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw new NotSupportedException($"SafeTensors: dtype {dtype.Name()} has no safetensors name."),
    };

    /// <summary>The position of the dtype in the format's alignment order (the writer puts larger ranks first).</summary>
    internal static int AlignmentRank(DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.Int32 => 9,
        DType.Float32 => 11,
        DType.Float64 => 12,
        DType.Int64 => 13,
        _ => throw new NotSupportedException($"SafeTensors: dtype {dtype.Name()} has no safetensors name."),
    };

    // Valid safetensors dtypes that CudaTensor has no tensor type for.
    private static readonly HashSet<string> OtherFormatDTypes = new(StringComparer.Ordinal)
    {
        "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "F16", "BF16", "U32", "U64", "C64",
    };

    private static DType ParseDType(string name, string tensor, string what) => name switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "BOOL" => DType.Bool,
        _ when OtherFormatDTypes.Contains(name) => throw new NotSupportedException(
            $"{what}: tensor '{tensor}' has dtype {name}, which CudaTensor does not support; it reads F32, F64, I32, I64 and BOOL. Convert the tensor before saving it."),
        _ => throw new InvalidDataException($"{what}: tensor '{tensor}' has unknown dtype '{name}'; expected one of F32, F64, I32, I64, BOOL."),
    };

    /// <summary>Parses <paramref name="header"/> and checks it against a data section of <paramref name="dataLength"/> bytes.</summary>
    internal static SafeTensorsHeader Parse(ReadOnlySpan<byte> header, long dataLength, string what)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw new InvalidDataException($"{what}: the header does not start with '{{'; this is not a safetensors file.");
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new InvalidDataException($"{what}: the header is not valid UTF-8.");
        var entries = new List<SafeTensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
            Expect(ref reader, JsonTokenType.StartObject, "the header", what);
            bool sawMetadata = false;
            while (true)
            {
                Next(ref reader, what);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = GetString(ref reader, "a tensor name", what);
                if (name == MetadataKey)
                {
                    if (sawMetadata) throw new InvalidDataException($"{what}: the header has two '{MetadataKey}' entries.");
                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata, what);
                    continue;
                }
                if (!names.Add(name)) throw new InvalidDataException($"{what}: the header lists tensor '{name}' twice.");
                entries.Add(ReadEntry(ref reader, name, what));
            }
            // Only the padding may follow: Read() throws on anything but whitespace after the root object.
            if (reader.Read()) throw new InvalidDataException($"{what}: the header has data after its closing '}}'.");
        }
        catch (JsonException e)
        {
            // The reader's message gives the line and the byte within it (the header starts at file offset 8).
            throw new InvalidDataException($"{what}: the header is not valid JSON ({e.Message}).", e);
        }

        // Sort by offsets, then require each tensor to start where the previous one ended: no gaps, no overlaps, and
        // the last one ends exactly at the end of the file.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.End < e.Begin)
                throw new InvalidDataException($"{what}: tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], whose end is before its start.");
            if (e.Begin != expected)
                throw new InvalidDataException(e.Begin < expected
                    ? $"{what}: tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], overlapping the previous tensor, which ends at {expected}."
                    : $"{what}: tensor '{e.Name}' starts at offset {e.Begin}, leaving a gap after the previous tensor, which ends at {expected}.");
            long bytes;
            try
            {
                bytes = checked(Shapes.NumElements(e.Shape) * e.DType.ElementSize());
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{what}: tensor '{e.Name}' has shape {Shapes.Format(e.Shape)}, whose size overflows 64 bits.");
            }
            if (e.End - e.Begin != bytes)
                throw new InvalidDataException(
                    $"{what}: tensor '{e.Name}' ({DTypeName(e.DType)}, shape {Shapes.Format(e.Shape)}) needs {bytes} bytes but its data_offsets [{e.Begin}, {e.End}] span {e.End - e.Begin}.");
            if (e.End > dataLength)
                throw new InvalidDataException(
                    $"{what}: tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], past the end of the {dataLength}-byte data section; the file is truncated.");
            expected = e.End;
        }
        if (expected != dataLength)
            throw new InvalidDataException(
                $"{what}: the tensors cover {expected} bytes but the data section holds {dataLength}; the offsets must cover the data exactly.");
        return new SafeTensorsHeader(entries, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string what)
    {
        Next(ref reader, what);
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{what}: '{MetadataKey}' must be an object of strings, got {reader.TokenType}.");
        while (true)
        {
            Next(ref reader, what);
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = GetString(ref reader, "a metadata key", what);
            Next(ref reader, what);
            if (reader.TokenType != JsonTokenType.String)
                throw new InvalidDataException($"{what}: metadata value '{key}' must be a string, got {reader.TokenType} at file offset {reader.TokenStartIndex + 8}.");
            if (!metadata.TryAdd(key, GetString(ref reader, $"metadata value '{key}'", what)))
                throw new InvalidDataException($"{what}: metadata key '{key}' appears twice.");
        }
    }

    private static SafeTensorsEntry ReadEntry(ref Utf8JsonReader reader, string name, string what)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"tensor '{name}'", what);
        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Next(ref reader, what);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string key = GetString(ref reader, $"a field name of tensor '{name}'", what);
            switch (key)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, $"the dtype of tensor '{name}'", what);
                    dtype = GetString(ref reader, $"the dtype of tensor '{name}'", what);
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, $"the shape of tensor '{name}'", what);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, $"the data_offsets of tensor '{name}'", what);
                    if (offsets.Length != 2)
                        throw new InvalidDataException($"{what}: the data_offsets of tensor '{name}' must be [begin, end], got {offsets.Length} numbers.");
                    break;
                default:
                    // Unknown fields are ignored, as the reference reader does.
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw new InvalidDataException($"{what}: tensor '{name}' lacks {(dtype is null ? "'dtype'" : shape is null ? "'shape'" : "'data_offsets'")}.");
        return new SafeTensorsEntry(name, ParseDType(dtype, name, what), shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string field, string what)
    {
        Expect(ref reader, JsonTokenType.StartArray, field, what);
        var values = new List<long>();
        while (true)
        {
            Next(ref reader, what);
            if (reader.TokenType == JsonTokenType.EndArray) return [.. values];
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw new InvalidDataException($"{what}: {field} must hold non-negative integers below 2^63.");
            // A shape or offset list is short; a long one is corrupt (and would otherwise grow without bound).
            if (values.Count == 64) throw new InvalidDataException($"{what}: {field} has more than 64 entries.");
            values.Add(v);
        }
    }

    /// <summary>
    /// The current string token. JSON allows escapes of lone UTF-16 surrogates (<c>"\ud800"</c>), which no .NET
    /// string can decode; the reader throws InvalidOperationException for them, reported here as corrupt data.
    /// </summary>
    private static string GetString(ref Utf8JsonReader reader, string field, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException(
                $"{what}: {field} at file offset {reader.TokenStartIndex + 8} holds an escape that is not valid UTF-16 (a lone surrogate such as \\ud800); names and metadata must be valid Unicode text.", e);
        }
    }

    private static void Next(ref Utf8JsonReader reader, string what)
    {
        if (!reader.Read()) throw new InvalidDataException($"{what}: the header JSON ends early.");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string field, string what)
    {
        Next(ref reader, what);
        if (reader.TokenType != type)
            throw new InvalidDataException($"{what}: {field} should be {Describe(type)}, got {reader.TokenType}.");
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        _ => type.ToString(),
    };
}
