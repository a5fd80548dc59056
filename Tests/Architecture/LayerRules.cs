namespace CudaTensor.Tests.Architecture;

/// <summary>
/// One rung of the layer order: the folders under <c>Managed/</c> it holds (a folder holds its sub-folders unless
/// those are listed themselves). Folders of one layer may name each other, unless <paramref name="Independent"/>:
/// then none of them names another (the CPU and CUDA backends).
/// </summary>
internal sealed record Layer(string Name, string[] Folders, bool Independent = false);

/// <summary>A reference that breaks the layer order, as the test reports it.</summary>
internal sealed record LayerViolation(string Reference, string Rule)
{
    public override string ToString() => $"{Reference}: {Rule}";
}

/// <summary>
/// Checks type uses against a layer order written bottom to top: a folder may name its own layer and the layers below,
/// never one above; the folders of an independent layer do not name each other; every type lives in a listed folder.
/// </summary>
internal static class LayerRules
{
    /// <summary>Every use that breaks a rule, and every type whose folder is in no layer; empty when the layering holds.</summary>
    public static IReadOnlyList<LayerViolation> Check(IReadOnlyList<Layer> order,
        IReadOnlyDictionary<string, IReadOnlyList<string>> typeFolders, IEnumerable<TypeUse> uses)
    {
        var violations = new List<LayerViolation>();
        foreach (var (type, folders) in typeFolders.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (folders.Count == 0)
                violations.Add(new LayerViolation(Short(type), "no source file under Managed/ (generated code needs a home)"));
            foreach (var folder in folders.Where(f => Place(order, f) is null))
                violations.Add(new LayerViolation($"{folder}/{Short(type)}",
                    $"folder '{folder}' is in no layer: add it to LayeringTests.Order"));
        }

        foreach (var use in uses)
        {
            var from = Place(order, use.FromFolder);
            // The target counts in its lowest-placed folder: a partial type is usable wherever one of its parts is.
            var to = use.ToFolders.Select(f => Place(order, f)).OfType<Placement>()
                .OrderBy(p => p.Index).ThenBy(p => p.Position).FirstOrDefault();
            if (from is null || to is null || from.Unit == to.Unit) continue;
            string reference = $"{use.FromFolder}/{Short(use.FromType)} -> {to.Folder}/{Short(use.ToType)} (via {use.Via})";
            if (to.Index > from.Index)
                violations.Add(new LayerViolation(reference,
                    $"layer '{order[from.Index].Name}' may not name layer '{order[to.Index].Name}' above it"));
            else if (to.Index == from.Index && order[from.Index].Independent)
                violations.Add(new LayerViolation(reference,
                    $"'{from.Unit}' and '{to.Unit}' are independent parts of layer '{order[from.Index].Name}'"));
        }
        return [.. violations.Distinct()];
    }

    private sealed record Placement(int Index, int Position, string Unit, string Folder);

    // The layer of a folder: the longest listed folder that is it or contains it.
    private static Placement? Place(IReadOnlyList<Layer> order, string folder)
    {
        Placement? best = null;
        for (int i = 0; i < order.Count; i++)
        {
            for (int position = 0; position < order[i].Folders.Length; position++)
            {
                string unit = order[i].Folders[position];
                bool inside = folder == unit || folder.StartsWith(unit + "/", StringComparison.Ordinal);
                if (inside && (best is null || unit.Length > best.Unit.Length)) best = new Placement(i, position, unit, folder);
            }
        }
        return best;
    }

    private static string Short(string type) => type[(type.LastIndexOf('.') + 1)..];
}
