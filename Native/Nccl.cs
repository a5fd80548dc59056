using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>
/// The 128-byte <c>ncclUniqueId</c> (<c>NCCL_UNIQUE_ID_BYTES</c>): made by one rank with
/// <see cref="Nccl.GetUniqueId"/>, sent to the others (over MPI), passed by value to <see cref="Nccl.CommInitRank"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Bytes)]
public unsafe struct NcclUniqueId
{
    /// <summary>NCCL_UNIQUE_ID_BYTES.</summary>
    public const int Bytes = 128;

    private fixed byte _internal[Bytes];

    /// <summary>The bytes, for sending to the other ranks.</summary>
    /// <returns>A copy of the 128 bytes.</returns>
    public readonly byte[] ToArray()
    {
        var result = new byte[Bytes];
        fixed (byte* p = _internal)
        {
            new ReadOnlySpan<byte>(p, Bytes).CopyTo(result);
        }
        return result;
    }

    /// <summary>An id from bytes received from the rank that made it.</summary>
    /// <param name="bytes">Exactly 128 bytes.</param>
    /// <returns>The id.</returns>
    public static NcclUniqueId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Bytes)
        {
            throw new ArgumentException($"An ncclUniqueId has {Bytes} bytes, not {bytes.Length}.", nameof(bytes));
        }
        NcclUniqueId id = default;
        bytes.CopyTo(new Span<byte>(id._internal, Bytes));
        return id;
    }
}

/// <summary>
/// NCCL 2 (nccl.h, <c>libnccl.so.2</c>): communicators over one GPU per rank and collectives enqueued on a CUDA
/// stream. Buffers are device addresses; streams are <c>CUstream</c> handles (the driver API's and the runtime's are
/// the same object). Every method checks the status and throws <see cref="NcclException"/>.
/// </summary>
public static unsafe partial class Nccl
{
    private const string Lib = LibraryResolver.NcclImport;

    static Nccl() => LibraryResolver.EnsureRegistered();

    /// <summary>True when libnccl.so.2 was found (never throws).</summary>
    public static bool IsAvailable => LibraryResolver.Probe(NativeLibraryKind.Nccl).Found;

    /// <summary>Throws <see cref="NcclException"/> unless <paramref name="result"/> is ncclSuccess.</summary>
    /// <param name="result">The status.</param>
    /// <param name="call">The call (filled in by the compiler).</param>
    /// <exception cref="NcclException">The status is an error.</exception>
    public static void Check(NcclResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != NcclResult.ncclSuccess)
        {
            throw new NcclException(result, call);
        }
    }

    /// <summary>NCCL's text for a status (ncclGetErrorString); never throws.</summary>
    /// <param name="result">The status.</param>
    /// <returns>The text.</returns>
    public static string ErrorString(NcclResult result)
    {
        try
        {
            return Marshal.PtrToStringUTF8((IntPtr)ncclGetErrorString(result)) ?? "unknown";
        }
        catch (DllNotFoundException)
        {
            return "unknown (libnccl not loaded)";
        }
    }

    /// <summary>The version code (ncclGetVersion): major*10000 + minor*100 + patch since 2.9, or 0 when missing.</summary>
    /// <returns>The code, e.g. 21903 for 2.19.3.</returns>
    public static int TryGetVersion()
    {
        if (!IsAvailable)
        {
            return 0;
        }
        int version;
        return ncclGetVersion(&version) == NcclResult.ncclSuccess ? version : 0;
    }

    /// <summary>ncclGetUniqueId: a new id for one communicator (call on one rank, broadcast to the others).</summary>
    /// <returns>The id.</returns>
    public static NcclUniqueId GetUniqueId()
    {
        NcclUniqueId id;
        Check(ncclGetUniqueId(&id));
        return id;
    }

    /// <summary>ncclCommInitRank: joins the communicator <paramref name="id"/> as <paramref name="rank"/> on the current device.</summary>
    /// <param name="worldSize">Number of ranks.</param>
    /// <param name="id">The id from <see cref="GetUniqueId"/> on one rank.</param>
    /// <param name="rank">This rank.</param>
    /// <returns>The communicator handle (end it with <see cref="CommDestroy"/> or <see cref="CommAbort"/>).</returns>
    public static IntPtr CommInitRank(int worldSize, NcclUniqueId id, int rank)
    {
        IntPtr comm;
        Check(ncclCommInitRank(&comm, worldSize, id, rank));
        return comm;
    }

    /// <summary>ncclCommDestroy: frees the communicator after its pending work.</summary>
    /// <param name="comm">The communicator.</param>
    public static void CommDestroy(IntPtr comm) => Check(ncclCommDestroy(comm));

    /// <summary>ncclCommAbort: frees the communicator at once, cancelling pending work (after an error or timeout).</summary>
    /// <param name="comm">The communicator.</param>
    public static void CommAbort(IntPtr comm) => Check(ncclCommAbort(comm));

    /// <summary>ncclCommGetAsyncError: the error a communicator hit in the background (ncclSuccess when none).</summary>
    /// <param name="comm">The communicator.</param>
    /// <returns>The pending error.</returns>
    public static NcclResult CommGetAsyncError(IntPtr comm)
    {
        NcclResult error;
        Check(ncclCommGetAsyncError(comm, &error));
        return error;
    }

    /// <summary>ncclAllReduce.</summary>
    /// <param name="send">Device input.</param>
    /// <param name="recv">Device output (may equal <paramref name="send"/>).</param>
    /// <param name="count">Elements.</param>
    /// <param name="type">Element type.</param>
    /// <param name="op">Reduction.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void AllReduce(ulong send, ulong recv, ulong count, NcclDataType type, NcclRedOp op, IntPtr comm, IntPtr stream)
        => Check(ncclAllReduce(send, recv, (nuint)count, type, op, comm, stream));

    /// <summary>ncclBroadcast.</summary>
    /// <param name="send">Device input (significant on the root).</param>
    /// <param name="recv">Device output.</param>
    /// <param name="count">Elements.</param>
    /// <param name="type">Element type.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void Broadcast(ulong send, ulong recv, ulong count, NcclDataType type, int root, IntPtr comm, IntPtr stream)
        => Check(ncclBroadcast(send, recv, (nuint)count, type, root, comm, stream));

    /// <summary>ncclReduce.</summary>
    /// <param name="send">Device input.</param>
    /// <param name="recv">Device output (significant on the root).</param>
    /// <param name="count">Elements.</param>
    /// <param name="type">Element type.</param>
    /// <param name="op">Reduction.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void Reduce(ulong send, ulong recv, ulong count, NcclDataType type, NcclRedOp op, int root, IntPtr comm, IntPtr stream)
        => Check(ncclReduce(send, recv, (nuint)count, type, op, root, comm, stream));

    /// <summary>ncclAllGather.</summary>
    /// <param name="send">Device input: <paramref name="sendCount"/> elements.</param>
    /// <param name="recv">Device output: ranks × <paramref name="sendCount"/> elements.</param>
    /// <param name="sendCount">Elements per rank.</param>
    /// <param name="type">Element type.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void AllGather(ulong send, ulong recv, ulong sendCount, NcclDataType type, IntPtr comm, IntPtr stream)
        => Check(ncclAllGather(send, recv, (nuint)sendCount, type, comm, stream));

    /// <summary>ncclReduceScatter.</summary>
    /// <param name="send">Device input: ranks × <paramref name="recvCount"/> elements.</param>
    /// <param name="recv">Device output: <paramref name="recvCount"/> elements.</param>
    /// <param name="recvCount">Elements per rank.</param>
    /// <param name="type">Element type.</param>
    /// <param name="op">Reduction.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void ReduceScatter(ulong send, ulong recv, ulong recvCount, NcclDataType type, NcclRedOp op, IntPtr comm, IntPtr stream)
        => Check(ncclReduceScatter(send, recv, (nuint)recvCount, type, op, comm, stream));

    /// <summary>ncclSend (NCCL 2.7+).</summary>
    /// <param name="send">Device input.</param>
    /// <param name="count">Elements.</param>
    /// <param name="type">Element type.</param>
    /// <param name="peer">Destination rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void Send(ulong send, ulong count, NcclDataType type, int peer, IntPtr comm, IntPtr stream)
        => Check(ncclSend(send, (nuint)count, type, peer, comm, stream));

    /// <summary>ncclRecv (NCCL 2.7+).</summary>
    /// <param name="recv">Device output.</param>
    /// <param name="count">Elements.</param>
    /// <param name="type">Element type.</param>
    /// <param name="peer">Source rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="stream">CUDA stream.</param>
    public static void Recv(ulong recv, ulong count, NcclDataType type, int peer, IntPtr comm, IntPtr stream)
        => Check(ncclRecv(recv, (nuint)count, type, peer, comm, stream));

    /// <summary>ncclGroupStart: the following calls are launched together at <see cref="GroupEnd"/>.</summary>
    public static void GroupStart() => Check(ncclGroupStart());

    /// <summary>ncclGroupEnd.</summary>
    public static void GroupEnd() => Check(ncclGroupEnd());

    [LibraryImport(Lib)] private static partial byte* ncclGetErrorString(NcclResult result);
    [LibraryImport(Lib)] private static partial NcclResult ncclGetVersion(int* version);
    [LibraryImport(Lib)] private static partial NcclResult ncclGetUniqueId(NcclUniqueId* uniqueId);
    [LibraryImport(Lib)] private static partial NcclResult ncclCommInitRank(IntPtr* comm, int nranks, NcclUniqueId commId, int rank);
    [LibraryImport(Lib)] private static partial NcclResult ncclCommDestroy(IntPtr comm);
    [LibraryImport(Lib)] private static partial NcclResult ncclCommAbort(IntPtr comm);
    [LibraryImport(Lib)] private static partial NcclResult ncclCommGetAsyncError(IntPtr comm, NcclResult* asyncError);
    [LibraryImport(Lib)]
    private static partial NcclResult ncclAllReduce(ulong sendbuff, ulong recvbuff, nuint count, NcclDataType datatype, NcclRedOp op, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)]
    private static partial NcclResult ncclBroadcast(ulong sendbuff, ulong recvbuff, nuint count, NcclDataType datatype, int root, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)]
    private static partial NcclResult ncclReduce(ulong sendbuff, ulong recvbuff, nuint count, NcclDataType datatype, NcclRedOp op, int root, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)]
    private static partial NcclResult ncclAllGather(ulong sendbuff, ulong recvbuff, nuint sendcount, NcclDataType datatype, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)]
    private static partial NcclResult ncclReduceScatter(ulong sendbuff, ulong recvbuff, nuint recvcount, NcclDataType datatype, NcclRedOp op, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)] private static partial NcclResult ncclSend(ulong sendbuff, nuint count, NcclDataType datatype, int peer, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)] private static partial NcclResult ncclRecv(ulong recvbuff, nuint count, NcclDataType datatype, int peer, IntPtr comm, IntPtr stream);
    [LibraryImport(Lib)] private static partial NcclResult ncclGroupStart();
    [LibraryImport(Lib)] private static partial NcclResult ncclGroupEnd();
}
