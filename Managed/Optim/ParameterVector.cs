using CudaTensor.Core;

namespace CudaTensor.Optim;

/// <summary>PyTorch's <c>torch.nn.utils.parameters_to_vector</c> and <c>vector_to_parameters</c>.</summary>
public static class ParameterVector
{
    /// <summary>All parameters flattened and concatenated in order into one new 1-d tensor (no autograd history is kept to them when under NoGrad).</summary>
    /// <exception cref="ArgumentException">No parameters, or parameters on several devices.</exception>
    public static Tensor ParametersToVector(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException("ParametersToVector: got no parameters.", nameof(parameters));
        CheckOneDevice(list, nameof(ParametersToVector));
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(Tensor.Cat(list.Select(p => p.Reshape([-1])).ToList()));
    }

    /// <summary>Copies consecutive slices of <paramref name="vector"/> into the parameters, in place and without autograd.</summary>
    /// <exception cref="ArgumentException">The vector is not 1-d, its length differs from the parameters' total, or devices differ.</exception>
    public static void VectorToParameters(Tensor vector, IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        long total = list.Sum(p => p.NumElements);
        if (vector.Dim != 1 || vector.NumElements != total)
            throw new ArgumentException(
                $"VectorToParameters: expected a 1-d vector of {total} elements (the parameters' total), got {Shapes.Format(vector.Shape)}.", nameof(vector));
        CheckOneDevice([vector, .. list], nameof(VectorToParameters));
        using var noGrad = Autograd.NoGrad();
        using var scope = Tensor.NewScope();
        long offset = 0;
        foreach (var p in list)
        {
            p.CopyFrom(vector.Narrow(0, offset, p.NumElements).Reshape(p.Shape.ToArray()).To(p.DType));
            offset += p.NumElements;
        }
    }

    private static void CheckOneDevice(List<Tensor> tensors, string operation)
    {
        foreach (var t in tensors)
        {
            if (t.Device != tensors[0].Device)
                throw new ArgumentException($"{operation}: all tensors must be on one device; found {tensors[0].Describe()} and {t.Describe()}.");
        }
    }
}
