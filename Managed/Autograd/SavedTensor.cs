namespace CudaTensor.AutogradEngine;

/// <summary>
/// A tensor kept for backward, with the version of its storage at the time it was saved: an in-place write
/// in between makes <see cref="Unpack"/> throw instead of silently computing a wrong gradient.
/// </summary>
internal sealed class SavedTensor
{
    private readonly Node _owner;
    private readonly int _version;
    private Tensor? _tensor;

    public SavedTensor(Tensor tensor, Node owner)
    {
        _owner = owner;
        _version = tensor.Storage.Version;
        // Hold our own view, so the caller may dispose theirs; keep the autograd identity for higher-order grads.
        _tensor = tensor.AliasForAutograd();
    }

    public Tensor Unpack()
    {
        var t = _tensor ?? throw new InvalidOperationException(
            $"Trying to backward through the graph a second time (or to use saved tensors after they were freed) in {_owner.Name}. " +
            "Saved intermediate values are freed when you call Backward() or Autograd.Grad(); pass retainGraph: true the first time " +
            "if you need to backward through the graph again.");
        int now = t.Storage.Version;
        if (now != _version)
            throw new InvalidOperationException(
                $"One of the tensors needed for gradient computation has been modified by an in-place operation: {t.Describe()}, " +
                $"saved by {_owner.Name}, is at version {now}; expected version {_version} instead. " +
                "Use the out-of-place op (e.g. Add instead of AddInPlace) or .Clone() the tensor before modifying it.");
        return t;
    }

    public void Release()
    {
        _tensor?.Dispose();
        _tensor = null;
    }
}
