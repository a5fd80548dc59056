using CudaTensor.Samples.Digits;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary>
/// A fixture that runs the Digits sample once on the CPU (8 epochs, seed 1, output in a fresh temporary folder that
/// is removed afterwards) for the tests of a derived fixture to inspect.
/// </summary>
[NonParallelizable] // reseeds the global generator
public abstract class TrainedDigitsRun(DigitsModelKind model)
{
    protected const int Epochs = 8;

    protected string OutDir { get; private set; } = "";

    protected DigitsResult Result { get; private set; } = null!;

    protected string Log { get; private set; } = "";

    [OneTimeSetUp]
    public void TrainOnce()
    {
        OutDir = Path.Combine(Path.GetTempPath(), $"cudatensor-digits-{DigitsModels.Name(model)}-" + Guid.NewGuid().ToString("N"));
        var options = new DigitsOptions { Device = Device.Cpu, Model = model, Epochs = Epochs, Seed = 1, OutputDirectory = OutDir };
        using var log = new StringWriter();
        Result = DigitsRun.Run(options, log);
        Log = log.ToString();
    }

    [OneTimeTearDown]
    public void RemoveOutput()
    {
        if (Directory.Exists(OutDir)) Directory.Delete(OutDir, recursive: true);
    }
}
