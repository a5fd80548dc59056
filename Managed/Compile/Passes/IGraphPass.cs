namespace CudaTensor.Compilation;

/// <summary>
/// One rewrite of a captured <see cref="Graph"/> (see <see cref="PassPipeline"/>). A pass keeps the graph's
/// observable effect: the values of outputs, of every input, state and persistent buffer after the call, and the
/// host effects of live nodes in program order. It may add lines to <see cref="Graph.Notes"/> for reports.
/// </summary>
internal interface IGraphPass
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>Rewrites <paramref name="graph"/> in place.</summary>
    void Run(Graph graph);
}
