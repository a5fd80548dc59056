namespace CudaTensor.AutogradEngine;

/// <summary>A node whose backward formula is a closure written next to the op's derivative in <see cref="Derivatives"/>.</summary>
internal sealed class FunctionNode(string name, bool isView = false) : Node
{
    public override string Name => name;

    /// <summary>Whether the forward op returned a view of its input (in-place ops on such outputs are refused).</summary>
    public bool IsView { get; } = isView;

    public Func<Tensor, Tensor?[]>? Formula { get; set; }

    /// <summary>For views: the storage version when the view was taken (a later in-place write makes the view's history stale).</summary>
    public int ViewVersion { get; set; }

    internal override Tensor?[] Apply(Tensor grad) => Formula!(grad);
}
