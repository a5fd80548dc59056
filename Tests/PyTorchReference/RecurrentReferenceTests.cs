using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// RNN, LSTM and GRU against libtorch (tools/TorchReference/Cases/RecurrentCases.cs): the state_dict loads under PyTorch's
/// names, then outputs, final states and the gradients of the input, the initial states and every parameter match.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class RecurrentReferenceTests(Device device)
{
    [TestCase("lstm")]
    [TestCase("lstm_batch_first")]
    [TestCase("lstm_unbatched")]
    [TestCase("lstm_proj")]
    [TestCase("gru")]
    [TestCase("gru_batch_first")]
    [TestCase("gru_unbatched")]
    [TestCase("rnn")]
    [TestCase("rnn_relu_batch_first")]
    [TestCase("rnn_unbatched")]
    public void LayerMatchesPyTorch(string name)
    {
        using var r = TorchReferenceFile.Load(name, device);
        string kind = r.Note("kind");
        int layers = (int)r.NoteDouble("layers");
        bool bidirectional = r.Note("bidirectional") == "1", batchFirst = r.Note("batch_first") == "1", withState = r.Note("with_state") == "1";
        long inputSize = (long)r.NoteDouble("input_size"), hidden = (long)r.NoteDouble("hidden_size");
        long proj = name == "lstm_proj" ? (long)r.NoteDouble("proj_size") : 0; // PyTorch's proj_size
        using RNNBase layer = kind switch
        {
            "lstm" => new LSTM(inputSize, hidden, layers, batchFirst: batchFirst, bidirectional: bidirectional, projSize: proj, device: device, dtype: DType.Float64),
            "gru" => new GRU(inputSize, hidden, layers, batchFirst: batchFirst, bidirectional: bidirectional, device: device, dtype: DType.Float64),
            _ => new RNN(inputSize, hidden, layers, nonlinearity: r.Note("nonlinearity"), batchFirst: batchFirst, bidirectional: bidirectional, device: device, dtype: DType.Float64),
        };
        var state = r.Names.Where(n => n.StartsWith("state.", StringComparison.Ordinal)).ToDictionary(n => n["state.".Length..], n => r[n]);
        var result = layer.LoadStateDict(state);
        Assert.That(result.MissingKeys, Is.Empty);
        Assert.That(result.UnexpectedKeys, Is.Empty);

        using var scope = Tensor.NewScope();
        var x = r["input"].Detach();
        x.RequiresGrad = true;
        Tensor? h0 = null, c0 = null;
        if (withState)
        {
            h0 = r["h0"].Detach();
            h0.RequiresGrad = true;
            if (kind == "lstm")
            {
                c0 = r["c0"].Detach();
                c0.RequiresGrad = true;
            }
        }
        Tensor output, hN, cN = null!;
        switch (layer)
        {
            case LSTM lstm:
                (output, (hN, cN)) = lstm.Forward(x, withState ? (h0!, c0!) : null);
                break;
            case GRU gru:
                (output, hN) = gru.Forward(x, h0);
                break;
            default:
                (output, hN) = ((RNN)layer).Forward(x, h0);
                break;
        }
        var loss = (output * r["upstream_output"]).Sum() + (hN * r["upstream_h"]).Sum();
        if (kind == "lstm") loss += (cN * r["upstream_c"]).Sum();
        loss.Backward();

        r.AssertClose("output", output);
        r.AssertClose("h_n", hN);
        r.AssertClose("grad_input", x.Grad!);
        if (kind == "lstm") r.AssertClose("c_n", cN);
        if (withState)
        {
            r.AssertClose("grad_h0", h0!.Grad!);
            if (kind == "lstm") r.AssertClose("grad_c0", c0!.Grad!);
        }
        foreach (var (pname, p) in layer.NamedParameters()) r.AssertClose("grad." + pname, p.Grad!);
        // The single-tensor form gives the same sequence (from zero states when the reference had none).
        if (!withState) r.AssertClose("output", layer.Forward(x));
    }

    [TestCase("lstm_cell")]
    [TestCase("gru_cell")]
    [TestCase("rnn_cell_relu")]
    public void CellMatchesPyTorch(string name)
    {
        using var r = TorchReferenceFile.Load(name, device);
        string kind = r.Note("kind");
        using RNNCellBase cell = kind switch
        {
            "lstm" => new LSTMCell(3, 4, device: device, dtype: DType.Float64),
            "gru" => new GRUCell(3, 4, device: device, dtype: DType.Float64),
            _ => new RNNCell(3, 4, nonlinearity: r.Note("nonlinearity"), device: device, dtype: DType.Float64),
        };
        var state = r.Names.Where(n => n.StartsWith("state.", StringComparison.Ordinal)).ToDictionary(n => n["state.".Length..], n => r[n]);
        cell.LoadStateDict(state);
        using var scope = Tensor.NewScope();
        var x = r["input"].Detach();
        x.RequiresGrad = true;
        var h0 = r["h0"].Detach();
        h0.RequiresGrad = true;
        Tensor h1, c1 = null!, c0 = null!;
        switch (cell)
        {
            case LSTMCell lstm:
                c0 = r["c0"].Detach();
                c0.RequiresGrad = true;
                (h1, c1) = lstm.Forward(x, (h0, c0));
                break;
            case GRUCell gru: h1 = gru.Forward(x, h0); break;
            default: h1 = ((RNNCell)cell).Forward(x, h0); break;
        }
        var loss = (h1 * r["upstream_h"]).Sum();
        if (kind == "lstm") loss += (c1 * r["upstream_c"]).Sum();
        loss.Backward();
        r.AssertClose("h1", h1);
        r.AssertClose("grad_input", x.Grad!);
        r.AssertClose("grad_h0", h0.Grad!);
        if (kind == "lstm")
        {
            r.AssertClose("c1", c1);
            r.AssertClose("grad_c0", c0.Grad!);
        }
        foreach (var (pname, p) in cell.NamedParameters()) r.AssertClose("grad." + pname, p.Grad!);
    }
}
