namespace TorchReference;

/// <summary>
/// One reference file: a case computes a layer, function or optimizer with libtorch on inputs and weights it draws
/// itself, and writes inputs, weights and every result the tests compare (outputs, gradients, states) to the writer.
/// The tests load the file, run CudaTensor on the same inputs and weights, and compare.
/// </summary>
internal interface IReferenceCase
{
    /// <summary>File name without extension: Tests/PyTorchReference/Data/{Name}.safetensors.</summary>
    string Name { get; }

    void Write(ReferenceWriter writer);
}
