namespace CudaTensor.Compilation;

/// <summary>
/// The passes a captured graph goes through, in order: clean-ups (<see cref="DeadCodeElimination"/>,
/// <see cref="CommonSubexpressionElimination"/>), optimizations (fusion, contributed through
/// <see cref="AddOptimizations"/>), then <see cref="MemoryPlanning"/>, which must run last because it places the
/// temporaries that remain.
/// </summary>
internal static partial class PassPipeline
{
    /// <summary>The passes for <paramref name="options"/>.</summary>
    public static List<IGraphPass> Create(CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var passes = new List<IGraphPass> { new DeadCodeElimination(), new CommonSubexpressionElimination() };
        if (options.Optimize)
        {
            AddOptimizations(passes);
            // Fusion leaves intermediates unread: clean up after it.
            passes.Add(new DeadCodeElimination());
        }
        passes.Add(new MemoryPlanning());
        return passes;
    }

    /// <summary>Runs <paramref name="passes"/> over <paramref name="graph"/> in order.</summary>
    public static void Run(Graph graph, IEnumerable<IGraphPass> passes)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(passes);
        foreach (var pass in passes) pass.Run(graph);
    }

    /// <summary>
    /// Adds the optimizing passes (elementwise fusion and later ones) between the clean-ups and memory planning;
    /// implemented in the file of those passes, absent otherwise.
    /// </summary>
    static partial void AddOptimizations(List<IGraphPass> passes);
}
