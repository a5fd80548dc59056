namespace CudaTensor.Distributed;

/// <summary>
/// How <see cref="ProcessGroup.AllReduce"/>, <see cref="ProcessGroup.Reduce"/> and
/// <see cref="ProcessGroup.ReduceScatter(Tensor, IReadOnlyList{Tensor}, ReduceOp)"/> combine the ranks' values
/// (PyTorch's <c>ReduceOp</c>). On <see cref="DType.Bool"/> tensors Sum and Max are a logical or, Product and Min a
/// logical and.
/// </summary>
public enum ReduceOp
{
    /// <summary>The sum over ranks (the default).</summary>
    Sum,

    /// <summary>The mean over ranks: the sum divided by the group's size; floating-point dtypes only.</summary>
    Avg,

    /// <summary>The product over ranks.</summary>
    Product,

    /// <summary>The elementwise minimum over ranks.</summary>
    Min,

    /// <summary>The elementwise maximum over ranks.</summary>
    Max,
}
