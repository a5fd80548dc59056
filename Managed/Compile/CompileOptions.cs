using CudaTensor.Compilation;
namespace CudaTensor;

/// <summary>Options of <see cref="Compile.Function(Func{Tensor, Tensor}, CompileOptions?)"/> and <see cref="Compile.Module"/>.</summary>
public sealed class CompileOptions
{
    /// <summary>
    /// What to do with a signature whose body cannot be captured (a host read such as <c>Item</c>, a hook, an output
    /// carrying an autograd graph): true (the default) runs it eagerly, warning once through <see cref="Warn"/>;
    /// false throws <see cref="CompilationException"/> naming the op.
    /// </summary>
    public bool FallbackToEager { get; init; } = true;

    /// <summary>How many signatures keep a captured graph (least recently used first out); default 8.</summary>
    public int CacheSize { get; init; } = 8;

    /// <summary>Whether the optimizing passes (fusion) run; the clean-ups and memory planning always do. Default true.</summary>
    public bool Optimize { get; init; } = true;

    /// <summary>
    /// Whether a signature whose captured work is all on one CUDA device replays as one CUDA graph (PyTorch's
    /// <c>torch.compile(mode="reduce-overhead")</c>): from the second replay each call is one <c>cuGraphLaunch</c>, with
    /// the arguments copied into static buffers and the outputs copied out. Host numbers that change at every call
    /// (random draws, a non-capturable Adam's step count) keep that signature on node-by-node replay, with the reason in
    /// <see cref="Compile.Explain"/>; use <c>Adam(..., capturable: true)</c> for training steps. Default true.
    /// </summary>
    public bool CudaGraphs { get; init; } = true;

    /// <summary>Receives the one-time warnings of eager fallbacks; null writes them to standard error.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The defaults.</summary>
    public static CompileOptions Default { get; } = new();

    internal void Validate()
    {
        if (CacheSize < 1)
            throw new ArgumentOutOfRangeException(nameof(CacheSize), CacheSize, "CompileOptions: CacheSize must be at least 1.");
    }
}
