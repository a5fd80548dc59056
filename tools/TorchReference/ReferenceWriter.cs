using TorchSharp;
using CT = CudaTensor;

namespace TorchReference;

/// <summary>
/// Collects libtorch tensors under names and saves them as one safetensors file through CudaTensor's own writer, so
/// the tests read exactly what was written. Float tensors keep their dtype; write float64 values when the comparison
/// should not be limited by float32 rounding.
/// </summary>
internal sealed class ReferenceWriter
{
    private readonly Dictionary<string, CT.Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public void Add(string name, torch.Tensor value)
    {
        if (_tensors.ContainsKey(name)) throw new ArgumentException($"'{name}' was written twice", nameof(name));
        using var t = value.detach().cpu().contiguous();
        long[] shape = t.shape;
        _tensors[name] = t.dtype switch
        {
            torch.ScalarType.Float64 => CT.Tensor.FromArray(t.data<double>().ToArray(), shape),
            torch.ScalarType.Float32 => CT.Tensor.FromArray(t.data<float>().ToArray(), shape),
            torch.ScalarType.Int64 => CT.Tensor.FromArray(t.data<long>().ToArray(), shape),
            torch.ScalarType.Int32 => CT.Tensor.FromArray(t.data<int>().ToArray(), shape),
            torch.ScalarType.Bool => CT.Tensor.FromArray(t.data<bool>().ToArray(), shape),
            _ => throw new NotSupportedException($"'{name}': dtype {t.dtype} is not written"),
        };
    }

    /// <summary>A scalar setting of the case (a learning rate, a flag), readable by the test.</summary>
    public void Note(string key, string value) => _metadata[key] = value;

    public void Save(string path)
    {
        _metadata["generator"] = $"tools/TorchReference, TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}";
        CudaTensor.Serialization.SafeTensors.Save(_tensors, path, _metadata);
        foreach (var t in _tensors.Values) t.Dispose();
    }
}
