using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// nn.EmbeddingBag(10, 3) in float64: mode sum with per-sample weights over 1-D input and offsets (one empty bag),
/// mean with padding_idx 0 and include_last_offset, and max over a 2-D input; outputs and weight gradients.
/// </summary>
internal sealed class EmbeddingBagCase : IReferenceCase
{
    public string Name => "embedding_bag";

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        using var weight0 = randn(10, 3, dtype: float64);
        w.Add("weight", weight0);
        using var input = tensor(new long[] { 1, 2, 4, 5, 4, 3, 2, 9, 0, 7 });
        using var offsets = tensor(new long[] { 0, 3, 3, 7 });
        using var psw = randn(10, dtype: float64);
        w.Add("input", input);
        w.Add("offsets", offsets);
        w.Add("per_sample_weights", psw);

        Run(w, "sum", weight0, bag => bag.forward(input, offsets, psw), EmbeddingBagMode.Sum, false, -1);
        using var lastOffsets = tensor(new long[] { 0, 3, 3, 7, 10 });
        w.Add("last_offsets", lastOffsets);
        Run(w, "mean", weight0, bag => bag.forward(input, lastOffsets, null), EmbeddingBagMode.Mean, true, 0);
        using var input2d = tensor(new long[] { 1, 2, 4, 5, 4, 3, 2, 9, 8 }).reshape(3, 3);
        w.Add("input2d", input2d);
        Run(w, "max", weight0, bag => bag.forward(input2d, null, null), EmbeddingBagMode.Max, false, -1);
    }

    private static void Run(ReferenceWriter w, string key, Tensor weight0, Func<TorchSharp.Modules.EmbeddingBag, Tensor> forward, EmbeddingBagMode mode, bool includeLast, long paddingIdx)
    {
        using var bag = nn.EmbeddingBag(10, 3, mode: mode, include_last_offset: includeLast, padding_index: paddingIdx, dtype: float64);
        using (no_grad()) bag.weight!.copy_(weight0);
        using var y = forward(bag);
        manual_seed(5);
        using var upstream = randn_like(y);
        (y * upstream).sum().backward();
        w.Add($"{key}_upstream", upstream);
        w.Add($"{key}_output", y);
        w.Add($"{key}_grad_weight", bag.weight!.grad!);
    }
}
