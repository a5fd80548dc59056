using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// What <see cref="RNN"/>, <see cref="LSTM"/> and <see cref="GRU"/> share (PyTorch's <c>nn.RNNBase</c>): the
/// constructor arguments, the parameters <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c>, the LSTM's <c>weight_hr_l{k}</c> with projections (and <c>..._reverse</c> for the second
/// direction) with PyTorch's shapes and gate order, the input checks and the loop over layers and directions.
/// </summary>
/// <remarks>
/// Each layer and direction runs as one autograd node: one GEMM projects the inputs of all time steps, each step adds
/// one GEMM with the recurrent weight and an in-place elementwise pass, and the backward pass runs the steps in
/// reverse and forms the weight gradients with one GEMM each. Inputs are [T, B, in] (or [B, T, in] with
/// <see cref="BatchFirst"/>), or [T, in] unbatched; states are [numLayers·D, B, H] (or [numLayers·D, H]) with D = 2
/// when bidirectional.
/// </remarks>
public abstract class RNNBase : Module
{
    private readonly Tensor[][] _weights; // per layer·D + direction: weight_ih, weight_hh, bias_ih?, bias_hh?, weight_hr?
    private readonly Generator? _generator;

    private protected RNNBase(RecurrentMode mode, long inputSize, long hiddenSize, int numLayers, bool bias, bool batchFirst, double dropout,
        bool bidirectional, Device? device, DType? dtype, Generator? generator, long projSize = 0)
    {
        string name = mode.LayerName();
        RecurrentWeights.CheckSizes(name, inputSize, hiddenSize);
        if (projSize < 0 || (projSize > 0 && projSize >= hiddenSize))
            throw new ArgumentOutOfRangeException(nameof(projSize), projSize, $"{name}: projSize must be 0 (no projection) or in [1, hiddenSize = {hiddenSize}).");
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, $"{name}: numLayers must be positive.");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{name}: dropout must be a probability in [0, 1].");
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        HasBias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        ProjSize = projSize;
        _generator = generator;
        int directions = bidirectional ? 2 : 1;
        long gateSize = mode.Gates() * hiddenSize, outWidth = OutputSize;
        _weights = new Tensor[numLayers * directions][];
        for (int layer = 0; layer < numLayers; layer++)
        {
            long layerInput = layer == 0 ? inputSize : outWidth * directions;
            for (int d = 0; d < directions; d++)
            {
                string suffix = "_l" + layer.ToString(CultureInfo.InvariantCulture) + (d == 1 ? "_reverse" : "");
                var list = new List<Tensor>
                {
                    RegisterParameter("weight_ih" + suffix, Uniform([gateSize, layerInput])),
                    RegisterParameter("weight_hh" + suffix, Uniform([gateSize, outWidth])),
                };
                if (bias)
                {
                    list.Add(RegisterParameter("bias_ih" + suffix, Uniform([gateSize])));
                    list.Add(RegisterParameter("bias_hh" + suffix, Uniform([gateSize])));
                }
                if (projSize > 0) list.Add(RegisterParameter("weight_hr" + suffix, Uniform([projSize, hiddenSize])));
                _weights[layer * directions + d] = [.. list];
            }
        }

        Tensor Uniform(long[] shape) => RecurrentWeights.Uniform(shape, hiddenSize, dtype, device, generator);
    }

    internal RecurrentMode Mode { get; }

    /// <summary>Number of features of each input step.</summary>
    public long InputSize { get; }

    /// <summary>Number of features of the hidden state.</summary>
    public long HiddenSize { get; }

    /// <summary>Number of stacked layers; each after the first reads the previous layer's output sequence.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have <c>bias_ih</c> and <c>bias_hh</c>.</summary>
    public bool HasBias { get; }

    /// <summary>Whether inputs and outputs are [B, T, features] instead of [T, B, features] (states stay [layers·D, B, H]).</summary>
    public bool BatchFirst { get; }

    /// <summary>Dropout probability applied to the output of every layer except the last, in training mode only.</summary>
    public double Dropout { get; }

    /// <summary>Whether each layer also runs from the last step to the first; outputs then concatenate both directions (2·H features).</summary>
    public bool Bidirectional { get; }

    /// <summary>The LSTM's projection size P (PyTorch's <c>proj_size</c>): h and the outputs have P features instead of H; 0 without projection.</summary>
    public long ProjSize { get; }

    // Features of h and of each direction's output: P with projections, else H.
    private long OutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>The weight_ih of layer <paramref name="layer"/> ([G·H, in]; G = 1, 4 (i, f, g, o) or 3 (r, z, n)), of the reverse direction when <paramref name="reverse"/>.</summary>
    public Tensor WeightIh(int layer, bool reverse = false) => Weights(layer, reverse)[0];

    /// <summary>The weight_hh of layer <paramref name="layer"/> ([G·H, H], or [4H, P] with projections).</summary>
    public Tensor WeightHh(int layer, bool reverse = false) => Weights(layer, reverse)[1];

    /// <summary>The bias_ih of layer <paramref name="layer"/> ([G·H]), or null without bias.</summary>
    public Tensor? BiasIh(int layer, bool reverse = false) => HasBias ? Weights(layer, reverse)[2] : null;

    /// <summary>The bias_hh of layer <paramref name="layer"/> ([G·H]), or null without bias.</summary>
    public Tensor? BiasHh(int layer, bool reverse = false) => HasBias ? Weights(layer, reverse)[3] : null;

    /// <summary>The LSTM's projection weight_hr of layer <paramref name="layer"/> ([P, H]), or null without projection.</summary>
    public Tensor? WeightHr(int layer, bool reverse = false) => ProjSize > 0 ? Weights(layer, reverse)[^1] : null;

    private Tensor[] Weights(int layer, bool reverse)
    {
        if (layer < 0 || layer >= NumLayers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{TypeName}: layer must be in [0, {NumLayers}).");
        if (reverse && !Bidirectional) throw new ArgumentException($"{TypeName}: the layer is not bidirectional, so it has no reverse weights.", nameof(reverse));
        return _weights[layer * (Bidirectional ? 2 : 1) + (reverse ? 1 : 0)];
    }

    /// <summary>
    /// The output sequence [T, B, D·H] ([B, T, D·H] with batchFirst, [T, D·H] unbatched; P instead of H for an LSTM with
    /// projections) from zero initial states; the final states are dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The input's shape, dtype or device does not fit the layer.</exception>
    public override Tensor Forward(Tensor input)
    {
        var (output, hN, cN) = Run(input, null, null);
        hN.Dispose();
        cN?.Dispose();
        return output;
    }

    /// <summary>
    /// Runs every layer and direction. <paramref name="h0"/> and <paramref name="c0"/> (LSTM) are the initial states
    /// (zeros when null); returns the output sequence, h_n and c_n (null except for the LSTM).
    /// </summary>
    private protected (Tensor Output, Tensor HN, Tensor? CN) Run(Tensor input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool lstm = Mode == RecurrentMode.Lstm;
        int directions = Bidirectional ? 2 : 1;
        var weight = _weights[0][0];
        Functional.CheckParameterMatch(TypeName, input, weight, "weight_ih_l0");
        bool batched = input.Dim == 3;
        if (input.Dim is not (2 or 3) || input.Shape[^1] != InputSize || input.Shape[batched && BatchFirst ? 1 : 0] == 0)
        {
            string layout = BatchFirst ? "[batch, seq_len, " : "[seq_len, batch, ";
            throw new ArgumentException(
                $"{TypeName}: expected an input of shape {layout}{InputSize}] or, unbatched, [seq_len, {InputSize}] with seq_len > 0 " +
                $"(input_size = {InputSize}), got {Functional.Fmt(input.Shape)}.", nameof(input));
        }
        using var scope = Tensor.NewScope();
        var x = !batched ? input.Unsqueeze(1) : BatchFirst ? input.Transpose(0, 1) : input;
        long batch = x.Shape[1], outWidth = OutputSize;
        long[] StateShape(long features) => batched ? [NumLayers * directions, batch, features] : [NumLayers * directions, features];
        var hx = PrepareState(h0, lstm ? "h0" : "hx", StateShape(outWidth), input, batched);
        var cx = lstm ? PrepareState(c0, "c0", StateShape(HiddenSize), input, batched) : null;

        var hN = new List<Tensor>();
        var cN = new List<Tensor>();
        var layerInput = x;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var outputs = new Tensor[directions];
            for (int d = 0; d < directions; d++)
            {
                int index = layer * directions + d;
                var w = _weights[index];
                var packed = RecurrentSequence.Forward(Mode, layerInput, hx.Select(0, index), cx?.Select(0, index), w[0], w[1],
                    HasBias ? w[2] : null, HasBias ? w[3] : null, reverse: d == 1, wHr: ProjSize > 0 ? w[^1] : null);
                long steps = layerInput.Shape[0];
                // With projections the packed rows hold h in their first P features (RecurrentSequence).
                var hs = ProjSize > 0 ? packed.Narrow(2, 0, outWidth) : packed;
                outputs[d] = hs.Narrow(0, 0, steps);
                hN.Add(hs.Select(0, steps));
                if (lstm) cN.Add(packed.Select(0, steps + 1));
            }
            layerInput = directions == 1 ? outputs[0] : Tensor.Cat(outputs, 2);
            if (layer < NumLayers - 1 && Dropout > 0 && IsTraining)
                layerInput = Functional.Dropout(layerInput, Dropout, training: true, _generator);
        }
        var output = !batched ? layerInput.Squeeze(1) : BatchFirst ? layerInput.Transpose(0, 1) : layerInput;
        var hOut = Tensor.Stack(hN, 0);
        var cOut = lstm ? Tensor.Stack(cN, 0) : null;
        if (!batched)
        {
            // States [layers·D, 1, H] -> [layers·D, H].
            hOut = hOut.Squeeze(1);
            cOut = cOut?.Squeeze(1);
        }
        return (scope.MoveToOuter(output), scope.MoveToOuter(hOut), cOut is null ? null : scope.MoveToOuter(cOut));
    }

    // The initial state as [layers·D, B, H] (zeros when not given), checked against the shape PyTorch expects.
    private Tensor PrepareState(Tensor? state, string name, long[] expected, Tensor input, bool batched)
    {
        if (state is null)
        {
            long[] shape = batched ? expected : [expected[0], 1, expected[1]];
            return Tensor.Zeros(shape, input.DType, input.Device);
        }
        if (!state.Shape.SequenceEqual(expected))
        {
            throw new ArgumentException(
                $"{TypeName}: expected the initial state {name} of shape {Functional.Fmt(expected)} ([num_layers * num_directions, " +
                (batched ? "batch, " : "") + $"{(name == "h0" && ProjSize > 0 ? "proj_size" : "hidden_size")}] for a{(batched ? " batched" : "n unbatched")} input of shape {Functional.Fmt(input.Shape)}), got {Functional.Fmt(state.Shape)}.",
                name);
        }
        Functional.CheckParameterMatch(TypeName, state, _weights[0][0], "weight_ih_l0");
        return batched ? state : state.Unsqueeze(1);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
    {
        var s = $"{InputSize}, {HiddenSize}";
        if (NumLayers != 1) s += $", num_layers={NumLayers}";
        if (!HasBias) s += ", bias=False";
        if (BatchFirst) s += ", batch_first=True";
        if (Dropout != 0) s += ", dropout=" + Dropout.ToString(CultureInfo.InvariantCulture);
        if (Bidirectional) s += ", bidirectional=True";
        if (ProjSize > 0) s += ", proj_size=" + ProjSize.ToString(CultureInfo.InvariantCulture);
        return s;
    }
}
