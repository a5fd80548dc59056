using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// nn.RNN / nn.LSTM / nn.GRU on float64 inputs: the state_dict (PyTorch's names), the input and initial states, the
/// output and final states, and the gradients of Σ output·u + Σ h_n·v (+ Σ c_n·w) with respect to the input, the
/// initial states and every parameter. Unbatched cases run the layer on the input with a batch dimension of 1 added
/// and remove it again, which is how PyTorch defines an unbatched input.
/// </summary>
internal abstract class RecurrentCase(string name, string kind, int layers, bool bidirectional, bool batchFirst, bool withState, bool unbatched, string nonlinearity = "tanh") : IReferenceCase
{
    private const long Seq = 4, Batch = 3, InputSize = 3, Hidden = 4;

    public string Name => name;

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        long dirs = bidirectional ? 2 : 1;
        using var module = Create();
        long[] xShape = unbatched ? [Seq, InputSize] : batchFirst ? [Batch, Seq, InputSize] : [Seq, Batch, InputSize];
        long[] stateShape = unbatched ? [layers * dirs, Hidden] : [layers * dirs, Batch, Hidden];
        using var x = randn(xShape, dtype: float64, requires_grad: true);
        using var h0 = randn(stateShape, dtype: float64, requires_grad: true);
        using var c0 = randn(stateShape, dtype: float64, requires_grad: true);
        var xb = unbatched ? x.unsqueeze(1) : x;
        var h0b = unbatched ? h0.unsqueeze(1) : h0;
        var c0b = unbatched ? c0.unsqueeze(1) : c0;
        Tensor output, hN, cN = null!;
        switch (module)
        {
            case TorchSharp.Modules.LSTM lstm:
                (output, hN, cN) = lstm.forward(xb, withState ? (h0b, c0b) : null);
                break;
            case TorchSharp.Modules.GRU gru:
                (output, hN) = gru.forward(xb, withState ? h0b : null);
                break;
            case TorchSharp.Modules.RNN rnn:
                (output, hN) = rnn.forward(xb, withState ? h0b : null);
                break;
            default: throw new InvalidOperationException(kind);
        }
        if (unbatched)
        {
            output = output.squeeze(1);
            hN = hN.squeeze(1);
            if (cN is not null) cN = cN.squeeze(1);
        }
        using var u = randn(output.shape, dtype: float64);
        using var v = randn(hN.shape, dtype: float64);
        using var cw = randn(hN.shape, dtype: float64);
        var loss = (output * u).sum() + (hN * v).sum();
        if (cN is not null) loss = loss + (cN * cw).sum();
        loss.backward();

        Notes(w, kind, nonlinearity, layers, bidirectional, batchFirst, withState, InputSize, Hidden);
        foreach (var (pname, p) in module.named_parameters())
        {
            w.Add("state." + pname, p);
            w.Add("grad." + pname, p.grad!);
        }
        w.Add("input", x);
        w.Add("upstream_output", u);
        w.Add("upstream_h", v);
        w.Add("output", output);
        w.Add("h_n", hN);
        w.Add("grad_input", x.grad!);
        if (withState)
        {
            w.Add("h0", h0);
            w.Add("grad_h0", h0.grad!);
        }
        if (cN is not null)
        {
            w.Add("upstream_c", cw);
            w.Add("c_n", cN);
            if (withState)
            {
                w.Add("c0", c0);
                w.Add("grad_c0", c0.grad!);
            }
        }
    }

    /// <summary>The layer's configuration, as the tests read it back.</summary>
    internal static void Notes(ReferenceWriter w, string kind, string nonlinearity, int layers, bool bidirectional, bool batchFirst, bool withState, long inputSize, long hidden)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        w.Note("kind", kind);
        w.Note("nonlinearity", nonlinearity);
        w.Note("layers", layers.ToString(c));
        w.Note("bidirectional", bidirectional ? "1" : "0");
        w.Note("batch_first", batchFirst ? "1" : "0");
        w.Note("with_state", withState ? "1" : "0");
        w.Note("input_size", inputSize.ToString(c));
        w.Note("hidden_size", hidden.ToString(c));
    }

    private nn.Module Create() => kind switch
    {
        "lstm" => nn.LSTM(InputSize, Hidden, numLayers: layers, batchFirst: batchFirst, bidirectional: bidirectional, dtype: float64),
        "gru" => nn.GRU(InputSize, Hidden, numLayers: layers, batchFirst: batchFirst, bidirectional: bidirectional, dtype: float64),
        _ => nn.RNN(InputSize, Hidden, numLayers: layers, nonLinearity: nonlinearity == "relu" ? nn.NonLinearities.ReLU : nn.NonLinearities.Tanh,
            batchFirst: batchFirst, bidirectional: bidirectional, dtype: float64),
    };
}

internal sealed class LstmCase() : RecurrentCase("lstm", "lstm", layers: 2, bidirectional: true, batchFirst: false, withState: true, unbatched: false);

internal sealed class LstmBatchFirstCase() : RecurrentCase("lstm_batch_first", "lstm", layers: 2, bidirectional: false, batchFirst: true, withState: false, unbatched: false);

internal sealed class LstmUnbatchedCase() : RecurrentCase("lstm_unbatched", "lstm", layers: 1, bidirectional: true, batchFirst: false, withState: true, unbatched: true);

internal sealed class GruCase() : RecurrentCase("gru", "gru", layers: 2, bidirectional: true, batchFirst: false, withState: true, unbatched: false);

internal sealed class GruBatchFirstCase() : RecurrentCase("gru_batch_first", "gru", layers: 1, bidirectional: true, batchFirst: true, withState: false, unbatched: false);

internal sealed class GruUnbatchedCase() : RecurrentCase("gru_unbatched", "gru", layers: 2, bidirectional: false, batchFirst: false, withState: true, unbatched: true);

internal sealed class RnnCase() : RecurrentCase("rnn", "rnn", layers: 2, bidirectional: true, batchFirst: false, withState: true, unbatched: false);

internal sealed class RnnReluBatchFirstCase() : RecurrentCase("rnn_relu_batch_first", "rnn", layers: 2, bidirectional: false, batchFirst: true, withState: true, unbatched: false, nonlinearity: "relu");

internal sealed class RnnUnbatchedCase() : RecurrentCase("rnn_unbatched", "rnn", layers: 1, bidirectional: false, batchFirst: false, withState: false, unbatched: true);

/// <summary>nn.RNNCell / nn.LSTMCell / nn.GRUCell: one step on a [3, 3] float64 batch from given states; outputs and all gradients.</summary>
internal abstract class RecurrentCellCase(string name, string kind, string nonlinearity = "tanh") : IReferenceCase
{
    public string Name => name;

    public void Write(ReferenceWriter w)
    {
        manual_seed(29);
        using nn.Module cell = kind switch
        {
            "lstm" => nn.LSTMCell(3, 4, dtype: float64),
            "gru" => nn.GRUCell(3, 4, dtype: float64),
            _ => nn.RNNCell(3, 4, nonLinearity: nonlinearity == "relu" ? nn.NonLinearities.ReLU : nn.NonLinearities.Tanh, dtype: float64),
        };
        using var x = randn(3, 3, dtype: float64, requires_grad: true);
        using var h = randn(3, 4, dtype: float64, requires_grad: true);
        using var c = randn(3, 4, dtype: float64, requires_grad: true);
        Tensor h1, c1 = null!;
        switch (cell)
        {
            case TorchSharp.Modules.LSTMCell lstm: (h1, c1) = lstm.forward(x, (h, c)); break;
            case TorchSharp.Modules.GRUCell gru: h1 = gru.forward(x, h); break;
            case TorchSharp.Modules.RNNCell rnn: h1 = rnn.forward(x, h); break;
            default: throw new InvalidOperationException(kind);
        }
        using var v = randn(3, 4, dtype: float64);
        using var cw = randn(3, 4, dtype: float64);
        var loss = (h1 * v).sum();
        if (c1 is not null) loss = loss + (c1 * cw).sum();
        loss.backward();
        w.Note("kind", kind);
        w.Note("nonlinearity", nonlinearity);
        foreach (var (pname, p) in cell.named_parameters())
        {
            w.Add("state." + pname, p);
            w.Add("grad." + pname, p.grad!);
        }
        w.Add("input", x);
        w.Add("h0", h);
        w.Add("upstream_h", v);
        w.Add("h1", h1);
        w.Add("grad_input", x.grad!);
        w.Add("grad_h0", h.grad!);
        if (c1 is not null)
        {
            w.Add("c0", c);
            w.Add("upstream_c", cw);
            w.Add("c1", c1);
            w.Add("grad_c0", c.grad!);
        }
    }
}

internal sealed class LstmCellCase() : RecurrentCellCase("lstm_cell", "lstm");

internal sealed class GruCellCase() : RecurrentCellCase("gru_cell", "gru");

internal sealed class RnnCellReluCase() : RecurrentCellCase("rnn_cell_relu", "rnn", "relu");

/// <summary>
/// An LSTM with projections (PyTorch's proj_size; 2 layers, bidirectional, input 3, hidden 4, proj 2) on [4, 3, 3] float64
/// inputs with initial states h0 [4, 3, 2] and c0 [4, 3, 4]. TorchSharp's nn.LSTM has no proj_size, so the layer is
/// written with libtorch ops exactly as PyTorch defines it — gates = W_ih x + b_ih + W_hh h + b_hh (i, f, g, o),
/// c' = f·c + i·g, h' = W_hr (o·tanh(c')) — on parameters named and shaped as PyTorch's state_dict (weight_hh_l{k} [4H, P],
/// weight_hr_l{k} [P, H], layer 1 reading 2P features). Written like the other layer cases, plus the note proj_size.
/// </summary>
internal sealed class LstmProjCase : IReferenceCase
{
    private const long Seq = 4, Batch = 3, InputSize = 3, Hidden = 4, Proj = 2;
    private const int Layers = 2, Dirs = 2;

    public string Name => "lstm_proj";

    public void Write(ReferenceWriter w)
    {
        manual_seed(41);
        double bound = 1 / Math.Sqrt(Hidden);
        var parameters = new List<(string Name, Tensor Value)>();
        Tensor Param(string name, params long[] shape)
        {
            var t = ((rand(shape, dtype: float64) * 2 - 1) * bound).requires_grad_();
            parameters.Add((name, t));
            return t;
        }
        var weights = new Tensor[Layers * Dirs][];
        for (int layer = 0; layer < Layers; layer++)
        {
            long layerInput = layer == 0 ? InputSize : Proj * Dirs;
            for (int d = 0; d < Dirs; d++)
            {
                string suffix = $"_l{layer}" + (d == 1 ? "_reverse" : "");
                weights[layer * Dirs + d] =
                [
                    Param("weight_ih" + suffix, 4 * Hidden, layerInput), Param("weight_hh" + suffix, 4 * Hidden, Proj),
                    Param("bias_ih" + suffix, 4 * Hidden), Param("bias_hh" + suffix, 4 * Hidden), Param("weight_hr" + suffix, Proj, Hidden),
                ];
            }
        }
        using var x = randn(new long[] { Seq, Batch, InputSize }, dtype: float64, requires_grad: true);
        using var h0 = randn(new long[] { Layers * Dirs, Batch, Proj }, dtype: float64, requires_grad: true);
        using var c0 = randn(new long[] { Layers * Dirs, Batch, Hidden }, dtype: float64, requires_grad: true);
        var layerIn = x;
        var hN = new List<Tensor>();
        var cN = new List<Tensor>();
        for (int layer = 0; layer < Layers; layer++)
        {
            var outs = new Tensor[Dirs];
            for (int d = 0; d < Dirs; d++)
            {
                int index = layer * Dirs + d;
                var p = weights[index];
                var h = h0[index];
                var c = c0[index];
                var steps = new Tensor[Seq];
                for (long s = 0; s < Seq; s++)
                {
                    long t = d == 1 ? Seq - 1 - s : s;
                    var gates = layerIn[t].matmul(p[0].t()) + p[2] + h.matmul(p[1].t()) + p[3];
                    var chunks = gates.chunk(4, 1);
                    c = chunks[1].sigmoid() * c + chunks[0].sigmoid() * chunks[2].tanh();
                    h = (chunks[3].sigmoid() * c.tanh()).matmul(p[4].t());
                    steps[t] = h;
                }
                outs[d] = stack(steps, 0);
                hN.Add(h);
                cN.Add(c);
            }
            layerIn = cat(outs, 2);
        }
        var output = layerIn;
        var hOut = stack(hN, 0);
        var cOut = stack(cN, 0);
        using var u = randn(output.shape, dtype: float64);
        using var v = randn(hOut.shape, dtype: float64);
        using var cw = randn(cOut.shape, dtype: float64);
        ((output * u).sum() + (hOut * v).sum() + (cOut * cw).sum()).backward();

        RecurrentCase.Notes(w, "lstm", "tanh", Layers, bidirectional: true, batchFirst: false, withState: true, InputSize, Hidden);
        w.Note("proj_size", Proj.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (pname, p) in parameters)
        {
            w.Add("state." + pname, p);
            w.Add("grad." + pname, p.grad!);
        }
        w.Add("input", x);
        w.Add("h0", h0);
        w.Add("c0", c0);
        w.Add("upstream_output", u);
        w.Add("upstream_h", v);
        w.Add("upstream_c", cw);
        w.Add("output", output);
        w.Add("h_n", hOut);
        w.Add("c_n", cOut);
        w.Add("grad_input", x.grad!);
        w.Add("grad_h0", h0.grad!);
        w.Add("grad_c0", c0.grad!);
    }
}
