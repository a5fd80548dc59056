namespace CudaTensor.NN;

/// <summary>The recurrence a layer or cell computes; it fixes the number of gates stacked in the weights.</summary>
internal enum RecurrentMode
{
    /// <summary>h' = tanh(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnTanh,

    /// <summary>h' = relu(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnRelu,

    /// <summary>Four gates in PyTorch's order i, f, g, o, and a cell state.</summary>
    Lstm,

    /// <summary>Three gates in PyTorch's order r, z, n.</summary>
    Gru,
}

internal static class RecurrentModes
{
    /// <summary>How many [hidden, ...] blocks the weights stack (PyTorch's gate_size / hidden_size).</summary>
    public static int Gates(this RecurrentMode mode) => mode switch
    {
        RecurrentMode.Lstm => 4,
        RecurrentMode.Gru => 3,
        _ => 1,
    };

    /// <summary>The layer's name in messages (the module's type name).</summary>
    public static string LayerName(this RecurrentMode mode) => mode switch
    {
        RecurrentMode.Lstm => "LSTM",
        RecurrentMode.Gru => "GRU",
        _ => "RNN",
    };

    /// <summary>Parses RNN's nonlinearity argument ("tanh" or "relu", as PyTorch).</summary>
    public static RecurrentMode FromNonlinearity(string nonlinearity, string layer) => nonlinearity switch
    {
        "tanh" => RecurrentMode.RnnTanh,
        "relu" => RecurrentMode.RnnRelu,
        _ => throw new ArgumentException($"{layer}: unknown nonlinearity '{nonlinearity}'; use \"tanh\" or \"relu\".", nameof(nonlinearity)),
    };
}
