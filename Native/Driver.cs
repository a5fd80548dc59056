using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CudaTensor.Native;

/// <summary>
/// The CUDA driver API (libcuda). Every method checks the status and throws <see cref="CudaException"/>
/// naming the error and the call. Signatures follow cuda.h; versioned entry points (<c>_v2</c>) are the
/// ones the CUDA 11-13 headers map the plain names to. Device pointers are <see cref="ulong"/>
/// (<c>CUdeviceptr</c>), devices are ordinals (<c>CUdevice</c> is an int).
/// </summary>
public static unsafe partial class Driver
{
    /// <summary>CU_STREAM_NON_BLOCKING: the stream does not synchronize with the legacy default stream.</summary>
    public const uint StreamNonBlocking = 0x1;

    /// <summary>CU_EVENT_DEFAULT.</summary>
    public const uint EventDefault = 0x0;

    /// <summary>CU_EVENT_DISABLE_TIMING: cheaper events for ordering only.</summary>
    public const uint EventDisableTiming = 0x2;

    /// <summary>CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.</summary>
    public const int FuncAttributeMaxDynamicSharedSizeBytes = 8;

    private const string Lib = LibraryResolver.DriverImport;

    static Driver() => LibraryResolver.EnsureRegistered();

    // ------------------------------------------------------------------ status

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
    /// <param name="result">The status.</param>
    /// <param name="call">The call (filled in by the compiler).</param>
    /// <exception cref="CudaException">The status is an error.</exception>
    public static void Check(CuResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CuResult.CUDA_SUCCESS)
        {
            throw new CudaException(result, call);
        }
    }

    /// <summary>The driver's name for a status (cuGetErrorName), or the enum name when the driver is not loaded.</summary>
    /// <param name="result">The status.</param>
    /// <returns>E.g. <c>CUDA_ERROR_NO_DEVICE</c>.</returns>
    public static string ErrorName(CuResult result)
    {
        if (LibraryResolver.Probe(NativeLibraryKind.Driver).Found)
        {
            byte* text;
            if (cuGetErrorName(result, &text) == CuResult.CUDA_SUCCESS && text != null)
            {
                return Marshal.PtrToStringUTF8((IntPtr)text) ?? result.ToString();
            }
        }
        return Enum.IsDefined(result) ? result.ToString() : "CUDA_ERROR_" + ((int)result).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The driver's description of a status (cuGetErrorString).</summary>
    /// <param name="result">The status.</param>
    /// <returns>The description, or "unknown error" when the driver has none.</returns>
    public static string ErrorDescription(CuResult result)
    {
        if (LibraryResolver.Probe(NativeLibraryKind.Driver).Found)
        {
            byte* text;
            if (cuGetErrorString(result, &text) == CuResult.CUDA_SUCCESS && text != null)
            {
                return Marshal.PtrToStringUTF8((IntPtr)text) ?? "unknown error";
            }
        }
        return "unknown error";
    }

    // ------------------------------------------------------------------ init, version, devices

    /// <summary>cuInit(0), returning the status instead of throwing (used to detect "no GPU").</summary>
    /// <returns>The status.</returns>
    public static CuResult TryInit() => cuInit(0);

    /// <summary>cuInit(0).</summary>
    public static void Init() => Check(cuInit(0));

    /// <summary>The CUDA version the driver supports, e.g. 12040 for 12.4 (cuDriverGetVersion).</summary>
    /// <returns>The version.</returns>
    public static int GetVersion()
    {
        int v;
        Check(cuDriverGetVersion(&v));
        return v;
    }

    /// <summary>Like <see cref="GetVersion"/>, but 0 when the driver is missing or fails. Never throws.</summary>
    /// <returns>The version or 0.</returns>
    public static int TryGetVersion()
    {
        if (!LibraryResolver.Probe(NativeLibraryKind.Driver).Found)
        {
            return 0;
        }
        int v = 0;
        return cuDriverGetVersion(&v) == CuResult.CUDA_SUCCESS ? v : 0;
    }

    /// <summary>The number of CUDA devices (cuDeviceGetCount).</summary>
    /// <returns>The count.</returns>
    public static int GetDeviceCount()
    {
        int n;
        Check(cuDeviceGetCount(&n));
        return n;
    }

    /// <summary>The device handle of ordinal <paramref name="ordinal"/> (cuDeviceGet).</summary>
    /// <param name="ordinal">0-based device index.</param>
    /// <returns>The CUdevice.</returns>
    public static int GetDevice(int ordinal)
    {
        int d;
        Check(cuDeviceGet(&d, ordinal));
        return d;
    }

    /// <summary>The device's name (cuDeviceGetName).</summary>
    /// <param name="device">The CUdevice.</param>
    /// <returns>E.g. "NVIDIA H100 80GB HBM3".</returns>
    public static string GetName(int device)
    {
        const int Length = 256;
        byte* buffer = stackalloc byte[Length];
        Check(cuDeviceGetName(buffer, Length, device));
        return Marshal.PtrToStringUTF8((IntPtr)buffer) ?? string.Empty;
    }

    /// <summary>One device attribute (cuDeviceGetAttribute).</summary>
    /// <param name="device">The CUdevice.</param>
    /// <param name="attribute">The attribute.</param>
    /// <returns>Its value.</returns>
    public static int GetAttribute(int device, DeviceAttribute attribute)
    {
        int value;
        Check(cuDeviceGetAttribute(&value, attribute, device));
        return value;
    }

    /// <summary>The device's total memory in bytes (cuDeviceTotalMem_v2).</summary>
    /// <param name="device">The CUdevice.</param>
    /// <returns>Bytes.</returns>
    public static ulong GetTotalMemory(int device)
    {
        nuint bytes;
        Check(cuDeviceTotalMem_v2(&bytes, device));
        return bytes;
    }

    /// <summary>Free and total memory of the current context's device, in bytes (cuMemGetInfo_v2).</summary>
    /// <returns>(free, total).</returns>
    public static (ulong Free, ulong Total) GetMemoryInfo()
    {
        nuint free, total;
        Check(cuMemGetInfo_v2(&free, &total));
        return (free, total);
    }

    // ------------------------------------------------------------------ contexts

    /// <summary>Retains the device's primary context (cuDevicePrimaryCtxRetain); dispose to release it.</summary>
    /// <param name="device">The CUdevice.</param>
    /// <returns>The owned reference.</returns>
    public static PrimaryContextHandle RetainPrimaryContext(int device)
    {
        IntPtr ctx;
        Check(cuDevicePrimaryCtxRetain(&ctx, device));
        return new PrimaryContextHandle(ctx, device);
    }

    internal static CuResult ReleasePrimaryContext(int device) => cuDevicePrimaryCtxRelease_v2(device);

    /// <summary>Makes <paramref name="context"/> current on the calling thread (cuCtxSetCurrent).</summary>
    /// <param name="context">The CUcontext (zero unbinds).</param>
    public static void SetCurrentContext(IntPtr context) => Check(cuCtxSetCurrent(context));

    /// <summary>The context current on the calling thread, or zero (cuCtxGetCurrent).</summary>
    /// <returns>The CUcontext.</returns>
    public static IntPtr GetCurrentContext()
    {
        IntPtr ctx;
        Check(cuCtxGetCurrent(&ctx));
        return ctx;
    }

    /// <summary>Waits for all work of the current context (cuCtxSynchronize).</summary>
    public static void SynchronizeContext() => Check(cuCtxSynchronize());

    // ------------------------------------------------------------------ memory

    /// <summary>Allocates device memory (cuMemAlloc_v2), returning the status so that callers can handle out-of-memory.</summary>
    /// <param name="bytes">Size in bytes.</param>
    /// <param name="pointer">The device pointer, or 0 on failure.</param>
    /// <returns>The status.</returns>
    public static CuResult TryAllocate(ulong bytes, out ulong pointer)
    {
        ulong p = 0;
        CuResult r = cuMemAlloc_v2(&p, (nuint)bytes);
        pointer = p;
        return r;
    }

    /// <summary>Allocates device memory (cuMemAlloc_v2).</summary>
    /// <param name="bytes">Size in bytes.</param>
    /// <returns>The device pointer; free it with <see cref="Free"/>.</returns>
    public static ulong Allocate(ulong bytes)
    {
        ulong p;
        Check(cuMemAlloc_v2(&p, (nuint)bytes));
        return p;
    }

    /// <summary>Frees device memory (cuMemFree_v2).</summary>
    /// <param name="pointer">A pointer from <see cref="Allocate"/>.</param>
    public static void Free(ulong pointer) => Check(cuMemFree_v2(pointer));

    internal static CuResult FreeNoThrow(ulong pointer) => cuMemFree_v2(pointer);

    /// <summary>Sets <paramref name="count"/> bytes to <paramref name="value"/> (cuMemsetD8_v2).</summary>
    /// <param name="pointer">Device pointer.</param>
    /// <param name="value">Byte value.</param>
    /// <param name="count">Number of bytes.</param>
    public static void SetBytes(ulong pointer, byte value, ulong count) => Check(cuMemsetD8_v2(pointer, value, (nuint)count));

    /// <summary>Sets <paramref name="count"/> 32-bit words to <paramref name="value"/> (cuMemsetD32_v2).</summary>
    /// <param name="pointer">Device pointer (4-byte aligned).</param>
    /// <param name="value">Word value.</param>
    /// <param name="count">Number of words.</param>
    public static void SetWords(ulong pointer, uint value, ulong count) => Check(cuMemsetD32_v2(pointer, value, (nuint)count));

    /// <summary>Asynchronous <see cref="SetBytes"/> on a stream (cuMemsetD8Async).</summary>
    /// <param name="pointer">Device pointer.</param>
    /// <param name="value">Byte value.</param>
    /// <param name="count">Number of bytes.</param>
    /// <param name="stream">The CUstream (zero: legacy default stream).</param>
    public static void SetBytesAsync(ulong pointer, byte value, ulong count, IntPtr stream)
        => Check(cuMemsetD8Async(pointer, value, (nuint)count, stream));

    /// <summary>Asynchronous <see cref="SetWords"/> on a stream (cuMemsetD32Async).</summary>
    /// <param name="pointer">Device pointer (4-byte aligned).</param>
    /// <param name="value">Word value.</param>
    /// <param name="count">Number of words.</param>
    /// <param name="stream">The CUstream.</param>
    public static void SetWordsAsync(ulong pointer, uint value, ulong count, IntPtr stream)
        => Check(cuMemsetD32Async(pointer, value, (nuint)count, stream));

    /// <summary>Allocates page-locked host memory (cuMemAllocHost_v2); dispose the handle to free it.</summary>
    /// <param name="bytes">Size in bytes.</param>
    /// <returns>The owned buffer.</returns>
    public static PinnedHostBuffer AllocateHost(ulong bytes)
    {
        void* p;
        Check(cuMemAllocHost_v2(&p, (nuint)bytes));
        return new PinnedHostBuffer((IntPtr)p, bytes);
    }

    internal static CuResult FreeHost(IntPtr pointer) => cuMemFreeHost((void*)pointer);

    /// <summary>Copies host to device, synchronously (cuMemcpyHtoD_v2).</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="destination">Device pointer.</param>
    /// <param name="source">Host data.</param>
    public static void CopyToDevice<T>(ulong destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        fixed (T* s = source)
        {
            Check(cuMemcpyHtoD_v2(destination, s, (nuint)((ulong)source.Length * (ulong)sizeof(T))));
        }
    }

    /// <summary>Copies device to host, synchronously (cuMemcpyDtoH_v2).</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="destination">Host buffer.</param>
    /// <param name="source">Device pointer.</param>
    public static void CopyToHost<T>(Span<T> destination, ulong source)
        where T : unmanaged
    {
        fixed (T* d = destination)
        {
            Check(cuMemcpyDtoH_v2(d, source, (nuint)((ulong)destination.Length * (ulong)sizeof(T))));
        }
    }

    /// <summary>Copies device to device (cuMemcpyDtoD_v2).</summary>
    /// <param name="destination">Device pointer.</param>
    /// <param name="source">Device pointer.</param>
    /// <param name="bytes">Bytes to copy.</param>
    public static void CopyDeviceToDevice(ulong destination, ulong source, ulong bytes)
        => Check(cuMemcpyDtoD_v2(destination, source, (nuint)bytes));

    /// <summary>Copies host to device on a stream (cuMemcpyHtoDAsync_v2). Asynchronous only for pinned host memory.</summary>
    /// <param name="destination">Device pointer.</param>
    /// <param name="source">Host pointer (keep it alive and unchanged until the stream passes the copy).</param>
    /// <param name="bytes">Bytes to copy.</param>
    /// <param name="stream">The CUstream.</param>
    public static void CopyToDeviceAsync(ulong destination, IntPtr source, ulong bytes, IntPtr stream)
        => Check(cuMemcpyHtoDAsync_v2(destination, (void*)source, (nuint)bytes, stream));

    /// <summary>Copies device to host on a stream (cuMemcpyDtoHAsync_v2).</summary>
    /// <param name="destination">Host pointer (pinned for true asynchrony).</param>
    /// <param name="source">Device pointer.</param>
    /// <param name="bytes">Bytes to copy.</param>
    /// <param name="stream">The CUstream.</param>
    public static void CopyToHostAsync(IntPtr destination, ulong source, ulong bytes, IntPtr stream)
        => Check(cuMemcpyDtoHAsync_v2((void*)destination, source, (nuint)bytes, stream));

    /// <summary>Copies device to device on a stream (cuMemcpyDtoDAsync_v2).</summary>
    /// <param name="destination">Device pointer.</param>
    /// <param name="source">Device pointer.</param>
    /// <param name="bytes">Bytes to copy.</param>
    /// <param name="stream">The CUstream.</param>
    public static void CopyDeviceToDeviceAsync(ulong destination, ulong source, ulong bytes, IntPtr stream)
        => Check(cuMemcpyDtoDAsync_v2(destination, source, (nuint)bytes, stream));

    /// <summary>Reads an attribute of a pointer (cuPointerGetAttribute); the result is widened to 64 bits.</summary>
    /// <param name="pointer">The pointer.</param>
    /// <param name="attribute">The attribute.</param>
    /// <returns>The value (a CUcontext, memory type, pointer or ordinal).</returns>
    public static ulong GetPointerAttribute(ulong pointer, PointerAttribute attribute)
    {
        ulong value = 0; // 8 bytes covers every attribute listed in PointerAttribute
        Check(cuPointerGetAttribute(&value, attribute, pointer));
        return attribute is PointerAttribute.MemoryType or PointerAttribute.DeviceOrdinal ? (uint)value : value;
    }

    // ------------------------------------------------------------------ streams and events

    /// <summary>Creates a stream (cuStreamCreate).</summary>
    /// <param name="flags"><see cref="StreamNonBlocking"/> or 0.</param>
    /// <returns>The owned stream.</returns>
    public static StreamHandle CreateStream(uint flags = StreamNonBlocking)
    {
        IntPtr s;
        Check(cuStreamCreate(&s, flags));
        return new StreamHandle(s);
    }

    internal static CuResult DestroyStream(IntPtr stream) => cuStreamDestroy_v2(stream);

    /// <summary>Waits for all work on a stream (cuStreamSynchronize).</summary>
    /// <param name="stream">The CUstream.</param>
    public static void SynchronizeStream(IntPtr stream) => Check(cuStreamSynchronize(stream));

    /// <summary>True when all work on the stream has finished (cuStreamQuery; CUDA_ERROR_NOT_READY means false).</summary>
    /// <param name="stream">The CUstream.</param>
    /// <returns>Whether the stream is idle.</returns>
    public static bool QueryStream(IntPtr stream)
    {
        CuResult r = cuStreamQuery(stream);
        if (r == CuResult.CUDA_ERROR_NOT_READY)
        {
            return false;
        }
        Check(r, "cuStreamQuery(stream)");
        return true;
    }

    /// <summary>Makes future work on <paramref name="stream"/> wait for <paramref name="ev"/> (cuStreamWaitEvent).</summary>
    /// <param name="stream">The waiting CUstream.</param>
    /// <param name="ev">The CUevent.</param>
    public static void StreamWaitEvent(IntPtr stream, IntPtr ev) => Check(cuStreamWaitEvent(stream, ev, 0));

    /// <summary>Creates an event (cuEventCreate).</summary>
    /// <param name="flags"><see cref="EventDefault"/> (timing) or <see cref="EventDisableTiming"/>.</param>
    /// <returns>The owned event.</returns>
    public static EventHandle CreateEvent(uint flags = EventDisableTiming)
    {
        IntPtr e;
        Check(cuEventCreate(&e, flags));
        return new EventHandle(e);
    }

    internal static CuResult DestroyEvent(IntPtr ev) => cuEventDestroy_v2(ev);

    /// <summary>Records an event on a stream (cuEventRecord).</summary>
    /// <param name="ev">The CUevent.</param>
    /// <param name="stream">The CUstream.</param>
    public static void RecordEvent(IntPtr ev, IntPtr stream) => Check(cuEventRecord(ev, stream));

    /// <summary>Waits for an event (cuEventSynchronize).</summary>
    /// <param name="ev">The CUevent.</param>
    public static void SynchronizeEvent(IntPtr ev) => Check(cuEventSynchronize(ev));

    /// <summary>True when the event has completed (cuEventQuery).</summary>
    /// <param name="ev">The CUevent.</param>
    /// <returns>Whether the event has completed.</returns>
    public static bool QueryEvent(IntPtr ev)
    {
        CuResult r = cuEventQuery(ev);
        if (r == CuResult.CUDA_ERROR_NOT_READY)
        {
            return false;
        }
        Check(r, "cuEventQuery(ev)");
        return true;
    }

    /// <summary>Milliseconds between two completed timing events (cuEventElapsedTime).</summary>
    /// <param name="start">The earlier CUevent.</param>
    /// <param name="end">The later CUevent.</param>
    /// <returns>Elapsed milliseconds (resolution about 0.5 us).</returns>
    public static float ElapsedMilliseconds(IntPtr start, IntPtr end)
    {
        float ms;
        Check(cuEventElapsedTime(&ms, start, end));
        return ms;
    }

    // ------------------------------------------------------------------ modules and launches

    /// <summary>Loads a module from a cubin or NUL-terminated PTX image into the current context (cuModuleLoadData).</summary>
    /// <param name="image">The cubin bytes, or PTX text with a trailing NUL.</param>
    /// <returns>The owned module.</returns>
    public static CudaModuleHandle LoadModule(ReadOnlySpan<byte> image)
    {
        IntPtr m;
        fixed (byte* p = image)
        {
            Check(cuModuleLoadData(&m, p));
        }
        return new CudaModuleHandle(m);
    }

    internal static CuResult UnloadModule(IntPtr module) => cuModuleUnload(module);

    /// <summary>A kernel of a module by its (lowered) name (cuModuleGetFunction).</summary>
    /// <param name="module">The module.</param>
    /// <param name="name">The kernel's symbol name.</param>
    /// <returns>The CUfunction (owned by the module).</returns>
    public static IntPtr GetFunction(CudaModuleHandle module, string name)
    {
        ArgumentNullException.ThrowIfNull(module);
        IntPtr f;
        Check(cuModuleGetFunction(&f, module.DangerousGetHandle(), name));
        GC.KeepAlive(module);
        return f;
    }

    /// <summary>
    /// Launches a kernel (cuLaunchKernel). <paramref name="arguments"/> holds one pointer per kernel
    /// parameter, each pointing at the parameter's value.
    /// </summary>
    /// <param name="function">The CUfunction.</param>
    /// <param name="grid">Grid size in blocks.</param>
    /// <param name="block">Block size in threads.</param>
    /// <param name="sharedMemoryBytes">Dynamic shared memory per block.</param>
    /// <param name="stream">The CUstream.</param>
    /// <param name="arguments">Pointers to the argument values.</param>
    public static void Launch(IntPtr function, (uint X, uint Y, uint Z) grid, (uint X, uint Y, uint Z) block,
        uint sharedMemoryBytes, IntPtr stream, ReadOnlySpan<IntPtr> arguments)
    {
        fixed (IntPtr* args = arguments)
        {
            Check(cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z,
                sharedMemoryBytes, stream, (void**)args, null));
        }
        Interlocked.Increment(ref kernelLaunches);
    }

    private static long kernelLaunches, graphLaunches;

    /// <summary>
    /// Kernels queued through <see cref="Launch"/> in this process (inside a stream capture too: there they are
    /// recorded, not run). Kernels that cuBLAS launches itself are not counted. For launch-count reports.
    /// </summary>
    public static long KernelLaunches => Interlocked.Read(ref kernelLaunches);

    /// <summary>Executable graphs launched through <see cref="LaunchGraph"/> in this process.</summary>
    public static long GraphLaunches => Interlocked.Read(ref graphLaunches);

    /// <summary>Sets a function attribute (cuFuncSetAttribute), e.g. the dynamic shared memory opt-in.</summary>
    /// <param name="function">The CUfunction.</param>
    /// <param name="attribute">A CU_FUNC_ATTRIBUTE_* value.</param>
    /// <param name="value">The value.</param>
    public static void SetFunctionAttribute(IntPtr function, int attribute, int value)
        => Check(cuFuncSetAttribute(function, attribute, value));

    /// <summary>The block size that maximizes occupancy and the grid size that fills the device (cuOccupancyMaxPotentialBlockSize).</summary>
    /// <param name="function">The CUfunction.</param>
    /// <param name="dynamicSharedMemoryBytes">Dynamic shared memory per block.</param>
    /// <param name="blockSizeLimit">Largest block size to consider (0: no limit).</param>
    /// <returns>(minimum grid size for full occupancy, block size).</returns>
    public static (int MinGridSize, int BlockSize) MaxPotentialBlockSize(IntPtr function, ulong dynamicSharedMemoryBytes = 0, int blockSizeLimit = 0)
    {
        int grid, block;
        Check(cuOccupancyMaxPotentialBlockSize(&grid, &block, function, IntPtr.Zero, (nuint)dynamicSharedMemoryBytes, blockSizeLimit));
        return (grid, block);
    }

    /// <summary>Resident blocks per multiprocessor (cuOccupancyMaxActiveBlocksPerMultiprocessor).</summary>
    /// <param name="function">The CUfunction.</param>
    /// <param name="blockSize">Threads per block.</param>
    /// <param name="dynamicSharedMemoryBytes">Dynamic shared memory per block.</param>
    /// <returns>Blocks per SM.</returns>
    public static int MaxActiveBlocksPerMultiprocessor(IntPtr function, int blockSize, ulong dynamicSharedMemoryBytes = 0)
    {
        int n;
        Check(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, function, blockSize, (nuint)dynamicSharedMemoryBytes));
        return n;
    }

    // ------------------------------------------------------------------ graphs

    /// <summary>Starts capturing the work submitted to a stream into a graph (cuStreamBeginCapture_v2).</summary>
    /// <param name="stream">The CUstream (not the legacy default stream).</param>
    /// <param name="mode">The capture mode.</param>
    public static void BeginCapture(IntPtr stream, StreamCaptureMode mode = StreamCaptureMode.ThreadLocal)
        => Check(cuStreamBeginCapture_v2(stream, mode));

    /// <summary>Ends a capture and returns the graph (cuStreamEndCapture).</summary>
    /// <param name="stream">The capturing CUstream.</param>
    /// <returns>The owned graph.</returns>
    public static GraphHandle EndCapture(IntPtr stream)
    {
        IntPtr g;
        Check(cuStreamEndCapture(stream, &g));
        return new GraphHandle(g);
    }

    internal static CuResult DestroyGraph(IntPtr graph) => cuGraphDestroy(graph);

    /// <summary>Instantiates a graph for launching (cuGraphInstantiateWithFlags, CUDA 11.4 and later).</summary>
    /// <param name="graph">The graph.</param>
    /// <returns>The owned executable graph.</returns>
    public static GraphExecHandle Instantiate(GraphHandle graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        IntPtr exec;
        Check(cuGraphInstantiateWithFlags(&exec, graph.DangerousGetHandle(), 0));
        GC.KeepAlive(graph);
        return new GraphExecHandle(exec);
    }

    internal static CuResult DestroyGraphExec(IntPtr exec) => cuGraphExecDestroy(exec);

    /// <summary>Launches an executable graph on a stream (cuGraphLaunch).</summary>
    /// <param name="exec">The executable graph.</param>
    /// <param name="stream">The CUstream.</param>
    public static void LaunchGraph(GraphExecHandle exec, IntPtr stream)
    {
        ArgumentNullException.ThrowIfNull(exec);
        Check(cuGraphLaunch(exec.DangerousGetHandle(), stream));
        GC.KeepAlive(exec);
        Interlocked.Increment(ref graphLaunches);
    }

    // ------------------------------------------------------------------ imports (cuda.h)

    [LibraryImport(Lib)] private static partial CuResult cuGetErrorName(CuResult error, byte** pStr);
    [LibraryImport(Lib)] private static partial CuResult cuGetErrorString(CuResult error, byte** pStr);
    [LibraryImport(Lib)] private static partial CuResult cuInit(uint flags);
    [LibraryImport(Lib)] private static partial CuResult cuDriverGetVersion(int* driverVersion);
    [LibraryImport(Lib)] private static partial CuResult cuDeviceGetCount(int* count);
    [LibraryImport(Lib)] private static partial CuResult cuDeviceGet(int* device, int ordinal);
    [LibraryImport(Lib)] private static partial CuResult cuDeviceGetName(byte* name, int len, int dev);
    [LibraryImport(Lib)] private static partial CuResult cuDeviceGetAttribute(int* pi, DeviceAttribute attrib, int dev);
    [LibraryImport(Lib)] private static partial CuResult cuDeviceTotalMem_v2(nuint* bytes, int dev);
    [LibraryImport(Lib)] private static partial CuResult cuMemGetInfo_v2(nuint* free, nuint* total);
    [LibraryImport(Lib)] private static partial CuResult cuDevicePrimaryCtxRetain(IntPtr* pctx, int dev);
    [LibraryImport(Lib)] private static partial CuResult cuDevicePrimaryCtxRelease_v2(int dev);
    [LibraryImport(Lib)] private static partial CuResult cuCtxSetCurrent(IntPtr ctx);
    [LibraryImport(Lib)] private static partial CuResult cuCtxGetCurrent(IntPtr* pctx);
    [LibraryImport(Lib)] private static partial CuResult cuCtxSynchronize();
    [LibraryImport(Lib)] private static partial CuResult cuMemAlloc_v2(ulong* dptr, nuint bytesize);
    [LibraryImport(Lib)] private static partial CuResult cuMemFree_v2(ulong dptr);
    [LibraryImport(Lib)] private static partial CuResult cuMemsetD8_v2(ulong dstDevice, byte uc, nuint n);
    [LibraryImport(Lib)] private static partial CuResult cuMemsetD32_v2(ulong dstDevice, uint ui, nuint n);
    [LibraryImport(Lib)] private static partial CuResult cuMemsetD8Async(ulong dstDevice, byte uc, nuint n, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuMemsetD32Async(ulong dstDevice, uint ui, nuint n, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuMemAllocHost_v2(void** pp, nuint bytesize);
    [LibraryImport(Lib)] private static partial CuResult cuMemFreeHost(void* p);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyHtoD_v2(ulong dstDevice, void* srcHost, nuint byteCount);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyDtoH_v2(void* dstHost, ulong srcDevice, nuint byteCount);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyDtoD_v2(ulong dstDevice, ulong srcDevice, nuint byteCount);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyHtoDAsync_v2(ulong dstDevice, void* srcHost, nuint byteCount, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyDtoHAsync_v2(void* dstHost, ulong srcDevice, nuint byteCount, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuMemcpyDtoDAsync_v2(ulong dstDevice, ulong srcDevice, nuint byteCount, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuPointerGetAttribute(void* data, PointerAttribute attribute, ulong ptr);
    [LibraryImport(Lib)] private static partial CuResult cuStreamCreate(IntPtr* phStream, uint flags);
    [LibraryImport(Lib)] private static partial CuResult cuStreamDestroy_v2(IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuStreamSynchronize(IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuStreamQuery(IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuStreamWaitEvent(IntPtr hStream, IntPtr hEvent, uint flags);
    [LibraryImport(Lib)] private static partial CuResult cuEventCreate(IntPtr* phEvent, uint flags);
    [LibraryImport(Lib)] private static partial CuResult cuEventDestroy_v2(IntPtr hEvent);
    [LibraryImport(Lib)] private static partial CuResult cuEventRecord(IntPtr hEvent, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuEventSynchronize(IntPtr hEvent);
    [LibraryImport(Lib)] private static partial CuResult cuEventQuery(IntPtr hEvent);
    [LibraryImport(Lib)] private static partial CuResult cuEventElapsedTime(float* pMilliseconds, IntPtr hStart, IntPtr hEnd);
    [LibraryImport(Lib)] private static partial CuResult cuModuleLoadData(IntPtr* module, void* image);
    [LibraryImport(Lib)] private static partial CuResult cuModuleUnload(IntPtr hmod);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial CuResult cuModuleGetFunction(IntPtr* hfunc, IntPtr hmod, string name);
    [LibraryImport(Lib)]
    private static partial CuResult cuLaunchKernel(IntPtr f, uint gridDimX, uint gridDimY, uint gridDimZ,
        uint blockDimX, uint blockDimY, uint blockDimZ, uint sharedMemBytes, IntPtr hStream, void** kernelParams, void** extra);
    [LibraryImport(Lib)] private static partial CuResult cuFuncSetAttribute(IntPtr hfunc, int attrib, int value);
    [LibraryImport(Lib)]
    private static partial CuResult cuOccupancyMaxPotentialBlockSize(int* minGridSize, int* blockSize, IntPtr func,
        IntPtr blockSizeToDynamicSMemSize, nuint dynamicSMemSize, int blockSizeLimit);
    [LibraryImport(Lib)] private static partial CuResult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, IntPtr func, int blockSize, nuint dynamicSMemSize);
    [LibraryImport(Lib)] private static partial CuResult cuStreamBeginCapture_v2(IntPtr hStream, StreamCaptureMode mode);
    [LibraryImport(Lib)] private static partial CuResult cuStreamEndCapture(IntPtr hStream, IntPtr* phGraph);
    [LibraryImport(Lib)] private static partial CuResult cuGraphInstantiateWithFlags(IntPtr* phGraphExec, IntPtr hGraph, ulong flags);
    [LibraryImport(Lib)] private static partial CuResult cuGraphLaunch(IntPtr hGraphExec, IntPtr hStream);
    [LibraryImport(Lib)] private static partial CuResult cuGraphDestroy(IntPtr hGraph);
    [LibraryImport(Lib)] private static partial CuResult cuGraphExecDestroy(IntPtr hGraphExec);
}
