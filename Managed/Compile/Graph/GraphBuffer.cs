namespace CudaTensor.Compilation;

/// <summary>What a buffer of a captured graph is, which decides where its storage comes from at replay.</summary>
internal enum BufferKind
{
    /// <summary>The storage of an argument: rebound to the argument's storage on every call.</summary>
    Input,

    /// <summary>A storage that existed before the trace (parameters, optimizer state, constants): used live, by reference.</summary>
    State,

    /// <summary>Allocated during the trace and still referenced after it (<c>.Grad</c>, new optimizer state): owned by the graph, rewritten in place.</summary>
    Persistent,

    /// <summary>Allocated and released during the trace: an arena slot chosen by memory planning, reused by liveness.</summary>
    Temporary,

    /// <summary>Holds a returned tensor: a fresh storage on every call, owned by the caller.</summary>
    Output,
}

/// <summary>
/// One storage a captured graph reads or writes. Nodes name buffers by <see cref="Id"/> (their index in
/// <see cref="Graph.Buffers"/>), never by storage, so passes can merge, drop and re-place them.
/// </summary>
internal sealed class GraphBuffer(int id, BufferKind kind, Device device, long byteLength)
{
    /// <summary>The index in <see cref="Graph.Buffers"/>.</summary>
    public int Id { get; } = id;

    /// <summary>Where the storage comes from at replay (passes may change it, e.g. an unused persistent buffer).</summary>
    public BufferKind Kind { get; set; } = kind;

    /// <summary>The device of the storage.</summary>
    public Device Device { get; } = device;

    /// <summary>Bytes of the storage.</summary>
    public long ByteLength { get; } = byteLength;

    /// <summary>Whether the trace allocated it zero-filled (a replay zeroes its slot where the trace allocated it).</summary>
    public bool Zeroed { get; init; }

    /// <summary>For <see cref="BufferKind.Input"/>: the argument it is bound to.</summary>
    public int InputIndex { get; init; } = -1;

    /// <summary>For <see cref="BufferKind.State"/> and <see cref="BufferKind.Persistent"/>: the live storage (the graph holds a reference).</summary>
    public Storage? Storage { get; set; }

    /// <summary>For <see cref="BufferKind.Temporary"/>: the arena slot memory planning gave it (-1 before planning).</summary>
    public int Slot { get; set; } = -1;

    /// <summary>A short label for reports: <c>in0</c>, <c>state3</c>, <c>tmp7</c>, ...</summary>
    public string Label => Kind switch
    {
        BufferKind.Input => $"in{InputIndex}",
        BufferKind.State => $"state{Id}",
        BufferKind.Persistent => $"keep{Id}",
        BufferKind.Temporary => $"tmp{Id}",
        _ => $"out{Id}",
    };

    /// <summary>Whether a write to it can be seen after the call (anything but an arena temporary).</summary>
    public bool IsObservable => Kind != BufferKind.Temporary;
}
