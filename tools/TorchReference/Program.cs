using System.Reflection;
using TorchReference;
using TorchSharp;

// Regenerates Tests/PyTorchReference/Data/{case}.safetensors for every case (or the cases named on the command line).
// Deterministic: each case seeds libtorch's generator itself and everything runs on one thread.
torch.set_num_threads(1);
string root = FindRepositoryRoot();
string outDir = Path.Combine(root, "Tests", "PyTorchReference", "Data");
Directory.CreateDirectory(outDir);
var cases = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IReferenceCase).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
    .Select(t => (IReferenceCase)Activator.CreateInstance(t)!)
    .Where(c => args.Length == 0 || args.Contains(c.Name, StringComparer.OrdinalIgnoreCase))
    .OrderBy(c => c.Name, StringComparer.Ordinal)
    .ToList();
if (cases.Count == 0)
{
    Console.Error.WriteLine($"no case named {string.Join(", ", args)}");
    return 2;
}
foreach (var c in cases)
{
    var writer = new ReferenceWriter();
    c.Write(writer);
    string path = Path.Combine(outDir, c.Name + ".safetensors");
    writer.Save(path);
    Console.WriteLine($"{c.Name}: {Path.GetRelativePath(root, path)} ({new FileInfo(path).Length:N0} bytes)");
}
return 0;

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "CudaTensor.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("run from inside the repository: CudaTensor.sln not found above " + AppContext.BaseDirectory);
}
