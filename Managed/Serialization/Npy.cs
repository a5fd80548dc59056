using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CudaTensor.Core;

namespace CudaTensor.Serialization;

/// <summary>
/// Reads and writes NumPy's <c>.npy</c> format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
/// for one tensor: the magic <c>\x93NUMPY</c>, a version, a header length (2 bytes in version 1.0, 4 in 2.0 and
/// 3.0), a Python dict literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c> padded with spaces
/// and a newline so the data starts 64-byte aligned, then the elements.
/// </summary>
/// <remarks>
/// Writing produces what <c>numpy.save</c> writes: version 1.0 (2.0 only when the header needs it), little-endian
/// C order, descrs <c>&lt;f4 &lt;f8 &lt;i4 &lt;i8 |b1</c>. Reading also accepts big-endian (<c>&gt;</c>) and native (<c>=</c>)
/// descrs and Fortran order, and checks the header (at most <see cref="MaxHeaderBytes"/>) and the data size before
/// allocating.
/// </remarks>
public static class Npy
{
    /// <summary>The largest header accepted, in bytes.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy aligns the data to 64 bytes, and leaves room to grow the first dimension to 21 digits in place.
    private const int Alignment = 64;
    private const int GrowthAxisMaxDigits = 21;

    /// <summary>
    /// Writes <paramref name="tensor"/> to a new file at <paramref name="path"/>, replacing it atomically: the data is
    /// written to a temporary file in the same folder that is renamed over <paramref name="path"/> once complete, so
    /// a save that fails leaves the previous file intact.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The tensor was disposed (nothing is written).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(Tensor tensor, string path)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, file => Save(tensor, file));
    }

    /// <summary>Writes <paramref name="tensor"/> to <paramref name="stream"/>.</summary>
    public static void Save(Tensor tensor, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(stream);
        if (tensor.IsDisposed)
            throw new ObjectDisposedException(tensor.Describe(), $"Npy.Save: {tensor.Describe()} was disposed; save it before disposing it.");
        var shape = tensor.Shape.ToArray();
        string shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        var dict = $"{{'descr': '{Descr(tensor.DType)}', 'fortran_order': False, 'shape': {shapeText}, }}";
        if (shape.Length > 0) dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        var header = Encoding.ASCII.GetBytes(dict);
        int version = 1;
        int total = Pad(header.Length, 2);
        if (total > ushort.MaxValue)
        {
            version = 2;
            total = Pad(header.Length, 4);
        }
        Span<byte> prefix = stackalloc byte[12];
        Magic.CopyTo(prefix);
        prefix[6] = (byte)version;
        prefix[7] = 0;
        int prefixLength;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)total);
            prefixLength = 10;
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], (uint)total);
            prefixLength = 12;
        }
        stream.Write(prefix[..prefixLength]);
        stream.Write(header);
        var padding = new byte[total - header.Length];
        padding.AsSpan().Fill((byte)' ');
        padding[^1] = (byte)'\n';
        stream.Write(padding);
        TensorBytes.Write(tensor, stream);
        stream.Flush();
    }

    /// <summary>The header length numpy writes: the dict, then spaces and a newline up to the next multiple of 64.</summary>
    private static int Pad(int dictLength, int lengthFieldBytes)
    {
        int prefix = Magic.Length + 2 + lengthFieldBytes;
        int withNewline = dictLength + 1;
        int padding = Alignment - (prefix + withNewline) % Alignment;
        return withNewline + padding;
    }

    private static string Descr(DType dtype) => dtype switch
    {
        DType.Float32 => "<f4",
        DType.Float64 => "<f8",
        DType.Int32 => "<i4",
        DType.Int64 => "<i8",
        DType.Bool => "|b1",
        _ => throw new NotSupportedException($"Npy.Save: dtype {dtype.Name()} has no .npy descr."),
    };

    /// <summary>Reads the tensor in the file at <paramref name="path"/> onto <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="InvalidDataException">The file is malformed (the message says how).</exception>
    /// <exception cref="NotSupportedException">A valid descr that CudaTensor has no dtype for, e.g. <c>&lt;f2</c> or a structured dtype.</exception>
    public static Tensor Load(string path, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, file.Length, device ?? Device.Cpu, $"Npy.Load('{path}')");
    }

    /// <summary>Reads one tensor from <paramref name="stream"/>; a seekable stream must end where the data ends.</summary>
    public static Tensor Load(Stream stream, Device? device = null)
    {
        return BoundedInput.Read(stream, (s, length) => Read(s, length, device ?? Device.Cpu, "Npy.Load"));
    }

    private static Tensor Read(Stream stream, long length, Device device, string what)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (length < 10)
            throw new InvalidDataException($"{what}: the file is {length} bytes, too short for a .npy header; it is truncated or not a .npy file.");
        stream.ReadExactly(prefix[..8]);
        if (!prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{what}: the file does not start with the .npy magic \\x93NUMPY.");
        int major = prefix[6], minor = prefix[7];
        long headerLength;
        int prefixLength;
        switch (major)
        {
            case 1:
                stream.ReadExactly(prefix[8..10]);
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
                prefixLength = 10;
                break;
            case 2 or 3:
                if (length < 12) throw new InvalidDataException($"{what}: the file is {length} bytes, too short for a version {major}.0 header.");
                stream.ReadExactly(prefix[8..12]);
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
                prefixLength = 12;
                break;
            default:
                throw new InvalidDataException($"{what}: format version {major}.{minor} is not supported; expected 1.0, 2.0 or 3.0.");
        }
        if (minor != 0) throw new InvalidDataException($"{what}: format version {major}.{minor} is not supported; expected 1.0, 2.0 or 3.0.");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{what}: the header length is {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit.");
        if (headerLength > length - prefixLength)
            throw new InvalidDataException($"{what}: the header length is {headerLength} bytes but only {length - prefixLength} bytes follow; the file is truncated.");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : (Encoding)Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{what}: the header is not valid UTF-8.", e);
        }
        var (descr, fortranOrder, shape) = NpyHeader.Parse(header, what);
        var (dtype, bigEndian) = ParseDescr(descr, what);
        long dataLength = length - prefixLength - headerLength;
        long bytes;
        try
        {
            bytes = checked(Shapes.NumElements(shape) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{what}: shape {Shapes.Format(shape)} overflows 64 bits.");
        }
        if (bytes != dataLength)
            throw new InvalidDataException(
                $"{what}: shape {Shapes.Format(shape)} of {descr} needs {bytes} data bytes but the file holds {dataLength}" +
                (bytes > dataLength ? "; the file is truncated." : "; the header does not describe the data."));
        if (!fortranOrder) return TensorBytes.Read(stream, shape, dtype, device, bigEndian, what);
        // Fortran order is C order of the reversed shape; reversing the axes back gives the array.
        var reversed = shape.Reverse().ToArray();
        using var transposed = TensorBytes.Read(stream, reversed, dtype, device, bigEndian, what);
        var axes = Enumerable.Range(0, shape.Length).Reverse().ToArray();
        using var view = transposed.Permute(axes);
        return view.Contiguous();
    }

    private static (DType, bool BigEndian) ParseDescr(string descr, string what)
    {
        if (descr.Length != 3 || descr[0] is not ('<' or '>' or '=' or '|'))
            throw new NotSupportedException($"{what}: dtype descr '{descr}' is not supported; expected <f4, <f8, <i4, <i8 or |b1.");
        var dtype = descr[1..] switch
        {
            "f4" => DType.Float32,
            "f8" => DType.Float64,
            "i4" => DType.Int32,
            "i8" => DType.Int64,
            "b1" => DType.Bool,
            _ => throw new NotSupportedException($"{what}: dtype descr '{descr}' is not supported; expected <f4, <f8, <i4, <i8 or |b1."),
        };
        if (descr[0] == '|' && dtype != DType.Bool)
            throw new InvalidDataException($"{what}: descr '{descr}' has no byte order, but a {descr[1..]} element has several bytes.");
        return (dtype, descr[0] == '>' && dtype != DType.Bool);
    }
}
