using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

[TestFixture]
public class KernelCacheTests
{
    private static readonly KernelTarget Target = new(80, Cubin: true);
    private string folder = null!;

    [SetUp]
    public void SetUp()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        folder = Path.Combine(Path.GetTempPath(), "cudatensor-kcache-" + Guid.NewGuid().ToString("N"));
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // A unique source per test, so that no other cache (or test) has compiled it.
    private static string Source(string tag) => $"extern \"C\" __global__ void k_{tag}(float* p) {{ p[threadIdx.x] = {tag.Length}.0f; }}\n";

    [Test]
    public void SecondRequestIsAMemoryHitAndANewProcessIsADiskHit()
    {
        var cache = new KernelCache(folder);
        string src = Source("hit");
        CompiledKernel a = cache.GetOrCompile("hit.cu", src, Target);
        CompiledKernel b = cache.GetOrCompile("hit.cu", src, Target);
        Assert.That(b, Is.SameAs(a));
        Assert.That(cache.Compilations, Is.EqualTo(1));
        Assert.That(File.Exists(cache.PathOf(a.Key)), Is.True);
        Assert.That(Directory.GetFiles(folder, "*.tmp"), Is.Empty, "no temporary file left behind");

        var fresh = new KernelCache(folder); // what the next process sees
        CompiledKernel c = fresh.GetOrCompile("hit.cu", src, Target);
        Assert.Multiple(() =>
        {
            Assert.That(fresh.Compilations, Is.Zero);
            Assert.That(fresh.DiskHits, Is.EqualTo(1));
            Assert.That(c.Image, Is.EqualTo(a.Image));
            Assert.That(c.Target, Is.EqualTo(Target));
        });
    }

    [Test]
    public void KeyChangesWithOptionsAndTarget()
    {
        var cache = new KernelCache(null);
        string src = Source("key");
        string k80 = cache.GetOrCompile("key.cu", src, Target).Key;
        string k90 = cache.GetOrCompile("key.cu", src, new KernelTarget(90, true)).Key;
        string kPtx = cache.GetOrCompile("key.cu", src, new KernelTarget(80, false)).Key;
        string kFast = cache.GetOrCompile("key.cu", src, Target, fastMath: true).Key;
        Assert.That(new[] { k80, k90, kPtx, kFast }, Is.Unique);
        Assert.That(cache.Compilations, Is.EqualTo(4));
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(-1)]
    public void CorruptOrTruncatedFileIsRebuilt(int keepBytes)
    {
        string src = Source("corrupt" + (keepBytes + 1));
        CompiledKernel good = new KernelCache(folder).GetOrCompile("c.cu", src, Target);
        string path = new KernelCache(folder).PathOf(good.Key)!;
        byte[] bytes = File.ReadAllBytes(path);
        if (keepBytes >= 0)
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, keepBytes).ToArray()); // truncated
        }
        else
        {
            bytes[^5] ^= 0xFF; // one flipped byte in the payload
            File.WriteAllBytes(path, bytes);
        }

        var cache = new KernelCache(folder);
        CompiledKernel rebuilt = cache.GetOrCompile("c.cu", src, Target);
        Assert.Multiple(() =>
        {
            Assert.That(cache.Rebuilds, Is.EqualTo(1));
            Assert.That(cache.Compilations, Is.EqualTo(1));
            Assert.That(rebuilt.Image, Is.EqualTo(good.Image));
        });
        var again = new KernelCache(folder);
        again.GetOrCompile("c.cu", src, Target);
        Assert.That(again.DiskHits, Is.EqualTo(1), "the rebuilt file is valid");
    }

    [Test]
    public void ConcurrentRequestsCompileOnce()
    {
        var cache = new KernelCache(folder);
        string src = Source("concurrent");
        using var start = new Barrier(8);
        var results = new CompiledKernel[8];
        Thread[] threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = cache.GetOrCompile("cc.cu", src, Target);
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }
        foreach (Thread t in threads)
        {
            t.Join();
        }
        Assert.That(cache.Compilations, Is.EqualTo(1));
        Assert.That(results, Has.All.SameAs(results[0]));
    }

    [Test]
    public void FailedCompilationIsNotCached()
    {
        var cache = new KernelCache(folder);
        Assert.Throws<KernelCompilationException>(() => cache.GetOrCompile("bad.cu", "this is not CUDA", Target));
        Assert.Throws<KernelCompilationException>(() => cache.GetOrCompile("bad.cu", "this is not CUDA", Target));
        Assert.That(cache.Compilations, Is.EqualTo(2));
        Assert.That(Directory.Exists(folder) ? Directory.GetFiles(folder) : [], Is.Empty);
    }

    [Test]
    public void DisabledDiskCacheWritesNothing()
    {
        var cache = new KernelCache(null);
        cache.GetOrCompile("off.cu", Source("off"), Target);
        Assert.That(cache.PathOf("x"), Is.Null);
        Assert.That(Directory.Exists(folder), Is.False);
    }

    [Test]
    public void EnvironmentVariableMovesOrDisablesTheFolder()
    {
        string? saved = Environment.GetEnvironmentVariable(KernelCache.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(KernelCache.FolderVariable, folder);
            Assert.That(KernelCache.DefaultFolder(), Is.EqualTo(folder));
            Environment.SetEnvironmentVariable(KernelCache.FolderVariable, "off");
            Assert.That(KernelCache.DefaultFolder(), Is.Null);
            Environment.SetEnvironmentVariable(KernelCache.FolderVariable, null);
            Assert.That(KernelCache.DefaultFolder(), Does.EndWith(Path.Combine("cudatensor", "kernels")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(KernelCache.FolderVariable, saved);
        }
    }
}
