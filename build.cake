// CudaTensor build script (Cake 7).
//
//   dotnet tool restore && dotnet cake --target=Test
//
// Targets:  Clean, Restore, Build, Test (default), Bench, Pack
// Arguments:
//   --target=NAME            target to run (default: Test)
//   --configuration=NAME     build configuration (default: Release)
//   --filter=EXPRESSION      test filter passed to `dotnet test --filter`
//                            (e.g. --filter="FullyQualifiedName~Shape")
//   --bench-args="ARGS"      arguments passed to the benchmark program (Bench target)
//
// The Test target writes a TRX file to artifacts/test-results/, prints one plain
// line "N passed, N failed, N skipped" counted from it, and fails if any test
// failed, if the test host failed, or if no TRX file was written.

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
    EnsureDirectoryExists(packages);
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
});

Task("Default")
    .IsDependentOn("Test");

RunTarget(target);

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
