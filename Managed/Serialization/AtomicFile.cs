namespace CudaTensor.Serialization;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a temporary file
/// in the same folder (a rename within one file system is atomic), which replaces the target only once it is
/// complete and flushed. A save that fails midway (a disposed tensor, a full disk, a crash) leaves the previous
/// file untouched, and the temporary file is deleted when the failure is an exception.
/// </summary>
internal static class AtomicFile
{
    /// <summary>The temporary file's name ends with this, after the target's name and a random part.</summary>
    public const string TempSuffix = ".tmp";

    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        // Hidden, and named after the target so a leftover from a killed process is recognisable.
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                // The data must be on disk before the rename is, or a power loss could leave a renamed empty file.
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original exception matters more; a leftover temporary file is named after its target.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
