using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// The emulated driver's C entry points: <c>[UnmanagedCallersOnly]</c> methods named as the exports of libcuda.so.1
/// they stand behind, registered with the shim at activation. No exception crosses the boundary: each entry point
/// turns one into a CUresult and records the detail (<see cref="DriverErrors"/>).
/// </summary>
internal static unsafe partial class DriverExports
{
    /// <summary>Every implemented export, as (name, function pointer).</summary>
    /// <returns>The list the activation registers with the libcuda shim.</returns>
    public static IReadOnlyList<(string Name, IntPtr Function)> All()
    {
        var table = new List<(string, IntPtr)>();
        AddDevice(table);
        AddMemory(table);
        AddCopies(table);
        AddStreams(table);
        AddEvents(table);
        AddModules(table);
        AddGraphs(table);
        return table;
    }

    // The context for a call that needs one: NOT_INITIALIZED before cuInit, INVALID_CONTEXT with none current.
    private static CudaErrorCode RequireContext(string call, out DriverContext context)
    {
        context = DriverState.Current!;
        if (!DriverState.Initialized)
        {
            return DriverErrors.Fail(CudaErrorCode.NotInitialized, $"{call} before cuInit");
        }
        if (context is null)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidContext, $"{call}: no context is current on this thread (cuCtxSetCurrent)");
        }
        return CudaErrorCode.Success;
    }

    private static int Error(CudaErrorCode code) => (int)code;

    private static int Fail(CudaErrorCode code, string detail) => (int)DriverErrors.Fail(code, detail);

    // A NUL-terminated UTF-8 name passed in (a kernel or module variable).
    private static string Utf8(byte* text) => text == null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)text) ?? string.Empty;
}
