namespace CudaTensor.AutogradEngine;

/// <summary>
/// Copy-on-write lists of hooks: a backward pass iterates the list it loaded while other threads add or remove hooks,
/// so it never sees a list being modified.
/// </summary>
internal static class HookList
{
    private static readonly Lock Gate = new();

    public static void Add<T>(ref List<T>? list, T hook) where T : class
    {
        lock (Gate) Volatile.Write(ref list, [.. list ?? [], hook]);
    }

    public static void Remove<T>(ref List<T>? list, T hook) where T : class
    {
        lock (Gate)
        {
            if (list is null) return;
            var copy = new List<T>(list);
            copy.Remove(hook);
            Volatile.Write(ref list, copy.Count == 0 ? null : copy);
        }
    }
}
