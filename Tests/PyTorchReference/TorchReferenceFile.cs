using System.Globalization;
using CudaTensor.Tests.Support;
using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// One file of PyTorch reference values (Tests/PyTorchReference/Data/{name}.safetensors), written by the case of the same
/// name in tools/TorchReference/Cases from libtorch's results: inputs, weights, outputs, gradients and states under
/// the names the case gave them. Tensors load on the device the test runs on.
/// </summary>
public sealed class TorchReferenceFile : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;
    private readonly IReadOnlyDictionary<string, string> _notes;

    private TorchReferenceFile(Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> notes)
    {
        _tensors = tensors;
        _notes = notes;
    }

    public static TorchReferenceFile Load(string name, Device device)
    {
        string resource = $"CudaTensor.Tests.PyTorchReference.{name}.safetensors";
        using var stream = typeof(TorchReferenceFile).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"no reference file '{name}': run tools/TorchReference to write Tests/PyTorchReference/Data/{name}.safetensors");
        var content = SafeTensors.LoadWithMetadata(stream, device);
        return new TorchReferenceFile(content.Tensors, content.Metadata);
    }

    public IEnumerable<string> Names => _tensors.Keys;

    /// <summary>The tensor written under <paramref name="name"/> (owned by this file: dispose the file, not it).</summary>
    public Tensor this[string name] => _tensors.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"reference has no tensor '{name}'; it has: {string.Join(", ", _tensors.Keys.Order())}");

    /// <summary>The tensor converted to <paramref name="dtype"/> (a new tensor the caller owns).</summary>
    public Tensor Get(string name, DType dtype) => this[name].To(dtype);

    public string Note(string key) => _notes.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"reference has no note '{key}'");

    public double NoteDouble(string key) => double.Parse(Note(key), CultureInfo.InvariantCulture);

    /// <summary>Asserts <paramref name="actual"/> equals the reference tensor <paramref name="name"/> in shape and values.</summary>
    public void AssertClose(string name, Tensor actual, double rtol = 1e-10, double atol = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var expected = this[name];
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(expected.Shape.ToArray()), $"{name}: shape");
        TensorAssert.Close(actual, TensorAssert.ToDoubles(expected), expected.Shape.ToArray(), rtol, atol);
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
    }
}
