using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// Pipeline parallelism: a model cut into consecutive stages, stage r on rank r of <see cref="Group"/>. A training step
/// splits the batch into micro-batches; activations go forward and their gradients backward between neighbouring
/// ranks with send/receive, in the order of a <see cref="PipelineSchedule"/>. After <see cref="Step"/> each rank's stage
/// holds the gradients the unsplit model would have for the mean loss over the batch.
/// </summary>
/// <remarks>
/// The stage is registered as the child <c>stage</c>, so an optimizer over <c>pipeline.Parameters()</c> updates this rank's
/// part. Shapes may change from micro-batch to micro-batch: each activation is preceded by a small header with its
/// shape and dtype.
/// <code>
/// var pipe = new Pipeline([stage0, stage1], world, microBatches: 4, PipelineSchedule.OneFOneB);  // keeps stage[rank]
/// var loss = pipe.Step(world.Rank == 0 ? x : null, y, (output, target) => lossFn.Forward(output, target));
/// optimizer.Step();
/// </code>
/// </remarks>
public sealed class Pipeline : Module
{
    private const int ActivationTag = 11, GradientTag = 12;
    private const int HeaderLength = 10;

    /// <summary>A pipeline whose stage on this rank is <c>stages[group.Rank]</c>; the other entries may be null.</summary>
    /// <param name="stages">One entry per rank of <paramref name="group"/>, in model order.</param>
    /// <param name="group">The pipeline's ranks; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="microBatches">How many pieces a batch is cut into (along dimension 0).</param>
    /// <param name="schedule">The order of forward and backward passes.</param>
    /// <exception cref="ArgumentException">The number of stages differs from the group's size, or this rank's stage is null.</exception>
    public Pipeline(IReadOnlyList<Module?> stages, ProcessGroup? group = null, int microBatches = 1, PipelineSchedule schedule = PipelineSchedule.GPipe)
    {
        ArgumentNullException.ThrowIfNull(stages);
        Group = group ?? ProcessGroup.World;
        if (stages.Count != Group.WorldSize)
            throw new ArgumentException($"Pipeline: {stages.Count} stage(s) for the {Group.WorldSize} rank(s) of group {Group.Name}; pass one stage per rank.", nameof(stages));
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        var mine = stages[Group.Rank]
            ?? throw new ArgumentException($"Pipeline: the stage of rank {Group.Rank} (stages[{Group.Rank}]) is null; each rank must pass its own stage.", nameof(stages));
        Stage = RegisterModule("stage", mine);
        MicroBatches = microBatches;
        Schedule = schedule;
    }

    /// <summary>This rank's stage.</summary>
    public Module Stage { get; }

    /// <summary>The pipeline's ranks (rank r runs stage r).</summary>
    public ProcessGroup Group { get; }

    /// <summary>How many micro-batches a batch is cut into.</summary>
    public int MicroBatches { get; }

    /// <summary>The order of forward and backward passes.</summary>
    public PipelineSchedule Schedule { get; }

    /// <summary>This rank's stage index.</summary>
    public int StageIndex => Group.Rank;

    /// <summary>The number of stages.</summary>
    public int StageCount => Group.WorldSize;

    private bool IsFirst => StageIndex == 0;

    private bool IsLast => StageIndex == StageCount - 1;

    /// <summary>
    /// Runs forward and backward over one batch: gradients accumulate into the stages' parameters (call
    /// <c>ZeroGrad</c> before, the optimizer after), as for the mean of the micro-batches' losses.
    /// </summary>
    /// <param name="input">The batch on the first stage (null on the others).</param>
    /// <param name="target">The targets on the last stage (ignored on the others).</param>
    /// <param name="loss">The loss of a micro-batch's output and targets (a mean over the micro-batch, as the batch's loss is).</param>
    /// <returns>On the last stage the mean loss over the micro-batches (detached); null on the others.</returns>
    /// <exception cref="ArgumentException">The first stage got no input, or the last no target or loss.</exception>
    public Tensor? Step(Tensor? input, Tensor? target, Func<Tensor, Tensor, Tensor>? loss)
    {
        if (IsFirst && input is null) throw new ArgumentException("Pipeline.Step: the first stage (rank 0) needs the input batch.", nameof(input));
        if (IsLast && (target is null || loss is null))
            throw new ArgumentException($"Pipeline.Step: the last stage (rank {StageCount - 1}) needs the targets and the loss function.", nameof(target));
        Tensor[]? inputs = IsFirst ? Split(input!, "input") : null;
        Tensor[]? targets = IsLast ? Split(target!, "target") : null;
        var sends = new List<(Work Work, Tensor Data)>();
        var stageInputs = new Tensor?[MicroBatches];
        var outputs = new Tensor?[MicroBatches];
        double lossSum = 0;
        DType lossType = DType.Float32;
        int forwards = 0, backwards = 0;

        void Forward()
        {
            int m = forwards++;
            Tensor x;
            if (IsFirst)
            {
                x = inputs![m];
            }
            else
            {
                x = ReceiveActivation();
                x.RequiresGrad = x.DType.IsFloatingPoint();
            }
            stageInputs[m] = x;
            var y = Stage.Forward(x);
            if (IsLast)
            {
                var l = loss!(y, targets![m]);
                lossSum += l.ToDouble();
                lossType = l.DType;
                outputs[m] = l / MicroBatches;
            }
            else
            {
                Send(y.Detach(), StageIndex + 1, ActivationTag, header: true);
                outputs[m] = y;
            }
        }

        void Backward()
        {
            int m = backwards++;
            var y = outputs[m]!;
            if (IsLast)
            {
                y.Backward();
            }
            else
            {
                var grad = Tensor.Empty(y.Shape, y.DType, y.Device);
                Group.Recv(grad, StageIndex + 1, GradientTag);
                y.Backward(grad);
            }
            outputs[m] = null;
            if (!IsFirst)
            {
                var x = stageInputs[m]!;
                var g = x.Grad ?? Tensor.ZerosLike(x);
                Send(g, StageIndex - 1, GradientTag, header: false);
            }
            stageInputs[m] = null;
        }

        void Send(Tensor data, int dst, int tag, bool header)
        {
            if (header)
            {
                var h = Header(data);
                sends.Add((Group.SendAsync(h, dst, tag), h));
            }
            var contiguous = data.Contiguous();
            sends.Add((Group.SendAsync(contiguous, dst, tag), contiguous));
        }

        // Sends are asynchronous: a stage may send an activation while its neighbour sends it a gradient (1F1B).
        if (Schedule == PipelineSchedule.GPipe)
        {
            for (int i = 0; i < MicroBatches; i++) Forward();
            for (int i = 0; i < MicroBatches; i++) Backward();
        }
        else
        {
            int warmup = Math.Min(StageCount - StageIndex - 1, MicroBatches);
            for (int i = 0; i < warmup; i++) Forward();
            for (int i = warmup; i < MicroBatches; i++)
            {
                Forward();
                Backward();
            }
            for (int i = 0; i < warmup; i++) Backward();
        }
        foreach (var (work, _) in sends) work.Wait();
        return IsLast ? Tensor.Scalar(lossSum / MicroBatches, lossType) : null;
    }

    private Tensor[] Split(Tensor batch, string what)
    {
        long n = batch.Size(0);
        if (n % MicroBatches != 0)
            throw new ArgumentException($"Pipeline.Step: the {what}'s batch of {n} does not divide into {MicroBatches} equal micro-batches; use a batch size that is a multiple of {MicroBatches}.");
        long part = n / MicroBatches;
        return [.. Enumerable.Range(0, MicroBatches).Select(m => batch.Narrow(0, m * part, part))];
    }

    private static Tensor Header(Tensor data)
    {
        if (data.Dim > HeaderLength - 2) throw new NotSupportedException($"Pipeline: activations have at most {HeaderLength - 2} dimensions, got {data.Describe()}.");
        var h = new long[HeaderLength];
        h[0] = (long)data.DType;
        h[1] = data.Dim;
        for (int d = 0; d < data.Dim; d++) h[2 + d] = data.Size(d);
        return Tensor.FromArray(h, [HeaderLength]);
    }

    private Tensor ReceiveActivation()
    {
        using var header = Tensor.Empty([HeaderLength], DType.Int64);
        Group.Recv(header, StageIndex - 1, ActivationTag);
        long[] h = header.ToArray<long>();
        long[] shape = h.AsSpan(2, (int)h[1]).ToArray();
        // Received where the stage computes: its parameters' device (the rank's default device for a stage without any).
        var device = Stage.Parameters().Select(p => (Device?)p.Device).FirstOrDefault() ?? Group.DefaultDevice;
        var x = Tensor.Empty(shape, (DType)h[0], device);
        Group.Recv(x, StageIndex - 1, ActivationTag);
        return x;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"stage={StageIndex} of {StageCount}, micro_batches={MicroBatches}, schedule={Schedule}";
}
