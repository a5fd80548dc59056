using CudaTensor.Samples.Digits;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary><c>Samples/Digits --compile</c>: the compiled training step trains exactly as the eager one does.</summary>
[TestFixture]
public sealed class DigitsCompiledTests
{
    [Test]
    public void CompiledStepGivesTheEagerRunsLossesAndAccuracy()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "cudatensor-digits-compiled-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new DigitsOptions { Device = Device.Cpu, Epochs = 3, Seed = 3, OutputDirectory = outDir };
            using var eagerLog = new StringWriter();
            var eager = DigitsRun.Run(options, eagerLog);
            using var compiledLog = new StringWriter();
            var compiled = DigitsRun.Run(options with { CompileStep = true }, compiledLog);

            // Same seed, same batches, same dropout draws: the epoch losses match to the float32 rounding of the sums.
            Assert.That(compiled.History.Select(e => e.Loss), Is.EqualTo(eager.History.Select(e => e.Loss)).Within(1e-6).Percent);
            Assert.That(compiled.TestAccuracy, Is.EqualTo(eager.TestAccuracy));
            Assert.That(compiledLog.ToString(), Does.Contain("Training step: compiled"));
            Assert.That(compiledLog.ToString(), Does.Match(@"Step time, median of 50 alternating steps on one batch: eager [0-9.]+ ms, compiled [0-9.]+ ms"));
            Assert.That(eagerLog.ToString(), Does.Not.Contain("Step time"));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Test]
    public void CompileIsAFlag() => Assert.That(DigitsOptions.Parse(["--compile", "--epochs", "2"]), Has.Property(nameof(DigitsOptions.CompileStep)).True.And.Property(nameof(DigitsOptions.Epochs)).EqualTo(2));
}
