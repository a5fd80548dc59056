namespace CudaTensor.CudaRuntime;

/// <summary>
/// The CUDA C sources of <c>Kernels/</c>, embedded in this assembly as resources named
/// <c>CudaTensor.Kernels.&lt;file&gt;</c>. Programs are the <c>.cu</c> files; every <c>.cuh</c> is handed to
/// NVRTC as an in-memory header, so <c>#include "philox.cuh"</c> works without files on disk.
/// </summary>
internal static class KernelSources
{
    private const string Prefix = "CudaTensor.Kernels.";

    /// <summary>File names of every embedded kernel source and header, e.g. "random.cu", "philox.cuh".</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    private static readonly Lazy<IReadOnlyList<KeyValuePair<string, string>>> LazyHeaders = new(
        () => Names.Where(n => n.EndsWith(".cuh", StringComparison.Ordinal)).Select(n => KeyValuePair.Create(n, Read(n))).ToArray());

    /// <summary>File names of the compilable programs (<c>.cu</c>).</summary>
    public static IReadOnlyList<string> Programs => Names.Where(n => n.EndsWith(".cu", StringComparison.Ordinal)).ToArray();

    /// <summary>Every header (<c>.cuh</c>) as (include name, contents).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers => LazyHeaders.Value;

    /// <summary>The text of one embedded source.</summary>
    /// <param name="name">A file name from <see cref="Names"/>.</param>
    /// <returns>The source text.</returns>
    /// <exception cref="FileNotFoundException">No such kernel source is embedded.</exception>
    public static string Read(string name)
    {
        using Stream? stream = typeof(KernelSources).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new FileNotFoundException($"No kernel source '{name}' is embedded; the embedded ones are: {string.Join(", ", Names)}.", name);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
