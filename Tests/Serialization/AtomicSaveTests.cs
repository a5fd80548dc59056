using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.Serialization;

/// <summary>A save that fails midway leaves the previous checkpoint byte for byte, and no temporary file behind.</summary>
public class AtomicSaveTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("cudatensor-atomic");

    [TearDown]
    public void DeleteFolder() => _dir.Delete(recursive: true);

    [Test]
    public void FailedSafeTensorsSaveKeepsThePreviousFile()
    {
        var path = Path.Combine(_dir.FullName, "model.safetensors");
        using var w = Tensor.Arange(0, 4096, dtype: DType.Float64);
        using var b = Tensor.Ones([3]);
        SafeTensors.Save(new Dictionary<string, Tensor> { ["w"] = w, ["b"] = b }, path);
        var before = File.ReadAllBytes(path);

        // F64 is written before F32, so "w" (32 KiB) is already written when the disposed "z" fails the save.
        using var w2 = Tensor.Zeros([4096], DType.Float64);
        var z = Tensor.Ones([2]);
        z.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => SafeTensors.Save(new Dictionary<string, Tensor> { ["w"] = w2, ["z"] = z }, path))!;
        Assert.That(e.Message, Does.Contain("SafeTensors.Save").And.Contain("'z'"));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(_dir.GetFiles().Select(f => f.Name), Is.EqualTo(new[] { "model.safetensors" }));
        var loaded = SafeTensors.Load(path);
        Assert.That(loaded["w"].ToArray<double>()[4095], Is.EqualTo(4095));
        foreach (var t in loaded.Values) t.Dispose();
    }

    [Test]
    public void FailedNpySaveKeepsThePreviousFile()
    {
        var path = Path.Combine(_dir.FullName, "x.npy");
        using var x = Tensor.FromArray(new[] { 1, 2, 3 });
        Npy.Save(x, path);
        var before = File.ReadAllBytes(path);

        var gone = Tensor.Ones([5]);
        gone.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Npy.Save(gone, path));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(_dir.GetFiles().Select(f => f.Name), Is.EqualTo(new[] { "x.npy" }));
    }

    [Test]
    public void SaveReplacesAnExistingFileAndCreatesANewOne()
    {
        var path = Path.Combine(_dir.FullName, "t.npy");
        using (var a = Tensor.Zeros([100])) Npy.Save(a, path);
        using (var b = Tensor.FromArray(new long[] { 7 })) Npy.Save(b, path);
        using var back = Npy.Load(path);
        Assert.That(back.ToArray<long>(), Is.EqualTo(new long[] { 7 }));
        Assert.That(_dir.GetFiles().Select(f => f.Name), Is.EqualTo(new[] { "t.npy" }));
    }
}
