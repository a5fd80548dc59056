using System.Globalization;
using System.Text;
using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// One backend primitive of a captured graph, on one device. <see cref="Writes"/> are the views it modifies and
/// <see cref="Reads"/> the views whose values it uses (a read-modify-write operand is in both); passes rewrite their
/// buffer ids in place. A node runs on the real backend at replay through <see cref="Execute"/>, with no tensor or
/// autograd object involved.
/// </summary>
internal abstract class GraphNode(Device device, BufferView[] writes, BufferView[] reads)
{
    /// <summary>The device whose backend runs the node.</summary>
    public Device Device { get; } = device;

    /// <summary>The views the node writes (destination first).</summary>
    public BufferView[] Writes { get; } = writes;

    /// <summary>The views the node reads, in the primitive's operand order.</summary>
    public BufferView[] Reads { get; } = reads;

    /// <summary>The primitive's name, e.g. <c>Binary.Add</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether the node changes host state at replay (its arguments are recomputed by a live callback: an optimizer's
    /// step count, a random generator's offset): such nodes are never removed or merged.
    /// </summary>
    public virtual bool HasHostEffect => false;

    /// <summary>
    /// Why the node cannot be part of a CUDA graph captured once and launched at every call (its host arguments change
    /// at every call by design), or null.
    /// </summary>
    public virtual string? GraphCaptureBlocker => null;

    /// <summary>Runs the live callback now (advancing host state as a call does) and returns its arguments; null when the node has none.</summary>
    public virtual object? TakeLiveArguments() => null;

    /// <summary>
    /// Host arguments already computed by <see cref="TakeLiveArguments"/> for the next <see cref="Execute"/> (a CUDA
    /// graph's capture, or the node-by-node run of a call whose arguments were taken), or null to run the callback there.
    /// </summary>
    public object? PendingArguments { get; set; }

    /// <summary>The node's scalar arguments for reports and for common-subexpression keys ("" when none).</summary>
    public virtual string Arguments => "";

    /// <summary>Runs the primitive with the buffers of <paramref name="context"/>.</summary>
    public abstract void Execute(ExecutionContext context);

    /// <summary>Rebinds every view of buffer <paramref name="from"/> to buffer <paramref name="to"/>.</summary>
    public void Remap(int from, int to)
    {
        for (int i = 0; i < Writes.Length; i++)
            if (Writes[i].Buffer == from) Writes[i] = Writes[i].On(to);
        for (int i = 0; i < Reads.Length; i++)
            if (Reads[i].Buffer == from) Reads[i] = Reads[i].On(to);
    }

    /// <summary>Whether the node touches (reads or writes) buffer <paramref name="buffer"/>.</summary>
    public bool Touches(int buffer) => WritesBuffer(buffer) || ReadsBuffer(buffer);

    /// <summary>Whether the node writes buffer <paramref name="buffer"/>.</summary>
    public bool WritesBuffer(int buffer)
    {
        foreach (var w in Writes)
            if (w.Buffer == buffer) return true;
        return false;
    }

    /// <summary>Whether the node reads buffer <paramref name="buffer"/>.</summary>
    public bool ReadsBuffer(int buffer)
    {
        foreach (var r in Reads)
            if (r.Buffer == buffer) return true;
        return false;
    }

    /// <summary>One line for reports: <c>tmp4[8, 3] f32 = Binary.Add(in0[8, 3] f32, state1[3] f32 strides[0, 1]) lr=0.1</c>.</summary>
    public virtual string Format(Graph graph)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Writes.Length; i++) sb.Append(i == 0 ? "" : ", ").Append(Writes[i].Format(graph));
        sb.Append(Writes.Length == 0 ? "" : " = ").Append(Name).Append('(');
        for (int i = 0; i < Reads.Length; i++) sb.Append(i == 0 ? "" : ", ").Append(Reads[i].Format(graph));
        sb.Append(')');
        if (Arguments.Length > 0) sb.Append(' ').Append(Arguments);
        if (HasHostEffect) sb.Append(" [live arguments]");
        return sb.ToString();
    }

    /// <summary>The write view <paramref name="i"/> bound to its storage.</summary>
    protected Strided W(ExecutionContext context, int i) => context.Resolve(Writes[i]);

    /// <summary>The read view <paramref name="i"/> bound to its storage.</summary>
    protected Strided R(ExecutionContext context, int i) => context.Resolve(Reads[i]);

    /// <summary>The backend that runs this node.</summary>
    protected IBackend Backend(ExecutionContext context) => context.BackendFor(Device);

    /// <summary>Invariant formatting of a double for <see cref="Arguments"/> (round-trips, so equal text means equal value).</summary>
    protected static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
