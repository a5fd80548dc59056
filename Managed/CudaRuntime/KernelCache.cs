using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Compiled kernels cached in memory and on disk.
/// <list type="bullet">
/// <item>Key: <see cref="KernelCompiler.Key"/> (source, headers, options, NVRTC version, target).</item>
/// <item>Memory: one entry per key; concurrent requests for the same key wait for a single compilation.
/// A failed compilation is not cached, so fixing the cause and retrying works.</item>
/// <item>Disk: one file per key, <c>&lt;key&gt;.bin</c>: magic "CTKC", format version, payload length, SHA-256
/// of the payload, payload (target + image + log). Written to a temporary file and renamed into place, so
/// readers never see half a file; a file that fails any check is deleted and rebuilt.</item>
/// <item>Folder: <see cref="FolderVariable"/> moves it; the values "off", "none", "0" or "false" disable the
/// disk cache. Default: <c>$XDG_CACHE_HOME/cudatensor/kernels</c> (or <c>~/.cache/...</c>; LocalAppData on Windows).</item>
/// </list>
/// </summary>
internal sealed class KernelCache
{
    /// <summary>Environment variable naming the cache folder, or "off" to disable the disk cache.</summary>
    public const string FolderVariable = "CUDATENSOR_KERNEL_CACHE";

    private const uint Magic = 0x434B5443; // "CTKC" little-endian
    private const uint FormatVersion = 1;
    private const int HeaderBytes = 4 + 4 + 8 + 32;

    private static readonly Lazy<KernelCache> LazyShared = new(() => new KernelCache(DefaultFolder()));

    private readonly ConcurrentDictionary<string, Lazy<CompiledKernel>> entries = new();
    private int compilations;
    private int diskHits;
    private int rebuilds;

    /// <summary>Creates a cache writing to <paramref name="folder"/> (null: memory only).</summary>
    /// <param name="folder">The disk folder, or null.</param>
    public KernelCache(string? folder) => Folder = folder;

    /// <summary>The process-wide cache, configured by <see cref="FolderVariable"/>.</summary>
    public static KernelCache Shared => LazyShared.Value;

    /// <summary>The disk folder, or null when the disk cache is off.</summary>
    public string? Folder { get; }

    /// <summary>How many NVRTC compilations this cache ran.</summary>
    public int Compilations => Volatile.Read(ref compilations);

    /// <summary>How many requests were served from disk.</summary>
    public int DiskHits => Volatile.Read(ref diskHits);

    /// <summary>How many corrupt or truncated disk entries were found and rebuilt.</summary>
    public int Rebuilds => Volatile.Read(ref rebuilds);

    /// <summary>The folder <see cref="FolderVariable"/> selects, or null when it disables the disk cache.</summary>
    /// <returns>The folder or null.</returns>
    public static string? DefaultFolder()
    {
        string? configured = Environment.GetEnvironmentVariable(FolderVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim().ToUpperInvariant() is "OFF" or "NONE" or "0" or "FALSE" ? null : configured;
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !OperatingSystem.IsWindows() && !string.IsNullOrEmpty(xdg) ? xdg
            : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return string.IsNullOrEmpty(root) ? null : Path.Combine(root, "cudatensor", "kernels");
    }

    /// <summary>The compiled program for a source and target, from memory, disk, or a new compilation.</summary>
    /// <param name="name">Program file name.</param>
    /// <param name="source">Program source.</param>
    /// <param name="target">The target.</param>
    /// <param name="fastMath">Whether the kernel opts into fast math.</param>
    /// <param name="extraOptions">Extra NVRTC options.</param>
    /// <returns>The compiled kernel.</returns>
    /// <exception cref="KernelCompilationException">The source has errors.</exception>
    public CompiledKernel GetOrCompile(string name, string source, KernelTarget target, bool fastMath = false, IReadOnlyList<string>? extraOptions = null)
    {
        IReadOnlyList<string> options = KernelCompiler.Options(target, fastMath, extraOptions);
        string key = KernelCompiler.Key(name, source, options, target);
        Lazy<CompiledKernel> entry = entries.GetOrAdd(key, k => new Lazy<CompiledKernel>(
            () => Load(k, name, target) ?? Build(k, name, source, options, target), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return entry.Value;
        }
        catch
        {
            entries.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }
    }

    /// <summary>The disk file of a key (whether or not it exists), or null when the disk cache is off.</summary>
    /// <param name="key">A cache key.</param>
    /// <returns>The path or null.</returns>
    public string? PathOf(string key) => Folder is null ? null : Path.Combine(Folder, key + ".bin");

    /// <summary>Forgets the in-memory entries (the disk files stay).</summary>
    public void ClearMemory() => entries.Clear();

    private CompiledKernel Build(string key, string name, string source, IReadOnlyList<string> options, KernelTarget target)
    {
        Interlocked.Increment(ref compilations);
        CompiledKernel kernel = KernelCompiler.Compile(name, source, options, target);
        Store(key, kernel);
        return kernel;
    }

    private CompiledKernel? Load(string key, string name, KernelTarget target)
    {
        string? path = PathOf(key);
        if (path is null || !File.Exists(path))
        {
            return null;
        }
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null; // unreadable now (e.g. being replaced): compile instead
        }
        CompiledKernel? kernel = Decode(file, name, key, target);
        if (kernel is null)
        {
            Interlocked.Increment(ref rebuilds);
            TryDelete(path);
            return null;
        }
        Interlocked.Increment(ref diskHits);
        return kernel;
    }

    private void Store(string key, CompiledKernel kernel)
    {
        string? path = PathOf(key);
        if (path is null)
        {
            return;
        }
        string temp = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Directory.CreateDirectory(Folder!);
            File.WriteAllBytes(temp, Encode(kernel));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full disk costs a recompilation next run, nothing more.
            TryDelete(temp);
        }
    }

    private static byte[] Encode(CompiledKernel kernel)
    {
        byte[] log = System.Text.Encoding.UTF8.GetBytes(kernel.Log);
        int payloadLength = 4 + 1 + 4 + kernel.Image.Length + log.Length;
        byte[] file = new byte[HeaderBytes + payloadLength];
        Span<byte> payload = file.AsSpan(HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(payload, kernel.Target.Architecture);
        payload[4] = kernel.Target.Cubin ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(payload[5..], kernel.Image.Length);
        kernel.Image.CopyTo(payload[9..]);
        log.CopyTo(payload[(9 + kernel.Image.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(file, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(8), payloadLength);
        SHA256.HashData(payload, file.AsSpan(16, 32));
        return file;
    }

    private static CompiledKernel? Decode(byte[] file, string name, string key, KernelTarget target)
    {
        if (file.Length < HeaderBytes
            || BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)) != FormatVersion
            || BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(8)) != file.Length - HeaderBytes)
        {
            return null;
        }
        ReadOnlySpan<byte> payload = file.AsSpan(HeaderBytes);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(file.AsSpan(16, 32)) || payload.Length < 9)
        {
            return null;
        }
        var stored = new KernelTarget(BinaryPrimitives.ReadInt32LittleEndian(payload), payload[4] == 1);
        int imageLength = BinaryPrimitives.ReadInt32LittleEndian(payload[5..]);
        if (stored != target || imageLength < 0 || imageLength > payload.Length - 9)
        {
            return null;
        }
        byte[] image = payload.Slice(9, imageLength).ToArray();
        string log = System.Text.Encoding.UTF8.GetString(payload[(9 + imageLength)..]);
        return new CompiledKernel(name, target, image, log, key);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process may hold it; the next write replaces it atomically anyway.
        }
    }
}
