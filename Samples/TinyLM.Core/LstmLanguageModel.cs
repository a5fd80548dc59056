using CudaTensor.NN;

namespace CudaTensor.Samples.TinyLM;

/// <summary>A character-level LSTM: token embedding, a stacked LSTM with dropout between layers, a linear head.</summary>
public sealed class LstmLanguageModel : Module, ILanguageModel
{
    private readonly Embedding _tokens;
    private readonly LSTM _lstm;
    private readonly Dropout _dropout;
    private readonly Linear _head;

    public LstmLanguageModel(int vocabulary, int context, int hidden, int layers, double dropout)
    {
        Context = context;
        _tokens = RegisterModule("embedding", new Embedding(vocabulary, hidden));
        _lstm = RegisterModule("lstm", new LSTM(hidden, hidden, numLayers: layers, batchFirst: true, dropout: layers > 1 ? dropout : 0));
        _dropout = RegisterModule("dropout", new Dropout(dropout));
        _head = RegisterModule("head", new Linear(hidden, vocabulary));
    }

    /// <summary>The window length used in training; sampling reads the same length (an LSTM itself takes any).</summary>
    public int Context { get; }

    public override Tensor Forward(Tensor input) => _head.Forward(_dropout.Forward(_lstm.Forward(_tokens.Forward(input))));
}
