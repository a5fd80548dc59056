using System.Buffers;
using System.Buffers.Binary;
using CudaTensor.Backends;

namespace CudaTensor.Serialization;

/// <summary>
/// Moves tensor elements between streams and tensors in row-major, little-endian order, through a bounded host
/// buffer, so a large tensor never needs one array of its whole size.
/// </summary>
internal static class TensorBytes
{
    // Host staging buffer per transfer: 16 MiB, a multiple of every element size.
    private const int ChunkBytes = 16 << 20;

    /// <summary>Writes the elements of <paramref name="tensor"/> (any layout, any device) to <paramref name="stream"/>.</summary>
    public static void Write(Tensor tensor, Stream stream)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Tensor files are little-endian; writing them on a big-endian machine is not supported.");
        using var dense = tensor.Contiguous();
        int elementSize = dense.DType.ElementSize();
        long total = dense.NumElements;
        if (total == 0) return;
        long perChunk = ChunkBytes / elementSize;
        var buffer = ArrayPool<byte>.Shared.Rent((int)(Math.Min(total, perChunk) * elementSize));
        try
        {
            for (long start = 0; start < total; start += perChunk)
            {
                long count = Math.Min(perChunk, total - start);
                var span = buffer.AsSpan(0, (int)(count * elementSize));
                dense.Backend.ReadToHost(dense.FlatLayout(start, count), span);
                stream.Write(span);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads a new tensor of <paramref name="shape"/> and <paramref name="dtype"/> from <paramref name="stream"/>.
    /// The caller has checked that the stream holds the bytes. Bool bytes must be 0 or 1.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream ends early, or a Bool element is neither 0 nor 1.</exception>
    public static Tensor Read(Stream stream, long[] shape, DType dtype, Device device, bool bigEndian, string what)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Tensor files are little-endian; reading them on a big-endian machine is not supported.");
        var tensor = Tensor.Allocate(shape, dtype, device);
        try
        {
            int elementSize = dtype.ElementSize();
            long total = tensor.NumElements;
            if (total == 0) return tensor;
            long perChunk = ChunkBytes / elementSize;
            var buffer = ArrayPool<byte>.Shared.Rent((int)(Math.Min(total, perChunk) * elementSize));
            try
            {
                for (long start = 0; start < total; start += perChunk)
                {
                    long count = Math.Min(perChunk, total - start);
                    var span = buffer.AsSpan(0, (int)(count * elementSize));
                    int got = stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false);
                    if (got < span.Length)
                        throw new InvalidDataException(
                            $"{what}: the data ends after {start * elementSize + got} of {total * elementSize} bytes; the file is truncated.");
                    if (dtype == DType.Bool)
                    {
                        int bad = span.IndexOfAnyExcept((byte)0, (byte)1);
                        if (bad >= 0)
                            throw new InvalidDataException($"{what}: Bool element {start + bad} holds byte {span[bad]}, but a Bool must be 0 or 1.");
                    }
                    if (bigEndian) SwapBytes(span, elementSize);
                    tensor.Backend.WriteFromHost(tensor.FlatLayout(start, count), span);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static void SwapBytes(Span<byte> data, int elementSize)
    {
        switch (elementSize)
        {
            case 4:
                var u32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }
}
