namespace CudaTensor.NN;

/// <summary>
/// Multi-head attention (PyTorch's <c>nn.MultiheadAttention</c>): the query, key and value are projected, split into
/// <see cref="NumHeads"/> heads of <see cref="HeadDim"/> features, attended with
/// <see cref="Functional.ScaledDotProductAttention"/>, concatenated and projected by <c>out_proj</c>.
/// </summary>
/// <remarks>
/// Parameters carry PyTorch's names: <c>in_proj_weight</c> [3E, E] (or <c>q_proj_weight</c> [E, E], <c>k_proj_weight</c>
/// [E, kdim], <c>v_proj_weight</c> [E, vdim] when kdim or vdim differ from E), <c>in_proj_bias</c> [3E],
/// <c>out_proj.weight</c> and <c>out_proj.bias</c>, so a PyTorch state dict loads. Projection weights start
/// Xavier-uniform and both biases at zero; <c>out_proj.weight</c> has <see cref="Linear"/>'s initialisation. Inputs are
/// [L, N, E] (or [N, L, E] with batchFirst) or unbatched [L, E]. <c>addBiasKv</c> and <c>addZeroAttn</c> are not supported.
/// </remarks>
public sealed class MultiheadAttention : Module
{
    private readonly double _dropout;
    private readonly Generator? _generator;

    /// <summary>Creates the layer; weights are drawn from <paramref name="generator"/> (default: the global generator), as are dropout masks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="dropout"/> is outside [0, 1].</exception>
    /// <exception cref="ArgumentException"><paramref name="embedDim"/> is not divisible by <paramref name="numHeads"/>.</exception>
    /// <exception cref="NotSupportedException"><paramref name="addBiasKv"/> or <paramref name="addZeroAttn"/> is true.</exception>
    public MultiheadAttention(long embedDim, long numHeads, double dropout = 0, bool bias = true, bool addBiasKv = false, bool addZeroAttn = false,
        long? kdim = null, long? vdim = null, bool batchFirst = false, Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        if (!(dropout >= 0 && dropout <= 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiheadAttention: dropout must be in [0, 1].");
        if (embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embedDim ({embedDim}) must be divisible by numHeads ({numHeads}).", nameof(numHeads));
        if (addBiasKv)
            throw new NotSupportedException("MultiheadAttention: addBiasKv (learned bias_k/bias_v appended to the keys and values) is not supported; pass addBiasKv: false.");
        if (addZeroAttn)
            throw new NotSupportedException("MultiheadAttention: addZeroAttn (a zero key/value row appended) is not supported; pass addZeroAttn: false.");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        KDim = kdim ?? embedDim;
        VDim = vdim ?? embedDim;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(KDim, nameof(kdim));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(VDim, nameof(vdim));
        BatchFirst = batchFirst;
        _dropout = dropout;
        _generator = generator;

        if (QkvSameEmbedDim)
        {
            InProjWeight = RegisterParameter("in_proj_weight", Init.XavierUniform(Tensor.Empty([3 * embedDim, embedDim], dtype, device), generator: generator));
        }
        else
        {
            QProjWeight = RegisterParameter("q_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, embedDim], dtype, device), generator: generator));
            KProjWeight = RegisterParameter("k_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, KDim], dtype, device), generator: generator));
            VProjWeight = RegisterParameter("v_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, VDim], dtype, device), generator: generator));
        }
        if (bias) InProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], dtype, device));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, device, dtype, generator));
        if (OutProj.Bias is { } outBias)
        {
            using var noGrad = Autograd.NoGrad();
            outBias.Zero();
        }
    }

    /// <summary>The model dimension E (query features and output features).</summary>
    public long EmbedDim { get; }

    /// <summary>Number of parallel heads.</summary>
    public long NumHeads { get; }

    /// <summary>Features per head: E / numHeads.</summary>
    public long HeadDim { get; }

    /// <summary>Features of the key input.</summary>
    public long KDim { get; }

    /// <summary>Features of the value input.</summary>
    public long VDim { get; }

    /// <summary>Whether inputs and outputs are [N, L, E] rather than [L, N, E].</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability on the attention weights (training only).</summary>
    public double DropoutP => _dropout;

    /// <summary>Whether key and value have E features, so one packed <see cref="InProjWeight"/> holds all three projections.</summary>
    public bool QkvSameEmbedDim => KDim == EmbedDim && VDim == EmbedDim;

    /// <summary>The packed q, k, v projection [3E, E] (null when kdim or vdim differ from E).</summary>
    public Tensor? InProjWeight { get; }

    /// <summary>The query projection [E, E] when kdim or vdim differ from E.</summary>
    public Tensor? QProjWeight { get; }

    /// <summary>The key projection [E, kdim] when kdim or vdim differ from E.</summary>
    public Tensor? KProjWeight { get; }

    /// <summary>The value projection [E, vdim] when kdim or vdim differ from E.</summary>
    public Tensor? VProjWeight { get; }

    /// <summary>The packed q, k, v projection bias [3E] (null without bias).</summary>
    public Tensor? InProjBias { get; }

    /// <summary>The output projection (E → E).</summary>
    public Linear OutProj { get; }

    /// <summary>Self-attention of <paramref name="input"/> (query = key = value) without weights: the output only.</summary>
    public override Tensor Forward(Tensor input)
    {
        var (output, _) = Forward(input, input, input, needWeights: false);
        return output;
    }

    /// <summary>
    /// Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>, as PyTorch's
    /// <c>MultiheadAttention.forward</c>. Returns the output [L, N, E] ([N, L, E] with batchFirst; [L, E] unbatched) and, when
    /// <paramref name="needWeights"/>, the attention weights [N, L, S] averaged over heads (or [N, H, L, S] without
    /// <paramref name="averageAttnWeights"/>; without N unbatched), else null.
    /// </summary>
    /// <param name="query">[L, N, E], [N, L, E] with batchFirst, or [L, E].</param>
    /// <param name="key">[S, N, kdim] (likewise).</param>
    /// <param name="value">[S, N, vdim] (likewise).</param>
    /// <param name="keyPaddingMask">[N, S] (or [S] unbatched): Bool where <c>true</c> marks a key to IGNORE (PyTorch's
    /// convention, the opposite of ScaledDotProductAttention's), or a float mask added to the scores.</param>
    /// <param name="needWeights">Whether to return the attention weights (computed explicitly; otherwise the fused path may run).</param>
    /// <param name="attnMask">[L, S] or [N·H, L, S]: Bool where <c>true</c> means NOT allowed to attend, or a float mask added.</param>
    /// <param name="averageAttnWeights">Average the returned weights over the heads.</param>
    /// <param name="isCausal">A hint that <paramref name="attnMask"/> is the causal mask (it must be given, as in PyTorch); with
    /// no key padding mask and no weights requested the causal flag replaces the mask.</param>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit (the message names the expected and actual shape).</exception>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, bool needWeights = true,
        Tensor? attnMask = null, bool averageAttnWeights = true, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        using var scope = Tensor.NewScope();
        bool batched = CheckShapes(query, key, value, keyPaddingMask, attnMask);
        Functional.CheckParameterMatch(nameof(MultiheadAttention), query, QkvSameEmbedDim ? InProjWeight! : QProjWeight!, QkvSameEmbedDim ? "in_proj_weight" : "q_proj_weight");
        // Work in PyTorch's internal layout [L, N, E].
        Tensor q = query, k = key, v = value;
        Tensor? kpm = keyPaddingMask;
        if (!batched)
        {
            q = query.Unsqueeze(1);
            k = key.Unsqueeze(1);
            v = value.Unsqueeze(1);
            kpm = keyPaddingMask?.Unsqueeze(0);
        }
        else if (BatchFirst)
        {
            q = query.Transpose(0, 1);
            k = ReferenceEquals(key, query) ? q : key.Transpose(0, 1);
            v = ReferenceEquals(value, key) ? k : value.Transpose(0, 1);
        }
        long l = q.Shape[0], n = q.Shape[1], s = k.Shape[0];

        var mask = AttentionMasks.Canonical(attnMask, "attnMask", q.DType, nameof(MultiheadAttention));
        var padding = AttentionMasks.Canonical(kpm, "keyPaddingMask", q.DType, nameof(MultiheadAttention));
        if (isCausal && attnMask is null)
            throw new ArgumentException("MultiheadAttention: isCausal is a hint that attnMask is the causal mask; pass attnMask too (as in PyTorch).", nameof(isCausal));
        bool useCausalFlag = isCausal && padding is null && !needWeights;
        if (useCausalFlag) mask = null;

        var (qp, kp, vp) = Project(query, key, value, q, k, v);
        // [L, N, E] -> [N, H, L, hd]
        var qh = qp.Reshape(l, n, NumHeads, HeadDim).Permute(1, 2, 0, 3);
        var kh = kp.Reshape(s, n, NumHeads, HeadDim).Permute(1, 2, 0, 3);
        var vh = vp.Reshape(s, n, NumHeads, HeadDim).Permute(1, 2, 0, 3);

        // One additive mask broadcastable to [N, H, L, S].
        Tensor? bias = mask is null ? null : mask.Dim == 2 ? mask : mask.Reshape(n, NumHeads, l, s);
        if (padding is not null)
        {
            var pad = padding.Reshape(n, 1, 1, s);
            bias = bias is null ? pad : bias + pad;
        }
        double dropoutP = IsTraining ? _dropout : 0;

        Tensor attended;
        Tensor? weights = null;
        if (needWeights)
        {
            // PyTorch computes the weights explicitly here, with a plain softmax.
            var scores = Tensor.MatMul(qh * (1 / Math.Sqrt(HeadDim)), kh.Transpose(-2, -1));
            if (bias is not null) scores = scores + bias;
            var p = Functional.Dropout(scores.Softmax(-1), dropoutP, training: true, _generator);
            attended = Tensor.MatMul(p, vh);
            weights = averageAttnWeights ? p.Mean(1) : p;
            if (!batched) weights = weights.Squeeze(0);
        }
        else
        {
            attended = Functional.ScaledDotProductAttention(qh, kh, vh, bias, dropoutP, useCausalFlag, generator: _generator);
        }
        // [N, H, L, hd] -> [L, N, E]
        var merged = attended.Permute(2, 0, 1, 3).Reshape(l, n, EmbedDim);
        var output = OutProj.Call(merged);
        if (!batched) output = output.Squeeze(1);
        else if (BatchFirst) output = output.Transpose(0, 1);
        return (scope.MoveToOuter(output), weights is null ? null : scope.MoveToOuter(weights));
    }

    // The q, k, v projections in [L, N, E] layout; self-attention (one tensor for all three) uses one packed product.
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor query, Tensor key, Tensor value, Tensor q, Tensor k, Tensor v)
    {
        long e = EmbedDim;
        Tensor? Bias(int i) => InProjBias?.Narrow(0, i * e, e);
        if (QkvSameEmbedDim)
        {
            var w = InProjWeight!;
            if (ReferenceEquals(query, key) && ReferenceEquals(key, value))
            {
                var packed = Functional.Linear(q, w, InProjBias);
                return (packed.Narrow(-1, 0, e), packed.Narrow(-1, e, e), packed.Narrow(-1, 2 * e, e));
            }
            return (Functional.Linear(q, w.Narrow(0, 0, e), Bias(0)), Functional.Linear(k, w.Narrow(0, e, e), Bias(1)), Functional.Linear(v, w.Narrow(0, 2 * e, e), Bias(2)));
        }
        return (Functional.Linear(q, QProjWeight!, Bias(0)), Functional.Linear(k, KProjWeight!, Bias(1)), Functional.Linear(v, VProjWeight!, Bias(2)));
    }

    // Validates the shapes and reports whether the input is batched (3-D).
    private bool CheckShapes(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask, Tensor? attnMask)
    {
        const string op = nameof(MultiheadAttention);
        string layout = BatchFirst ? "[N, L, E]" : "[L, N, E]";
        if (query.Dim is not (2 or 3))
            throw new ArgumentException($"{op}: expected a query of shape {layout} (or unbatched [L, E]) with E = {EmbedDim}, got shape {Functional.Fmt(query.Shape)}.", nameof(query));
        bool batched = query.Dim == 3;
        if (key.Dim != query.Dim || value.Dim != query.Dim)
            throw new ArgumentException(
                $"{op}: query, key and value must all be {(batched ? "3-D (batched)" : "2-D (unbatched)")}, got shapes {Functional.Fmt(query.Shape)}, {Functional.Fmt(key.Shape)} and {Functional.Fmt(value.Shape)}.", nameof(key));
        if (query.Shape[^1] != EmbedDim)
            throw new ArgumentException($"{op}: expected a query whose last dimension is embedDim = {EmbedDim}, got shape {Functional.Fmt(query.Shape)}.", nameof(query));
        if (key.Shape[^1] != KDim)
            throw new ArgumentException($"{op}: expected a key whose last dimension is kdim = {KDim}, got shape {Functional.Fmt(key.Shape)}.", nameof(key));
        if (value.Shape[^1] != VDim)
            throw new ArgumentException($"{op}: expected a value whose last dimension is vdim = {VDim}, got shape {Functional.Fmt(value.Shape)}.", nameof(value));
        int seqDim = batched && BatchFirst ? 1 : 0;
        if (key.Shape[seqDim] != value.Shape[seqDim] || (batched && key.Shape[1 - seqDim] != value.Shape[1 - seqDim]))
            throw new ArgumentException($"{op}: key and value must have the same sequence length and batch, got shapes {Functional.Fmt(key.Shape)} and {Functional.Fmt(value.Shape)}.", nameof(value));
        long l = query.Shape[seqDim], s = key.Shape[seqDim], n = batched ? query.Shape[1 - seqDim] : 1;
        if (batched && key.Shape[1 - seqDim] != n)
            throw new ArgumentException($"{op}: query and key must have the same batch size, got shapes {Functional.Fmt(query.Shape)} and {Functional.Fmt(key.Shape)}.", nameof(key));
        if (keyPaddingMask is not null)
        {
            long[] expected = batched ? [n, s] : [s];
            if (!keyPaddingMask.Shape.SequenceEqual(expected))
                throw new ArgumentException($"{op}: expected keyPaddingMask of shape {Functional.Fmt(expected)} ([N, S]), got shape {Functional.Fmt(keyPaddingMask.Shape)}.", nameof(keyPaddingMask));
        }
        if (attnMask is not null)
        {
            bool ok = attnMask.Dim == 2 ? attnMask.Shape.SequenceEqual([l, s])
                : attnMask.Dim == 3 && attnMask.Shape.SequenceEqual([n * NumHeads, l, s]);
            if (!ok)
                throw new ArgumentException(
                    $"{op}: expected attnMask of shape [{l}, {s}] ([L, S]) or [{n * NumHeads}, {l}, {s}] ([N·numHeads, L, S]), got shape {Functional.Fmt(attnMask.Shape)}.", nameof(attnMask));
        }
        return batched;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"embed_dim={EmbedDim}, num_heads={NumHeads}, dropout={_dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}, batch_first={(BatchFirst ? "True" : "False")}";
}
