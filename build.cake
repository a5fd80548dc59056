// CudaTensor build script (Cake 7).
//
//   dotnet tool restore && dotnet cake --target=Test
//
// Targets:  Clean, Restore, Build, Test (default), Bench, Pack, PackageCheck
// Arguments:
//   --target=NAME            target to run (default: Test)
//   --configuration=NAME     build configuration (default: Release)
//   --filter=EXPRESSION      test filter passed to `dotnet test --filter`
//                            (e.g. --filter="FullyQualifiedName~Shape")
//   --bench-args="ARGS"      arguments passed to the benchmark program (Bench target)
//
// Pack writes the NuGet packages (.nupkg and .snupkg) to artifacts/packages/. PackageCheck packs, then
// builds the Quickstart against those packages as a user would (Samples/PackageCheck: a local folder feed,
// an empty package folder), runs it on the CPU and on the virtual CUDA device, compares its output with the
// Quickstart built from source, and prints one line "package check passed: ..." (docs/packaging.md).
//
// The Test target writes a TRX file to artifacts/test-results/, prints one plain
// line "N passed, N failed, N skipped" counted from it, and fails if any test
// failed, if the test host failed, or if no TRX file was written.

using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var filter = Argument("filter", string.Empty);
var benchArgs = Argument("bench-args", string.Empty);

var root = MakeAbsolute(Directory("."));
var solution = root.CombineWithFilePath("CudaTensor.sln");
var testProject = root.CombineWithFilePath("Tests/CudaTensor.Tests.csproj");
var benchProject = root.CombineWithFilePath("Benchmarks/CudaTensor.Benchmarks.csproj");
var packProjects = new[]
{
    root.CombineWithFilePath("VirtualDevice/CudaTensor.VirtualDevice.csproj"),
    root.CombineWithFilePath("Native/CudaTensor.Native.csproj"),
    root.CombineWithFilePath("Managed/CudaTensor.csproj"),
};
var artifacts = root.Combine("artifacts");
var testResults = artifacts.Combine("test-results");
var packages = artifacts.Combine("packages");
var packageCheck = artifacts.Combine("package-check");
var packageCheckProject = root.CombineWithFilePath("Samples/PackageCheck/PackageCheck.csproj");
var quickstartProject = root.CombineWithFilePath("Samples/Quickstart/Quickstart.csproj");

Task("Clean")
    .Does(() =>
{
    DotNetClean(solution.FullPath, new DotNetCleanSettings
    {
        Configuration = configuration,
        NoLogo = true,
    });
    if (DirectoryExists(artifacts))
    {
        DeleteDirectory(artifacts, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
});

Task("Restore")
    .Does(() =>
{
    DotNetRestore(solution.FullPath);
});

Task("Build")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
        NoLogo = true,
    });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    // Start from an empty results folder so that the summary counts this run only.
    EnsureDirectoryExists(testResults);
    CleanDirectory(testResults);

    var settings = new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        NoRestore = true,
        NoLogo = true,
        ResultsDirectory = testResults,
        Loggers = new List<string>
        {
            "trx;LogFileName=CudaTensor.Tests.trx",
            "console;verbosity=normal",
        },
    };
    if (!string.IsNullOrWhiteSpace(filter))
    {
        settings.Filter = filter;
    }

    // dotnet test exits non-zero when a test fails; count the results before failing.
    Exception testRunError = null;
    try
    {
        DotNetTest(testProject.FullPath, settings);
    }
    catch (Exception e)
    {
        testRunError = e;
    }

    var trxFiles = GetFiles(testResults.FullPath + "/**/*.trx");
    if (trxFiles.Count == 0)
    {
        Console.WriteLine("0 passed, 1 failed, 0 skipped");
        throw new Exception(
            $"No TRX file was written to {testResults}: the test run did not complete."
            + (testRunError is null ? string.Empty : " " + testRunError.Message));
    }

    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in trxFiles)
    {
        var counts = CountTrx(trx.FullPath);
        passed += counts.Passed;
        failed += counts.Failed;
        skipped += counts.Skipped;
    }

    Information("Test results: {0}", string.Join(", ", trxFiles.Select(f => root.GetRelativePath(f).FullPath)));
    // Plain (uncoloured) line, the same format .ci/run prints.
    Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");

    if (failed > 0)
    {
        throw new Exception($"{failed} test(s) failed.");
    }
    if (testRunError is not null)
    {
        throw new Exception("dotnet test failed although no test result failed: " + testRunError.Message);
    }
});

Task("Bench")
    .Does(() =>
{
    if (!FileExists(benchProject))
    {
        throw new Exception(
            "The benchmark project is not present yet: "
            + root.GetRelativePath(benchProject).FullPath + " does not exist.");
    }

    // Benchmarks always run in Release, whatever --configuration says.
    DotNetRun(benchProject.FullPath, new ProcessArgumentBuilder().Append(benchArgs), new DotNetRunSettings
    {
        Configuration = "Release",
    });
});

Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    // Only this run's packages: a stale one of another version would be offered to consumers of the folder.
    EnsureDirectoryExists(packages);
    CleanDirectory(packages);
    foreach (var project in packProjects)
    {
        DotNetPack(project.FullPath, new DotNetPackSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            NoLogo = true,
            OutputDirectory = packages,
        });
    }
    long total = 0;
    foreach (var file in GetFiles(packages.FullPath + "/*.nupkg").OrderBy(f => f.FullPath))
    {
        long size = new FileInfo(file.FullPath).Length;
        total += size;
        Information("{0}: {1:F0} KB", file.GetFilename(), size / 1024.0);
    }
    Information("Packages in {0}: {1:F0} KB in all (symbols packages not counted).", root.GetRelativePath(packages).FullPath, total / 1024.0);
});

Task("PackageCheck")
    .IsDependentOn("Pack")
    .Does(() =>
{
    string version = PackageVersion();
    CheckPackageContents(packages, version);

    // Everything the check makes lives here, and starts empty: above all the package folder, so that a
    // package of the same version cached by an earlier run cannot stand in for the one just packed.
    if (DirectoryExists(packageCheck))
    {
        DeleteDirectory(packageCheck, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
    EnsureDirectoryExists(packageCheck);
    var packageFolder = packageCheck.Combine("packages");
    var nugetConfig = packageCheck.CombineWithFilePath("NuGet.config");
    System.IO.File.WriteAllText(nugetConfig.FullPath, PackageCheckNuGetConfig(packages.FullPath, ConfiguredPackageSources()));

    DotNetRestore(packageCheckProject.FullPath, new DotNetRestoreSettings
    {
        ConfigFile = nugetConfig,
        PackagesDirectory = packageFolder,
        NoCache = true,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("CudaTensorPackageVersion", version),
    });
    foreach (var id in new[] { "CudaTensor", "CudaTensor.Native", "CudaTensor.VirtualDevice" })
    {
        CheckRestoredFrom(packageFolder, id, version, packages);
    }
    DotNetBuild(packageCheckProject.FullPath, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
        NoLogo = true,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("CudaTensorPackageVersion", version),
    });

    string fromPackage = packageCheck.CombineWithFilePath($"bin/{configuration}/net10.0/CudaTensor.PackageCheck.dll").FullPath;
    string fromSource = quickstartProject.GetDirectory().CombineWithFilePath($"bin/{configuration}/net10.0/CudaTensor.Quickstart.dll").FullPath;
    var runs = new List<string>();

    // An empty CUDATENSOR_VIRTUAL_DEVICE is "off" (the CI passes before this one set it).
    CompareQuickstart("the CPU", fromPackage, fromSource, string.Empty, requireCuda: false);
    runs.Add("the CPU");

    // The virtual device's shims are Linux x64 binaries; elsewhere the package has nothing to run them with.
    if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64)
    {
        var shims = new[] { "libcuda.so.1", "libcublas.so.13", "libcublasLt.so.13" };
        var missing = shims.Where(s => !System.IO.File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(fromPackage)!, "virtual-device", s))).ToList();
        if (missing.Count > 0)
        {
            throw new Exception($"The package consumer's output has no virtual-device/{string.Join(", ", missing)}: the CudaTensor.VirtualDevice package did not deliver its shims.");
        }
        CompareQuickstart("the virtual CUDA device", fromPackage, fromSource, "1", requireCuda: true);
        runs.Add("the virtual CUDA device");
    }

    long total = GetFiles(packages.FullPath + "/*.nupkg").Sum(f => new FileInfo(f.FullPath).Length);
    Console.WriteLine(
        $"package check passed: CudaTensor {version} ({total / 1024} KB in 3 packages) restored from {root.GetRelativePath(packages).FullPath} "
        + $"into an empty package folder; the Quickstart built against it prints what the source build prints on {string.Join(" and on ", runs)}");
});

Task("Default")
    .IsDependentOn("Test");

RunTarget(target);

// The version the packages get (VersionPrefix-VersionSuffix in Directory.Build.props), as MSBuild computes it.
string PackageVersion()
{
    var settings = new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder()
            .Append("msbuild").AppendQuoted(packProjects.Last().FullPath)
            .Append("-getProperty:PackageVersion").Append($"-p:Configuration={configuration}").Append("-nologo"),
        RedirectStandardOutput = true,
    };
    int exitCode = StartProcess("dotnet", settings, out IEnumerable<string> output);
    string version = string.Join("", output).Trim();
    if (exitCode != 0 || version.Length == 0)
    {
        throw new Exception($"dotnet msbuild -getProperty:PackageVersion failed (exit {exitCode}): {version}");
    }
    return version;
}

// Each package and its symbols package exist for version, carry the metadata a package page shows, and
// CudaTensor.VirtualDevice carries its shims and the build file that copies them.
static void CheckPackageContents(DirectoryPath folder, string version)
{
    var expected = new Dictionary<string, string[]>
    {
        ["CudaTensor"] = new[] { "lib/net10.0/CudaTensor.dll", "lib/net10.0/CudaTensor.xml" },
        ["CudaTensor.Native"] = new[] { "lib/net10.0/CudaTensor.Native.dll" },
        ["CudaTensor.VirtualDevice"] = new[]
        {
            "lib/net10.0/CudaTensor.VirtualDevice.dll",
            "buildTransitive/CudaTensor.VirtualDevice.targets",
            "virtual-device/linux-x64/libcuda.so.1",
            "virtual-device/linux-x64/libcublas.so.13",
            "virtual-device/linux-x64/libcublasLt.so.13",
        },
    };
    foreach (var (id, files) in expected)
    {
        string nupkg = folder.CombineWithFilePath($"{id}.{version}.nupkg").FullPath;
        string snupkg = folder.CombineWithFilePath($"{id}.{version}.snupkg").FullPath;
        if (!System.IO.File.Exists(nupkg) || !System.IO.File.Exists(snupkg))
        {
            throw new Exception($"Pack did not write {System.IO.Path.GetFileName(nupkg)} and {System.IO.Path.GetFileName(snupkg)} to {folder}.");
        }
        using var zip = ZipFile.OpenRead(nupkg);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var file in files.Append("README.md").Append($"{id}.nuspec"))
        {
            if (!names.Contains(file))
            {
                throw new Exception($"{System.IO.Path.GetFileName(nupkg)} has no {file}.");
            }
        }
        using var nuspecStream = zip.GetEntry($"{id}.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Descendants().First(e => e.Name.LocalName == "metadata");
        string Field(string name) => (string)metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name) ?? string.Empty;
        if (Field("description").Length < 80 || Field("description") == "Package Description"
            || Field("readme") != "README.md" || Field("tags").Length == 0 || Field("version") != version)
        {
            throw new Exception($"{System.IO.Path.GetFileName(nupkg)}: the nuspec lacks a description, readme, tags or version {version}.");
        }
        using var symbols = ZipFile.OpenRead(snupkg);
        if (!symbols.Entries.Any(e => e.FullName == $"lib/net10.0/{id}.pdb"))
        {
            throw new Exception($"{System.IO.Path.GetFileName(snupkg)} has no lib/net10.0/{id}.pdb.");
        }
    }
}

// The package sources this machine's NuGet configuration enables, as (name, source) pairs, read from
// `dotnet nuget list source`, so that dependencies such as System.Numerics.Tensors come from where they
// always come from (a registry or a mirror).
List<(string Name, string Source)> ConfiguredPackageSources()
{
    var settings = new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder().Append("nuget").Append("list").Append("source"),
        RedirectStandardOutput = true,
        WorkingDirectory = packageCheckProject.GetDirectory(),
    };
    int exitCode = StartProcess("dotnet", settings, out IEnumerable<string> output);
    var lines = output.ToList();
    if (exitCode != 0)
    {
        throw new Exception($"dotnet nuget list source failed (exit {exitCode}): {string.Join(Environment.NewLine, lines)}");
    }
    var sources = new List<(string, string)>();
    var header = new Regex(@"^\s*\d+\.\s+(?<name>.+?)\s+\[(?<state>Enabled|Disabled)\]\s*$");
    for (int i = 0; i + 1 < lines.Count; i++)
    {
        var match = header.Match(lines[i]);
        if (match.Success && match.Groups["state"].Value == "Enabled")
        {
            sources.Add((match.Groups["name"].Value, lines[i + 1].Trim()));
        }
    }
    if (sources.Count == 0)
    {
        throw new Exception("dotnet nuget list source lists no enabled package source; System.Numerics.Tensors cannot be restored:"
            + Environment.NewLine + string.Join(Environment.NewLine, lines));
    }
    return sources;
}

// A NuGet.config with the local folder feed and the machine's sources, and a package source mapping that takes
// CudaTensor and CudaTensor.* from the folder only and everything else from the machine's sources only.
static string PackageCheckNuGetConfig(string feed, List<(string Name, string Source)> sources)
{
    const string Local = "cudatensor-packages";
    var add = sources.Select(s => new XElement("add", new XAttribute("key", s.Name), new XAttribute("value", s.Source)));
    var mapOthers = sources.Select(s => new XElement("packageSource", new XAttribute("key", s.Name),
        new XElement("package", new XAttribute("pattern", "*"))));
    var config = new XElement("configuration",
        new XElement("packageSources",
            new XElement("clear"),
            new XElement("add", new XAttribute("key", Local), new XAttribute("value", feed)),
            add),
        new XElement("packageSourceMapping",
            new XElement("packageSource", new XAttribute("key", Local),
                new XElement("package", new XAttribute("pattern", "CudaTensor")),
                new XElement("package", new XAttribute("pattern", "CudaTensor.*"))),
            mapOthers));
    return new XDocument(new XDeclaration("1.0", "utf-8", null), config).ToString();
}

// The restored package id/version in packageFolder came from feed (NuGet records the source in .nupkg.metadata).
static void CheckRestoredFrom(DirectoryPath packageFolder, string id, string version, DirectoryPath feed)
{
    string metadata = packageFolder.Combine(id.ToLowerInvariant()).Combine(version.ToLowerInvariant())
        .CombineWithFilePath(".nupkg.metadata").FullPath;
    if (!System.IO.File.Exists(metadata))
    {
        throw new Exception($"{id} {version} was not restored into {packageFolder} ({metadata} is missing).");
    }
    string source = (System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(metadata)).RootElement
        .GetProperty("source").GetString() ?? string.Empty).TrimEnd('/');
    if (source != feed.FullPath.TrimEnd('/'))
    {
        throw new Exception($"{id} {version} was restored from {source}, not from the packages just made in {feed}.");
    }
}

// Runs the Quickstart built from the package and the one built from source with CUDATENSOR_VIRTUAL_DEVICE set to
// virtualDevice; both must succeed and print the same lines (the losses are deterministic: ManualSeed(0)).
void CompareQuickstart(string where, string fromPackage, string fromSource, string virtualDevice, bool requireCuda)
{
    var packaged = RunDotNetProgram(fromPackage, virtualDevice);
    var source = RunDotNetProgram(fromSource, virtualDevice);
    Information("Quickstart from the package on {0}:{1}{2}", where, Environment.NewLine, string.Join(Environment.NewLine, packaged));
    if (!packaged.Any(l => l.StartsWith("loss after 5 steps:")))
    {
        throw new Exception($"The Quickstart built from the package printed no final loss on {where}.");
    }
    if (requireCuda && !packaged.Any(l => l.StartsWith("device: cuda")))
    {
        throw new Exception($"With CUDATENSOR_VIRTUAL_DEVICE={virtualDevice} the Quickstart built from the package did not run on CUDA "
            + "(the virtual device needs NVRTC, e.g. apt-get install libnvrtc11.2); it printed: " + string.Join(" | ", packaged));
    }
    if (!packaged.SequenceEqual(source))
    {
        throw new Exception($"On {where} the Quickstart built from the package printed{Environment.NewLine}{string.Join(Environment.NewLine, packaged)}"
            + $"{Environment.NewLine}but built from source it printed{Environment.NewLine}{string.Join(Environment.NewLine, source)}");
    }
}

List<string> RunDotNetProgram(string dll, string virtualDevice)
{
    var settings = new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder().AppendQuoted(dll),
        RedirectStandardOutput = true,
        EnvironmentVariables = new Dictionary<string, string> { ["CUDATENSOR_VIRTUAL_DEVICE"] = virtualDevice },
    };
    int exitCode = StartProcess("dotnet", settings, out IEnumerable<string> output);
    var lines = output.ToList();
    if (exitCode != 0)
    {
        throw new Exception($"dotnet {dll} (CUDATENSOR_VIRTUAL_DEVICE={virtualDevice}) exited with {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
    }
    return lines;
}

// Counts the test results of one TRX file. Each <UnitTestResult> is one executed
// test case; its outcome decides the bucket. Timeouts, errors and aborts count as
// failures; NotExecuted (NUnit's Ignore/Assume) and Inconclusive count as skipped.
static (int Passed, int Failed, int Skipped) CountTrx(string path)
{
    var doc = XDocument.Load(path);
    int passed = 0, failed = 0, skipped = 0;
    foreach (var result in doc.Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
    {
        var outcome = (string)result.Attribute("outcome") ?? string.Empty;
        switch (outcome)
        {
            case "Passed":
            case "PassedButRunAborted":
                passed++;
                break;
            case "Failed":
            case "Error":
            case "Timeout":
            case "Aborted":
                failed++;
                break;
            default:
                skipped++;
                break;
        }
    }

    // A run that aborted before recording results still says so in its summary.
    var summary = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "ResultSummary");
    var runOutcome = (string)summary?.Attribute("outcome") ?? string.Empty;
    if (passed + failed + skipped == 0 && (runOutcome == "Failed" || runOutcome == "Error" || runOutcome == "Aborted"))
    {
        failed = 1;
    }
    return (passed, failed, skipped);
}
