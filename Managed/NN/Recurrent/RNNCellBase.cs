namespace CudaTensor.NN;

/// <summary>
/// What <see cref="RNNCell"/>, <see cref="LSTMCell"/> and <see cref="GRUCell"/> share (PyTorch's <c>nn.RNNCellBase</c>):
/// one time step, with parameters <c>weight_ih</c> [G·H, in], <c>weight_hh</c> [G·H, H], <c>bias_ih</c> and
/// <c>bias_hh</c> [G·H] initialised U(-1/√H, 1/√H), and the input checks. A cell is composed from differentiable
/// tensor ops, so gradients of gradients work.
/// </summary>
public abstract class RNNCellBase : Module
{
    private protected RNNCellBase(RecurrentMode mode, long inputSize, long hiddenSize, bool bias, Device? device, DType? dtype, Generator? generator)
    {
        RecurrentWeights.CheckSizes(mode.LayerName() + "Cell", inputSize, hiddenSize);
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        long gateSize = mode.Gates() * hiddenSize;
        WeightIh = RegisterParameter("weight_ih", Uniform([gateSize, inputSize]));
        WeightHh = RegisterParameter("weight_hh", Uniform([gateSize, hiddenSize]));
        if (bias)
        {
            BiasIh = RegisterParameter("bias_ih", Uniform([gateSize]));
            BiasHh = RegisterParameter("bias_hh", Uniform([gateSize]));
        }

        Tensor Uniform(long[] shape) => RecurrentWeights.Uniform(shape, hiddenSize, dtype, device, generator);
    }

    internal RecurrentMode Mode { get; }

    /// <summary>Number of input features.</summary>
    public long InputSize { get; }

    /// <summary>Number of features of the hidden state.</summary>
    public long HiddenSize { get; }

    /// <summary>weight_ih, [G·H, in] (G = 1, 4 (i, f, g, o) or 3 (r, z, n)).</summary>
    public Tensor WeightIh { get; }

    /// <summary>weight_hh, [G·H, H].</summary>
    public Tensor WeightHh { get; }

    /// <summary>bias_ih, [G·H], or null when created with <c>bias: false</c>.</summary>
    public Tensor? BiasIh { get; }

    /// <summary>bias_hh, [G·H], or null when created with <c>bias: false</c>.</summary>
    public Tensor? BiasHh { get; }

    /// <summary>
    /// One step from <paramref name="input"/> [B, in] or unbatched [in] and the states (zeros when null, else of shape
    /// [B, H] or [H] like the input): h' and, for the LSTM cell, c'.
    /// </summary>
    private protected (Tensor H, Tensor? C) Step(Tensor input, Tensor? hx, Tensor? cx)
    {
        ArgumentNullException.ThrowIfNull(input);
        Functional.CheckParameterMatch(TypeName, input, WeightIh, "weight_ih");
        if (input.Dim is not (1 or 2) || input.Shape[^1] != InputSize)
            throw new ArgumentException(
                $"{TypeName}: expected an input of shape [batch, {InputSize}] or, unbatched, [{InputSize}] (input_size = {InputSize}), got {Functional.Fmt(input.Shape)}.", nameof(input));
        bool batched = input.Dim == 2;
        using var scope = Tensor.NewScope();
        var x = batched ? input : input.Unsqueeze(0);
        long[] stateShape = batched ? [input.Shape[0], HiddenSize] : [HiddenSize];
        var h = State(hx, Mode == RecurrentMode.Lstm ? "hx.H" : "hx", stateShape, input, batched);
        var c = Mode == RecurrentMode.Lstm ? State(cx, "hx.C", stateShape, input, batched) : null;
        var (h1, c1) = RecurrentComposed.Cell(Mode, x, h, c, WeightIh, WeightHh, BiasIh, BiasHh);
        if (!batched)
        {
            h1 = h1.Squeeze(0);
            c1 = c1?.Squeeze(0);
        }
        return (scope.MoveToOuter(h1), c1 is null ? null : scope.MoveToOuter(c1));
    }

    private Tensor State(Tensor? state, string name, long[] expected, Tensor input, bool batched)
    {
        if (state is null) return Tensor.Zeros(batched ? expected : [1, expected[0]], input.DType, input.Device);
        if (!state.Shape.SequenceEqual(expected))
            throw new ArgumentException(
                $"{TypeName}: expected the state {name} of shape {Functional.Fmt(expected)} ({(batched ? "[batch, hidden_size]" : "[hidden_size]")} for an input of shape {Functional.Fmt(input.Shape)}), got {Functional.Fmt(state.Shape)}.",
                name);
        Functional.CheckParameterMatch(TypeName, state, WeightIh, "weight_ih");
        return batched ? state : state.Unsqueeze(0);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{InputSize}, {HiddenSize}" + (BiasIh is null ? ", bias=False" : "");
}
