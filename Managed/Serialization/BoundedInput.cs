namespace CudaTensor.Serialization;

/// <summary>Gives file readers a stream whose remaining length is known, so declared sizes can be checked up front.</summary>
internal static class BoundedInput
{
    /// <summary>
    /// Calls <paramref name="read"/> with <paramref name="stream"/> and the bytes left in it. A stream that cannot
    /// seek is buffered first: without a length the declared sizes cannot be checked before allocating, and buffering
    /// the actual bytes keeps memory proportional to what the stream really holds, not to what a header claims.
    /// </summary>
    public static T Read<T>(Stream stream, Func<Stream, long, T> read)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek) return read(stream, stream.Length - stream.Position);
        using var buffered = new MemoryStream();
        stream.CopyTo(buffered);
        buffered.Position = 0;
        return read(buffered, buffered.Length);
    }
}
