namespace CudaTensor.CudaRuntime;

/// <summary>
/// The current-stream override of <see cref="CudaTensor.Cuda.UseStream"/>: an immutable chain of (device, stream)
/// held in an <see cref="AsyncLocal{T}"/>, so it follows async code and each thread starts on the default stream.
/// </summary>
internal sealed class StreamScope : IDisposable
{
    private static readonly AsyncLocal<Node?> Head = new();
    private readonly Node? _previous;
    private bool _disposed;

    private sealed record Node(int Ordinal, CudaStream Stream, Node? Next);

    public StreamScope(CudaStream stream)
    {
        _previous = Head.Value;
        Head.Value = new Node(stream.Device.Index, stream, _previous);
    }

    public static CudaStream? Current(int ordinal)
    {
        for (var n = Head.Value; n is not null; n = n.Next)
        {
            if (n.Ordinal == ordinal) return n.Stream;
        }
        return null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Head.Value = _previous;
    }
}
