namespace CudaTensor.Distributed;

/// <summary>
/// Parameters whose gradients are reduced together: one contiguous buffer of their dtype and device, and a view of it
/// shaped like each parameter. The parameters' gradients live in those views, so the all-reduce works on them in place.
/// </summary>
internal sealed class GradientBucket : IDisposable
{
    public GradientBucket(int[] members, IReadOnlyList<Tensor> parameters)
    {
        Members = members;
        var first = parameters[members[0]];
        long total = members.Sum(i => parameters[i].NumElements);
        Buffer = Tensor.Zeros([total], first.DType, first.Device);
        TensorScope.Unregister(Buffer);
        Views = new Tensor[members.Length];
        long offset = 0;
        for (int slot = 0; slot < members.Length; slot++)
        {
            var p = parameters[members[slot]];
            using var flat = Buffer.Narrow(0, offset, p.NumElements);
            Views[slot] = flat.View(p.Shape);
            TensorScope.Unregister(Views[slot]);
            offset += p.NumElements;
        }
    }

    /// <summary>Indices of the parameters, in the order they sit in the buffer.</summary>
    public int[] Members { get; }

    /// <summary>The gradients of <see cref="Members"/>, one after the other.</summary>
    public Tensor Buffer { get; }

    /// <summary>The part of <see cref="Buffer"/> of each member, shaped like the parameter.</summary>
    public Tensor[] Views { get; }

    /// <summary>Members whose gradient has not arrived in this backward pass.</summary>
    public int Pending { get; set; }

    /// <summary>The all-reduce in flight, once launched in this backward pass.</summary>
    public Work? Work { get; set; }

    public long Bytes => Buffer.NumElements * Buffer.DType.ElementSize();

    public void Dispose()
    {
        foreach (var v in Views) v.Dispose();
        Buffer.Dispose();
    }

    /// <summary>
    /// Groups parameters into buckets in <paramref name="order"/> (PyTorch's <c>compute_bucket_assignment_by_size</c>):
    /// parameters of one dtype and device share a bucket until it holds <paramref name="firstBytes"/> (the first one of
    /// each kind) or <paramref name="capBytes"/> (the others); buckets are ordered by where their first member is in
    /// <paramref name="order"/>, the order their all-reduces are launched in.
    /// </summary>
    public static List<int[]> Assign(IReadOnlyList<int> order, IReadOnlyList<Tensor> parameters, long firstBytes, long capBytes)
    {
        var open = new Dictionary<(DType, Device), (List<int> Members, long Bytes, bool First)>();
        var closed = new List<int[]>();
        foreach (int i in order)
        {
            var p = parameters[i];
            var key = (p.DType, p.Device);
            var (members, bytes, first) = open.TryGetValue(key, out var b) ? b : ([], 0, true);
            members.Add(i);
            bytes += p.NumElements * p.DType.ElementSize();
            if (bytes >= (first ? firstBytes : capBytes))
            {
                closed.Add([.. members]);
                open[key] = ([], 0, false);
            }
            else
            {
                open[key] = (members, bytes, first);
            }
        }
        closed.AddRange(open.Values.Where(b => b.Members.Count > 0).Select(b => b.Members.ToArray()));
        var position = new Dictionary<int, int>();
        for (int k = 0; k < order.Count; k++) position[order[k]] = k;
        return [.. closed.OrderBy(m => position[m[0]])];
    }
}
