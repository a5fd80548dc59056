using CudaTensor.Native;

namespace CudaTensor.Distributed;

public sealed partial class ProcessGroup
{
    /// <summary>Gathers every rank's <paramref name="input"/> into <paramref name="outputs"/>[rank] on every rank (PyTorch's <c>all_gather</c>).</summary>
    /// <param name="outputs">One tensor per rank, each of <paramref name="input"/>'s shape and dtype.</param>
    /// <param name="input">This rank's contribution.</param>
    public void AllGather(IReadOnlyList<Tensor> outputs, Tensor input) => AllGatherListCore(outputs, input, async: false);

    /// <summary>Starts <see cref="AllGather(IReadOnlyList{Tensor}, Tensor)"/>.</summary>
    /// <param name="outputs">One tensor per rank.</param>
    /// <param name="input">This rank's contribution.</param>
    /// <returns>The pending operation.</returns>
    public Work AllGatherAsync(IReadOnlyList<Tensor> outputs, Tensor input) => AllGatherListCore(outputs, input, async: true);

    /// <summary>
    /// Gathers every rank's <paramref name="input"/> into one tensor, concatenated along dimension 0 (a 0-d input gives
    /// a vector of <see cref="WorldSize"/> elements).
    /// </summary>
    /// <param name="input">This rank's contribution; same shape on every rank.</param>
    /// <returns>A new tensor on <paramref name="input"/>'s device, <c>[WorldSize * input.Size(0), ...]</c>.</returns>
    public Tensor AllGather(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        long[] shape = input.Dim == 0 ? [WorldSize] : [.. input.Shape];
        if (input.Dim > 0) shape[0] *= WorldSize;
        var output = Tensor.Empty(shape, input.DType, input.Device);
        try
        {
            AllGatherIntoTensor(output, input);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Gathers every rank's <paramref name="input"/> into <paramref name="output"/>, rank after rank (PyTorch's
    /// <c>all_gather_into_tensor</c>): <paramref name="output"/> is the inputs concatenated along dimension 0, or stacked
    /// (<c>[WorldSize, ...input.Shape]</c>); it must hold <c>WorldSize * input.NumElements</c> elements.
    /// </summary>
    /// <param name="output">The result.</param>
    /// <param name="input">This rank's contribution.</param>
    public void AllGatherIntoTensor(Tensor output, Tensor input) => AllGatherTensorCore(output, input, async: false);

    /// <summary>Starts <see cref="AllGatherIntoTensor"/>.</summary>
    /// <param name="output">The result.</param>
    /// <param name="input">This rank's contribution.</param>
    /// <returns>The pending operation.</returns>
    public Work AllGatherIntoTensorAsync(Tensor output, Tensor input) => AllGatherTensorCore(output, input, async: true);

    private Work AllGatherTensorCore(Tensor output, Tensor input, bool async)
    {
        const string name = "AllGather";
        CheckTensors(name, input, [output], nameof(output));
        CheckTimes(name, output, input, nameof(output));
        return Launch(name, async, input, CollectiveSignature.Of(name, input), buffers =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            IntPtr request = Mpi.Iallgather(i.Pointer, o.Pointer, MpiTypes.Count(name, input.NumElements), MpiTypes.Datatype(input.DType), MpiComm.Comm);
            return (request, o.Finish);
        }, (a, seq) => NcclAllGather(output, input, a, seq), blocking: (buffers, comm) =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            int count = MpiTypes.Count(name, input.NumElements);
            IntPtr type = MpiTypes.Datatype(input.DType);
            return (() => Mpi.Allgather(i.Pointer, o.Pointer, count, type, comm), o.Finish);
        }, bytes: Bytes(output));
    }

    private Work AllGatherListCore(IReadOnlyList<Tensor> outputs, Tensor input, bool async)
    {
        const string name = "AllGather";
        ArgumentNullException.ThrowIfNull(outputs);
        CheckTensors(name, input, outputs, nameof(outputs));
        CheckCount(name, outputs.Count, nameof(outputs));
        foreach (Tensor o in outputs) CheckSameNumel(name, input, o, nameof(outputs));
        if (BackendFor(input) == DistributedBackend.Nccl)
        {
            // NCCL gathers into one buffer: gather, then copy the pieces out once it is done.
            var flat = Tensor.Empty([WorldSize * input.NumElements], input.DType, input.Device);
            Work gathered = AllGatherTensorCore(flat, input, async);
            return new ThenWork(gathered, () => { using (flat) Unpack(flat, outputs); });
        }
        return Launch(name, async, input, CollectiveSignature.Of(name, input), buffers =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var flat = buffers.Add(Tensor.Empty([WorldSize * input.NumElements], input.DType, Device.Cpu));
            IntPtr request = Mpi.Iallgather(i.Pointer, PointerOf(flat), MpiTypes.Count(name, input.NumElements), MpiTypes.Datatype(input.DType), MpiComm.Comm);
            return (request, () => Unpack(flat, outputs));
        });
    }

    /// <summary>
    /// Reduces <paramref name="inputs"/> elementwise across the ranks and leaves piece <c>Rank</c> of the result in
    /// <paramref name="output"/> (PyTorch's <c>reduce_scatter</c>).
    /// </summary>
    /// <param name="output">This rank's piece of the result.</param>
    /// <param name="inputs">One tensor per rank, each of <paramref name="output"/>'s shape.</param>
    /// <param name="op">The reduction.</param>
    public void ReduceScatter(Tensor output, IReadOnlyList<Tensor> inputs, ReduceOp op = ReduceOp.Sum) => ReduceScatterListCore(output, inputs, op, async: false);

    /// <summary>Starts <see cref="ReduceScatter(Tensor, IReadOnlyList{Tensor}, ReduceOp)"/>.</summary>
    /// <param name="output">This rank's piece of the result.</param>
    /// <param name="inputs">One tensor per rank.</param>
    /// <param name="op">The reduction.</param>
    /// <returns>The pending operation.</returns>
    public Work ReduceScatterAsync(Tensor output, IReadOnlyList<Tensor> inputs, ReduceOp op = ReduceOp.Sum) => ReduceScatterListCore(output, inputs, op, async: true);

    /// <summary>
    /// Reduces <paramref name="input"/> (which holds <c>WorldSize</c> pieces of <paramref name="output"/>'s size, one after
    /// another) across the ranks and leaves piece <c>Rank</c> in <paramref name="output"/> (PyTorch's <c>reduce_scatter_tensor</c>).
    /// </summary>
    /// <param name="output">This rank's piece of the result.</param>
    /// <param name="input">The whole input, <c>WorldSize * output.NumElements</c> elements.</param>
    /// <param name="op">The reduction.</param>
    public void ReduceScatterTensor(Tensor output, Tensor input, ReduceOp op = ReduceOp.Sum) => ReduceScatterTensorCore(output, input, op, async: false);

    /// <summary>Starts <see cref="ReduceScatterTensor"/>.</summary>
    /// <param name="output">This rank's piece of the result.</param>
    /// <param name="input">The whole input.</param>
    /// <param name="op">The reduction.</param>
    /// <returns>The pending operation.</returns>
    public Work ReduceScatterTensorAsync(Tensor output, Tensor input, ReduceOp op = ReduceOp.Sum) => ReduceScatterTensorCore(output, input, op, async: true);

    private Work ReduceScatterTensorCore(Tensor output, Tensor input, ReduceOp op, bool async)
    {
        const string name = "ReduceScatter";
        CheckTensors(name, output, [input], nameof(input));
        CheckTimes(name, input, output, nameof(input));
        CheckReduce(name, output.DType, op);
        return Launch(name, async, output, CollectiveSignature.Of(name, output, op), buffers =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            IntPtr request = Mpi.IreduceScatterBlock(i.Pointer, o.Pointer, MpiTypes.Count(name, output.NumElements),
                MpiTypes.Datatype(output.DType), MpiTypes.Op(op, output.DType), MpiComm.Comm);
            Action average = Averaged(op, o.Data);
            return (request, () => { average(); o.Finish(); });
        }, (a, seq) => NcclReduceScatter(output, input, op, a, seq), blocking: (buffers, comm) =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            int count = MpiTypes.Count(name, output.NumElements);
            IntPtr type = MpiTypes.Datatype(output.DType), mop = MpiTypes.Op(op, output.DType);
            Action average = Averaged(op, o.Data);
            return (() => Mpi.ReduceScatterBlock(i.Pointer, o.Pointer, count, type, mop, comm), () => { average(); o.Finish(); });
        }, bytes: Bytes(input));
    }

    private ThenWork ReduceScatterListCore(Tensor output, IReadOnlyList<Tensor> inputs, ReduceOp op, bool async)
    {
        const string name = "ReduceScatter";
        ArgumentNullException.ThrowIfNull(inputs);
        CheckTensors(name, output, inputs, nameof(inputs));
        CheckCount(name, inputs.Count, nameof(inputs));
        foreach (Tensor i in inputs) CheckSameNumel(name, output, i, nameof(inputs));
        CheckReduce(name, output.DType, op);
        Device staging = BackendFor(output) == DistributedBackend.Nccl ? output.Device : Device.Cpu;
        var flat = Pack(inputs, output);
        if (staging != Device.Cpu)
        {
            using (flat)
            {
                var onDevice = flat.To(staging);
                return new ThenWork(ReduceScatterTensorCore(output, onDevice, op, async), onDevice.Dispose);
            }
        }
        return new ThenWork(ReduceScatterTensorCore(output, flat, op, async), flat.Dispose);
    }

    /// <summary>
    /// Gathers every rank's <paramref name="input"/> into <paramref name="gatherList"/> on rank <paramref name="dst"/>
    /// (PyTorch's <c>gather</c>).
    /// </summary>
    /// <param name="input">This rank's contribution; same shape on every rank.</param>
    /// <param name="gatherList">On the root, one tensor per rank; on the other ranks null (or empty).</param>
    /// <param name="dst">The root's rank in this group.</param>
    public void Gather(Tensor input, IReadOnlyList<Tensor>? gatherList, int dst = 0) => GatherCore(input, gatherList, dst, async: false);

    /// <summary>Starts <see cref="Gather"/>.</summary>
    /// <param name="input">This rank's contribution.</param>
    /// <param name="gatherList">On the root, one tensor per rank; elsewhere null.</param>
    /// <param name="dst">The root's rank.</param>
    /// <returns>The pending operation.</returns>
    public Work GatherAsync(Tensor input, IReadOnlyList<Tensor>? gatherList, int dst = 0) => GatherCore(input, gatherList, dst, async: true);

    private Work GatherCore(Tensor input, IReadOnlyList<Tensor>? gatherList, int dst, bool async)
    {
        const string name = "Gather";
        CheckRank(name, dst, nameof(dst));
        IReadOnlyList<Tensor> list = RootList(name, input, gatherList, Rank == dst, nameof(gatherList));
        return Launch(name, async, input, CollectiveSignature.Of(name, input, root: dst), buffers =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            Tensor? flat = Rank == dst ? buffers.Add(Tensor.Empty([WorldSize * input.NumElements], input.DType, Device.Cpu)) : null;
            IntPtr request = Mpi.Igather(i.Pointer, flat is null ? 0 : PointerOf(flat), MpiTypes.Count(name, input.NumElements),
                MpiTypes.Datatype(input.DType), dst, MpiComm.Comm);
            return (request, flat is null ? null : () => Unpack(flat, list));
        }, (a, seq) => NcclGather(input, list, dst, a, seq));
    }

    /// <summary>
    /// Sends <paramref name="scatterList"/>[r] of rank <paramref name="src"/> to rank r's <paramref name="output"/>
    /// (PyTorch's <c>scatter</c>).
    /// </summary>
    /// <param name="output">This rank's piece.</param>
    /// <param name="scatterList">On the root, one tensor per rank of <paramref name="output"/>'s shape; elsewhere null.</param>
    /// <param name="src">The root's rank in this group.</param>
    public void Scatter(Tensor output, IReadOnlyList<Tensor>? scatterList, int src = 0) => ScatterCore(output, scatterList, src, async: false);

    /// <summary>Starts <see cref="Scatter"/>.</summary>
    /// <param name="output">This rank's piece.</param>
    /// <param name="scatterList">On the root, one tensor per rank; elsewhere null.</param>
    /// <param name="src">The root's rank.</param>
    /// <returns>The pending operation.</returns>
    public Work ScatterAsync(Tensor output, IReadOnlyList<Tensor>? scatterList, int src = 0) => ScatterCore(output, scatterList, src, async: true);

    private Work ScatterCore(Tensor output, IReadOnlyList<Tensor>? scatterList, int src, bool async)
    {
        const string name = "Scatter";
        CheckRank(name, src, nameof(src));
        IReadOnlyList<Tensor> list = RootList(name, output, scatterList, Rank == src, nameof(scatterList));
        return Launch(name, async, output, CollectiveSignature.Of(name, output, root: src), buffers =>
        {
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            Tensor? flat = Rank == src ? buffers.Add(Pack(list, output)) : null;
            IntPtr request = Mpi.Iscatter(flat is null ? 0 : PointerOf(flat), o.Pointer, MpiTypes.Count(name, output.NumElements),
                MpiTypes.Datatype(output.DType), src, MpiComm.Comm);
            return (request, o.Finish);
        }, (a, seq) => NcclScatter(output, list, src, a, seq));
    }

    /// <summary>
    /// Sends <paramref name="inputs"/>[r] to rank r and receives rank r's piece into <paramref name="outputs"/>[r]
    /// (PyTorch's <c>all_to_all</c>, with equal sizes: every tensor has the same number of elements).
    /// </summary>
    /// <param name="outputs">One tensor per rank, received.</param>
    /// <param name="inputs">One tensor per rank, sent.</param>
    public void AllToAll(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs) => AllToAllListCore(outputs, inputs, async: false);

    /// <summary>Starts <see cref="AllToAll"/>.</summary>
    /// <param name="outputs">One tensor per rank, received.</param>
    /// <param name="inputs">One tensor per rank, sent.</param>
    /// <returns>The pending operation.</returns>
    public Work AllToAllAsync(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs) => AllToAllListCore(outputs, inputs, async: true);

    /// <summary>
    /// Splits <paramref name="input"/> into <see cref="WorldSize"/> equal consecutive pieces, sends piece r to rank r, and
    /// writes the pieces received into <paramref name="output"/> in rank order (PyTorch's <c>all_to_all_single</c> with equal splits).
    /// </summary>
    /// <param name="output">The received pieces; as many elements as <paramref name="input"/>.</param>
    /// <param name="input">The pieces to send; its element count divisible by <see cref="WorldSize"/>.</param>
    public void AllToAllSingle(Tensor output, Tensor input) => AllToAllSingleCore(output, input, async: false);

    /// <summary>Starts <see cref="AllToAllSingle"/>.</summary>
    /// <param name="output">The received pieces.</param>
    /// <param name="input">The pieces to send.</param>
    /// <returns>The pending operation.</returns>
    public Work AllToAllSingleAsync(Tensor output, Tensor input) => AllToAllSingleCore(output, input, async: true);

    private Work AllToAllSingleCore(Tensor output, Tensor input, bool async)
    {
        const string name = "AllToAll";
        CheckTensors(name, input, [output], nameof(output));
        if (output.NumElements != input.NumElements || input.NumElements % WorldSize != 0)
            throw new ArgumentException($"{name}: input {input.Describe()} and output {output.Describe()} must have the same number of elements, "
                + $"divisible by the group's {WorldSize} rank(s).", nameof(output));
        return Launch(name, async, input, CollectiveSignature.Of(name, input), buffers =>
        {
            var i = buffers.Add(StagedTensor.Input(input));
            var o = buffers.Add(StagedTensor.Output(output, reads: false));
            IntPtr request = Mpi.Ialltoall(i.Pointer, o.Pointer, MpiTypes.Count(name, input.NumElements / WorldSize), MpiTypes.Datatype(input.DType), MpiComm.Comm);
            return (request, o.Finish);
        }, (a, seq) => NcclAllToAll(output, input, a, seq));
    }

    private ThenWork AllToAllListCore(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, bool async)
    {
        const string name = "AllToAll";
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckCount(name, inputs.Count, nameof(inputs));
        CheckCount(name, outputs.Count, nameof(outputs));
        CheckTensors(name, inputs[0], inputs.Concat(outputs), nameof(inputs));
        long n = inputs[0].NumElements;
        if (inputs.Concat(outputs).Any(t => t.NumElements != n))
            throw new ArgumentException($"{name}: every input and output must have {n} element(s) like {inputs[0].Describe()} "
                + "(equal splits; send uneven pieces with Send/Recv).", nameof(inputs));
        Device staging = BackendFor(inputs[0]) == DistributedBackend.Nccl ? inputs[0].Device : Device.Cpu;
        Tensor packed = Pack(inputs, inputs[0]);
        if (staging != Device.Cpu)
        {
            using var host = packed;
            packed = host.To(staging);
        }
        var received = Tensor.Empty([packed.NumElements], packed.DType, packed.Device);
        Work work = AllToAllSingleCore(received, packed, async);
        return new ThenWork(work, () =>
        {
            using (packed)
            using (received)
                Unpack(received, outputs);
        });
    }

    private IReadOnlyList<Tensor> RootList(string collective, Tensor tensor, IReadOnlyList<Tensor>? list, bool root, string role)
    {
        CheckTensors(collective, tensor, root && list is not null ? list : [], role);
        if (!root)
        {
            if (list is { Count: > 0 })
                throw new ArgumentException($"{collective}: {role} is given on rank {Rank}, which is not the root; pass null there.", role);
            return [];
        }
        if (list is null) throw new ArgumentNullException(role, $"{collective}: the root (rank {Rank}) needs {role} with one tensor per rank.");
        CheckCount(collective, list.Count, role);
        foreach (Tensor t in list) CheckSameNumel(collective, tensor, t, role);
        return list;
    }

    private void CheckTimes(string collective, Tensor whole, Tensor piece, string role)
    {
        if (whole.NumElements != WorldSize * piece.NumElements)
            throw new ArgumentException($"{collective}: {role} is {whole.Describe()}, but it must hold {WorldSize} x {piece.NumElements} elements "
                + $"(one piece of {piece.Describe()} per rank of group {Name}).", role);
    }
}
