using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>
/// MPI for the Open MPI 4/5 ABI (mpi.h of Open MPI, <c>libmpi.so.40</c>). Handles (<c>MPI_Comm</c>,
/// <c>MPI_Datatype</c>, <c>MPI_Op</c>, <c>MPI_Request</c>, <c>MPI_Group</c>) are pointers; the predefined ones are
/// the addresses of exported globals (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>), which
/// <see cref="CommWorld"/>, <see cref="Datatype"/> and <see cref="Op"/> look up in the loaded library. Counts are
/// C <c>int</c>s (MPI 3.1). Every method checks the return code and throws <see cref="MpiException"/>.
/// </summary>
/// <remarks>
/// MPICH-ABI libraries (MPICH, Intel MPI, MVAPICH: <c>libmpi.so.12</c>, integer handles) are a different ABI and are
/// not loaded.
/// </remarks>
public static unsafe partial class Mpi
{
    /// <summary>MPI_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>MPI_ERR_COMM: an invalid communicator.</summary>
    public const int ErrComm = 5;

    /// <summary>MPI_ERR_TRUNCATE: a message longer than the receive buffer.</summary>
    public const int ErrTruncate = 15;

    /// <summary>MPI_ANY_SOURCE.</summary>
    public const int AnySource = -1;

    /// <summary>MPI_ANY_TAG.</summary>
    public const int AnyTag = -1;

    /// <summary>MPI_UNDEFINED (a color for <see cref="CommSplit"/> that puts the caller in no new communicator).</summary>
    public const int Undefined = -32766;

    /// <summary>MPI_IN_PLACE: <c>(void*)1</c>, as a send buffer it means "the receive buffer holds my input".</summary>
    public static readonly IntPtr InPlace = 1;

    // MPI_MAX_ERROR_STRING (OPAL_MAX_ERROR_STRING) and MPI_MAX_LIBRARY_VERSION_STRING.
    private const int MaxErrorString = 256, MaxLibraryVersionString = 256;

    private const string Lib = LibraryResolver.MpiImport;

    static Mpi() => LibraryResolver.EnsureRegistered();

    /// <summary>True when libmpi was found (never throws).</summary>
    public static bool IsAvailable => LibraryResolver.Probe(NativeLibraryKind.Mpi).Found;

    /// <summary>Throws <see cref="MpiException"/> unless <paramref name="code"/> is MPI_SUCCESS.</summary>
    /// <param name="code">The code an MPI function returned.</param>
    /// <param name="call">The call (filled in by the compiler).</param>
    /// <exception cref="MpiException">The code is an error.</exception>
    public static void Check(int code, [CallerArgumentExpression(nameof(code))] string call = "")
    {
        if (code != Success)
        {
            throw new MpiException(code, call);
        }
    }

    /// <summary>
    /// MPI's description of an error code (MPI_Error_string); never throws. Open MPI aborts the process when
    /// MPI_Error_string is called outside MPI_Init ... MPI_Finalize, so there the standard's class name is returned.
    /// </summary>
    /// <param name="code">The code.</param>
    /// <returns>The text.</returns>
    public static string ErrorString(int code)
    {
        try
        {
            if (!Initialized() || Finalized())
            {
                return ErrorClassName(code);
            }
            byte* text = stackalloc byte[MaxErrorString + 1];
            int length = 0;
            return MPI_Error_string(code, text, &length) == Success
                ? Marshal.PtrToStringUTF8((IntPtr)text, Math.Clamp(length, 0, MaxErrorString))
                : "unknown MPI error";
        }
        catch (DllNotFoundException)
        {
            return "unknown MPI error (libmpi not loaded)";
        }
    }

    // The error classes of the MPI standard (mpi.h), for messages when MPI itself cannot be asked.
    private static string ErrorClassName(int code) => code switch
    {
        0 => "MPI_SUCCESS",
        1 => "MPI_ERR_BUFFER",
        2 => "MPI_ERR_COUNT",
        3 => "MPI_ERR_TYPE",
        4 => "MPI_ERR_TAG",
        5 => "MPI_ERR_COMM",
        6 => "MPI_ERR_RANK",
        7 => "MPI_ERR_REQUEST",
        8 => "MPI_ERR_ROOT",
        9 => "MPI_ERR_GROUP",
        10 => "MPI_ERR_OP",
        11 => "MPI_ERR_TOPOLOGY",
        12 => "MPI_ERR_DIMS",
        13 => "MPI_ERR_ARG",
        14 => "MPI_ERR_UNKNOWN",
        15 => "MPI_ERR_TRUNCATE",
        16 => "MPI_ERR_OTHER",
        17 => "MPI_ERR_INTERN",
        18 => "MPI_ERR_IN_STATUS",
        19 => "MPI_ERR_PENDING",
        _ => "MPI error class " + code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The library's version text (MPI_Get_library_version), e.g. "Open MPI v4.1.4, ...".</summary>
    /// <returns>The text.</returns>
    public static string LibraryVersion()
    {
        byte* text = stackalloc byte[MaxLibraryVersionString + 1];
        int length = 0;
        Check(MPI_Get_library_version(text, &length));
        return Marshal.PtrToStringUTF8((IntPtr)text, Math.Clamp(length, 0, MaxLibraryVersionString)).TrimEnd('\0', '\n');
    }

    // ---- predefined handles --------------------------------------------------------------------------------------

    /// <summary>MPI_COMM_WORLD (<c>&amp;ompi_mpi_comm_world</c>).</summary>
    public static IntPtr CommWorld => Global("ompi_mpi_comm_world");

    /// <summary>MPI_COMM_NULL (<c>&amp;ompi_mpi_comm_null</c>).</summary>
    public static IntPtr CommNull => Global("ompi_mpi_comm_null");

    /// <summary>MPI_REQUEST_NULL (<c>&amp;ompi_request_null</c>): what MPI writes into a request it has completed.</summary>
    public static IntPtr RequestNull => Global("ompi_request_null");

    /// <summary>MPI_ERRORS_RETURN (<c>&amp;ompi_mpi_errors_return</c>).</summary>
    public static IntPtr ErrorsReturn => Global("ompi_mpi_errors_return");

    /// <summary>A predefined datatype handle.</summary>
    /// <param name="type">The datatype.</param>
    /// <returns>The handle.</returns>
    public static IntPtr Datatype(MpiDatatype type) => Global(type switch
    {
        MpiDatatype.Byte => "ompi_mpi_byte",
        MpiDatatype.Float => "ompi_mpi_float",
        MpiDatatype.Double => "ompi_mpi_double",
        MpiDatatype.Int32 => "ompi_mpi_int32_t",
        MpiDatatype.Int64 => "ompi_mpi_int64_t",
        MpiDatatype.UInt8 => "ompi_mpi_uint8_t",
        MpiDatatype.CBool => "ompi_mpi_c_bool",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown MPI datatype."),
    });

    /// <summary>A predefined reduction operation handle.</summary>
    /// <param name="op">The operation.</param>
    /// <returns>The handle.</returns>
    public static IntPtr Op(MpiOp op) => Global(op switch
    {
        MpiOp.Sum => "ompi_mpi_op_sum",
        MpiOp.Prod => "ompi_mpi_op_prod",
        MpiOp.Max => "ompi_mpi_op_max",
        MpiOp.Min => "ompi_mpi_op_min",
        MpiOp.LogicalAnd => "ompi_mpi_op_land",
        MpiOp.LogicalOr => "ompi_mpi_op_lor",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown MPI operation."),
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IntPtr> Globals = new();

    private static IntPtr Global(string symbol) => Globals.GetOrAdd(symbol, static name =>
    {
        NativeLibraryProbe probe = LibraryResolver.Probe(NativeLibraryKind.Mpi);
        if (!probe.Found)
        {
            throw new DllNotFoundException($"{probe.Describe()}. Install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev), "
                + $"or name the folder of libmpi.so.40 in {LibraryResolver.ExtraFoldersVariable}.");
        }
        if (!NativeLibrary.TryGetExport(probe.Handle, name, out IntPtr address))
        {
            throw new EntryPointNotFoundException($"{probe.Path ?? "libmpi"} does not export {name}: it is not Open MPI 4 or 5 "
                + "(MPICH-ABI libraries use integer handles and are not supported).");
        }
        return address;
    });

    // ---- environment ---------------------------------------------------------------------------------------------

    /// <summary>Whether MPI_Init has been called (MPI_Initialized).</summary>
    /// <returns>True once initialized (also after finalize).</returns>
    public static bool Initialized()
    {
        int flag;
        Check(MPI_Initialized(&flag));
        return flag != 0;
    }

    /// <summary>Whether MPI_Finalize has been called (MPI_Finalized).</summary>
    /// <returns>True after finalize.</returns>
    public static bool Finalized()
    {
        int flag;
        Check(MPI_Finalized(&flag));
        return flag != 0;
    }

    /// <summary>Initializes MPI without command-line arguments (MPI_Init_thread(NULL, NULL, ...)).</summary>
    /// <param name="required">The thread level asked for.</param>
    /// <returns>The level MPI provides.</returns>
    public static MpiThreadLevel InitThread(MpiThreadLevel required)
    {
        int provided;
        Check(MPI_Init_thread(null, null, (int)required, &provided));
        return (MpiThreadLevel)provided;
    }

    /// <summary>The thread level MPI was initialized with (MPI_Query_thread).</summary>
    /// <returns>The level.</returns>
    public static MpiThreadLevel QueryThread()
    {
        int provided;
        Check(MPI_Query_thread(&provided));
        return (MpiThreadLevel)provided;
    }

    /// <summary>MPI_Finalize.</summary>
    public static void FinalizeMpi() => Check(MPI_Finalize());

    /// <summary>MPI_Abort: ends every process of <paramref name="comm"/>.</summary>
    /// <param name="comm">The communicator.</param>
    /// <param name="errorCode">The exit code.</param>
    public static void Abort(IntPtr comm, int errorCode) => Check(MPI_Abort(comm, errorCode));

    /// <summary>Makes MPI return error codes on <paramref name="comm"/> instead of aborting (MPI_ERRORS_RETURN).</summary>
    /// <param name="comm">The communicator.</param>
    public static void SetErrorsReturn(IntPtr comm) => Check(MPI_Comm_set_errhandler(comm, ErrorsReturn));

    // ---- communicators and groups --------------------------------------------------------------------------------

    /// <summary>This process's rank in <paramref name="comm"/> (MPI_Comm_rank).</summary>
    /// <param name="comm">The communicator.</param>
    /// <returns>The rank.</returns>
    public static int CommRank(IntPtr comm)
    {
        int rank;
        Check(MPI_Comm_rank(comm, &rank));
        return rank;
    }

    /// <summary>The number of processes in <paramref name="comm"/> (MPI_Comm_size).</summary>
    /// <param name="comm">The communicator.</param>
    /// <returns>The size.</returns>
    public static int CommSize(IntPtr comm)
    {
        int size;
        Check(MPI_Comm_size(comm, &size));
        return size;
    }

    /// <summary>MPI_Comm_dup: a communicator with the same processes and its own message space.</summary>
    /// <param name="comm">The communicator.</param>
    /// <returns>The new communicator (free it with <see cref="CommFree"/>).</returns>
    public static IntPtr CommDup(IntPtr comm)
    {
        IntPtr result;
        Check(MPI_Comm_dup(comm, &result));
        return result;
    }

    /// <summary>MPI_Comm_split: processes with the same color form one communicator, ordered by key.</summary>
    /// <param name="comm">The communicator to split (collective over it).</param>
    /// <param name="color">The color, or <see cref="Undefined"/> for none.</param>
    /// <param name="key">The order within the color.</param>
    /// <returns>The new communicator, or <see cref="CommNull"/> for <see cref="Undefined"/>.</returns>
    public static IntPtr CommSplit(IntPtr comm, int color, int key)
    {
        IntPtr result;
        Check(MPI_Comm_split(comm, color, key, &result));
        return result;
    }

    /// <summary>
    /// MPI_Comm_create_group: a communicator of the listed ranks of <paramref name="comm"/>, collective only over
    /// those ranks (MPI_Comm_group, MPI_Group_incl, MPI_Comm_create_group, MPI_Group_free).
    /// </summary>
    /// <param name="comm">The parent communicator.</param>
    /// <param name="ranks">Ranks of <paramref name="comm"/>; their order gives the new ranks.</param>
    /// <param name="tag">A tag that tells apart concurrent creations.</param>
    /// <returns>The new communicator.</returns>
    public static IntPtr CommCreateGroup(IntPtr comm, ReadOnlySpan<int> ranks, int tag)
    {
        IntPtr parent = 0, subgroup = 0, result;
        Check(MPI_Comm_group(comm, &parent));
        try
        {
            fixed (int* r = ranks)
            {
                Check(MPI_Group_incl(parent, ranks.Length, r, &subgroup));
            }
            Check(MPI_Comm_create_group(comm, subgroup, tag, &result));
            return result;
        }
        finally
        {
            if (subgroup != 0)
            {
                _ = MPI_Group_free(&subgroup);
            }
            _ = MPI_Group_free(&parent);
        }
    }

    /// <summary>MPI_Comm_free.</summary>
    /// <param name="comm">The communicator (not a predefined one).</param>
    public static void CommFree(IntPtr comm) => Check(MPI_Comm_free(&comm));

    // ---- blocking collectives ------------------------------------------------------------------------------------

    /// <summary>MPI_Barrier.</summary>
    /// <param name="comm">The communicator.</param>
    public static void Barrier(IntPtr comm) => Check(MPI_Barrier(comm));

    /// <summary>MPI_Allreduce (<paramref name="send"/> may be <see cref="InPlace"/>).</summary>
    /// <param name="send">Input buffer.</param>
    /// <param name="recv">Output buffer.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="comm">Communicator.</param>
    public static void Allreduce(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, IntPtr comm)
        => Check(MPI_Allreduce(send, recv, count, datatype, op, comm));

    /// <summary>MPI_Bcast.</summary>
    /// <param name="buffer">The root's input, everyone's output.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="root">The root's rank.</param>
    /// <param name="comm">Communicator.</param>
    public static void Bcast(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm)
        => Check(MPI_Bcast(buffer, count, datatype, root, comm));

    /// <summary>MPI_Reduce (<paramref name="send"/> may be <see cref="InPlace"/> on the root).</summary>
    /// <param name="send">Input buffer.</param>
    /// <param name="recv">Output buffer (significant on the root).</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    public static void Reduce(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, int root, IntPtr comm)
        => Check(MPI_Reduce(send, recv, count, datatype, op, root, comm));

    /// <summary>MPI_Allgather (same count and datatype on both sides).</summary>
    /// <param name="send">Input buffer or <see cref="InPlace"/>.</param>
    /// <param name="recv">Output: size × <paramref name="count"/> elements.</param>
    /// <param name="count">Elements per rank.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="comm">Communicator.</param>
    public static void Allgather(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr comm)
        => Check(MPI_Allgather(send, count, datatype, recv, count, datatype, comm));

    /// <summary>MPI_Reduce_scatter_block.</summary>
    /// <param name="send">Input: size × <paramref name="count"/> elements, or <see cref="InPlace"/>.</param>
    /// <param name="recv">Output: <paramref name="count"/> elements.</param>
    /// <param name="count">Elements each rank receives.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="comm">Communicator.</param>
    public static void ReduceScatterBlock(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, IntPtr comm)
        => Check(MPI_Reduce_scatter_block(send, recv, count, datatype, op, comm));

    /// <summary>MPI_Send (blocking standard send).</summary>
    /// <param name="buffer">Data.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="dest">Destination rank.</param>
    /// <param name="tag">Tag.</param>
    /// <param name="comm">Communicator.</param>
    public static void Send(IntPtr buffer, int count, IntPtr datatype, int dest, int tag, IntPtr comm)
        => Check(MPI_Send(buffer, count, datatype, dest, tag, comm));

    /// <summary>MPI_Recv (status ignored).</summary>
    /// <param name="buffer">Destination.</param>
    /// <param name="count">Capacity in elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="source">Source rank or <see cref="AnySource"/>.</param>
    /// <param name="tag">Tag or <see cref="AnyTag"/>.</param>
    /// <param name="comm">Communicator.</param>
    public static void Recv(IntPtr buffer, int count, IntPtr datatype, int source, int tag, IntPtr comm)
        => Check(MPI_Recv(buffer, count, datatype, source, tag, comm, null));

    // ---- nonblocking collectives and point to point (each returns an MPI_Request) --------------------------------

    /// <summary>MPI_Ibarrier.</summary>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Ibarrier(IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Ibarrier(comm, &request));
        return request;
    }

    /// <summary>MPI_Iallreduce.</summary>
    /// <param name="send">Input buffer or <see cref="InPlace"/>.</param>
    /// <param name="recv">Output buffer.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Iallreduce(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Iallreduce(send, recv, count, datatype, op, comm, &request));
        return request;
    }

    /// <summary>MPI_Ibcast.</summary>
    /// <param name="buffer">The root's input, everyone's output.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Ibcast(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Ibcast(buffer, count, datatype, root, comm, &request));
        return request;
    }

    /// <summary>MPI_Ireduce (<paramref name="send"/> may be <see cref="InPlace"/> on the root).</summary>
    /// <param name="send">Input buffer.</param>
    /// <param name="recv">Output buffer (significant on the root).</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Ireduce(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, int root, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Ireduce(send, recv, count, datatype, op, root, comm, &request));
        return request;
    }

    /// <summary>MPI_Iallgather (same count and datatype on both sides).</summary>
    /// <param name="send">Input buffer or <see cref="InPlace"/>.</param>
    /// <param name="recv">Output: size × <paramref name="count"/> elements.</param>
    /// <param name="count">Elements per rank.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Iallgather(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Iallgather(send, count, datatype, recv, count, datatype, comm, &request));
        return request;
    }

    /// <summary>MPI_Ireduce_scatter_block.</summary>
    /// <param name="send">Input: size × <paramref name="count"/> elements, or <see cref="InPlace"/>.</param>
    /// <param name="recv">Output: <paramref name="count"/> elements.</param>
    /// <param name="count">Elements each rank receives.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="op">Operation handle.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr IreduceScatterBlock(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr op, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Ireduce_scatter_block(send, recv, count, datatype, op, comm, &request));
        return request;
    }

    /// <summary>MPI_Igather (same count and datatype on both sides).</summary>
    /// <param name="send">Input buffer.</param>
    /// <param name="recv">Output on the root: size × <paramref name="count"/> elements.</param>
    /// <param name="count">Elements per rank.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Igather(IntPtr send, IntPtr recv, int count, IntPtr datatype, int root, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Igather(send, count, datatype, recv, count, datatype, root, comm, &request));
        return request;
    }

    /// <summary>MPI_Iscatter (same count and datatype on both sides).</summary>
    /// <param name="send">Input on the root: size × <paramref name="count"/> elements.</param>
    /// <param name="recv">Output buffer.</param>
    /// <param name="count">Elements per rank.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="root">Root rank.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Iscatter(IntPtr send, IntPtr recv, int count, IntPtr datatype, int root, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Iscatter(send, count, datatype, recv, count, datatype, root, comm, &request));
        return request;
    }

    /// <summary>MPI_Ialltoall (same count and datatype on both sides).</summary>
    /// <param name="send">Input: size × <paramref name="count"/> elements.</param>
    /// <param name="recv">Output: size × <paramref name="count"/> elements.</param>
    /// <param name="count">Elements per pair of ranks.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Ialltoall(IntPtr send, IntPtr recv, int count, IntPtr datatype, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Ialltoall(send, count, datatype, recv, count, datatype, comm, &request));
        return request;
    }

    /// <summary>MPI_Isend.</summary>
    /// <param name="buffer">Data.</param>
    /// <param name="count">Elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="dest">Destination rank.</param>
    /// <param name="tag">Tag.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Isend(IntPtr buffer, int count, IntPtr datatype, int dest, int tag, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Isend(buffer, count, datatype, dest, tag, comm, &request));
        return request;
    }

    /// <summary>MPI_Irecv.</summary>
    /// <param name="buffer">Destination.</param>
    /// <param name="count">Capacity in elements.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <param name="source">Source rank or <see cref="AnySource"/>.</param>
    /// <param name="tag">Tag or <see cref="AnyTag"/>.</param>
    /// <param name="comm">Communicator.</param>
    /// <returns>The request.</returns>
    public static IntPtr Irecv(IntPtr buffer, int count, IntPtr datatype, int source, int tag, IntPtr comm)
    {
        IntPtr request;
        Check(MPI_Irecv(buffer, count, datatype, source, tag, comm, &request));
        return request;
    }

    /// <summary>
    /// MPI_Test: whether the request has completed; a completed request is freed and set to
    /// <see cref="RequestNull"/>. Drives MPI's progress engine, which is what moves nonblocking collectives.
    /// </summary>
    /// <param name="request">The request (updated in place).</param>
    /// <param name="status">The completion status (source, tag, error, received bytes).</param>
    /// <returns>True when complete.</returns>
    public static bool Test(ref IntPtr request, out MpiStatus status)
    {
        int flag;
        MpiStatus s;
        fixed (IntPtr* r = &request)
        {
            Check(MPI_Test(r, &flag, &s));
        }
        status = s;
        return flag != 0;
    }

    /// <summary>MPI_Wait: blocks until the request completes and frees it.</summary>
    /// <param name="request">The request (set to <see cref="RequestNull"/>).</param>
    /// <returns>The completion status.</returns>
    public static MpiStatus Wait(ref IntPtr request)
    {
        MpiStatus s;
        fixed (IntPtr* r = &request)
        {
            Check(MPI_Wait(r, &s));
        }
        return s;
    }

    /// <summary>MPI_Iprobe: whether a message from <paramref name="source"/> with <paramref name="tag"/> is waiting.</summary>
    /// <param name="source">Source rank or <see cref="AnySource"/>.</param>
    /// <param name="tag">Tag or <see cref="AnyTag"/>.</param>
    /// <param name="comm">Communicator.</param>
    /// <param name="status">Its envelope when there is one.</param>
    /// <returns>True when a message is waiting.</returns>
    public static bool Iprobe(int source, int tag, IntPtr comm, out MpiStatus status)
    {
        int flag;
        MpiStatus s;
        Check(MPI_Iprobe(source, tag, comm, &flag, &s));
        status = s;
        return flag != 0;
    }

    /// <summary>MPI_Get_count: how many elements of <paramref name="datatype"/> a completed receive got.</summary>
    /// <param name="status">The receive's status.</param>
    /// <param name="datatype">Datatype handle.</param>
    /// <returns>The count.</returns>
    public static int GetCount(in MpiStatus status, IntPtr datatype)
    {
        int count;
        MpiStatus s = status;
        Check(MPI_Get_count(&s, datatype, &count));
        return count;
    }

    /// <summary>MPI_Request_free: lets a request complete on its own (its buffer must stay valid until it does).</summary>
    /// <param name="request">The request.</param>
    public static void RequestFree(IntPtr request) => Check(MPI_Request_free(&request));

    /// <summary>MPI_Cancel then MPI_Request_free, ignoring errors: used when abandoning a timed-out receive.</summary>
    /// <param name="request">The request.</param>
    public static void CancelNoThrow(IntPtr request)
    {
        try
        {
            _ = MPI_Cancel(&request);
            _ = MPI_Request_free(&request);
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>MPI_Wtime: seconds since an arbitrary point in the past.</summary>
    /// <returns>Seconds.</returns>
    public static double Wtime() => MPI_Wtime();

    [LibraryImport(Lib)] private static partial int MPI_Init_thread(int* argc, byte*** argv, int required, int* provided);
    [LibraryImport(Lib)] private static partial int MPI_Initialized(int* flag);
    [LibraryImport(Lib)] private static partial int MPI_Finalized(int* flag);
    [LibraryImport(Lib)] private static partial int MPI_Finalize();
    [LibraryImport(Lib)] private static partial int MPI_Query_thread(int* provided);
    [LibraryImport(Lib)] private static partial int MPI_Abort(IntPtr comm, int errorcode);
    [LibraryImport(Lib)] private static partial int MPI_Error_string(int errorcode, byte* text, int* resultlen);
    [LibraryImport(Lib)] private static partial int MPI_Get_library_version(byte* version, int* resultlen);
    [LibraryImport(Lib)] private static partial int MPI_Comm_set_errhandler(IntPtr comm, IntPtr errhandler);
    [LibraryImport(Lib)] private static partial int MPI_Comm_rank(IntPtr comm, int* rank);
    [LibraryImport(Lib)] private static partial int MPI_Comm_size(IntPtr comm, int* size);
    [LibraryImport(Lib)] private static partial int MPI_Comm_dup(IntPtr comm, IntPtr* newcomm);
    [LibraryImport(Lib)] private static partial int MPI_Comm_split(IntPtr comm, int color, int key, IntPtr* newcomm);
    [LibraryImport(Lib)] private static partial int MPI_Comm_group(IntPtr comm, IntPtr* group);
    [LibraryImport(Lib)] private static partial int MPI_Group_incl(IntPtr group, int n, int* ranks, IntPtr* newgroup);
    [LibraryImport(Lib)] private static partial int MPI_Comm_create_group(IntPtr comm, IntPtr group, int tag, IntPtr* newcomm);
    [LibraryImport(Lib)] private static partial int MPI_Group_free(IntPtr* group);
    [LibraryImport(Lib)] private static partial int MPI_Comm_free(IntPtr* comm);
    [LibraryImport(Lib)] private static partial int MPI_Barrier(IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Allreduce(IntPtr sendbuf, IntPtr recvbuf, int count, IntPtr datatype, IntPtr op, IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Bcast(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Reduce(IntPtr sendbuf, IntPtr recvbuf, int count, IntPtr datatype, IntPtr op, int root, IntPtr comm);
    [LibraryImport(Lib)]
    private static partial int MPI_Allgather(IntPtr sendbuf, int sendcount, IntPtr sendtype, IntPtr recvbuf, int recvcount, IntPtr recvtype, IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Reduce_scatter_block(IntPtr sendbuf, IntPtr recvbuf, int recvcount, IntPtr datatype, IntPtr op, IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Send(IntPtr buf, int count, IntPtr datatype, int dest, int tag, IntPtr comm);
    [LibraryImport(Lib)] private static partial int MPI_Recv(IntPtr buf, int count, IntPtr datatype, int source, int tag, IntPtr comm, MpiStatus* status);
    [LibraryImport(Lib)] private static partial int MPI_Ibarrier(IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Iallreduce(IntPtr sendbuf, IntPtr recvbuf, int count, IntPtr datatype, IntPtr op, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Ibcast(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Ireduce(IntPtr sendbuf, IntPtr recvbuf, int count, IntPtr datatype, IntPtr op, int root, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)]
    private static partial int MPI_Iallgather(IntPtr sendbuf, int sendcount, IntPtr sendtype, IntPtr recvbuf, int recvcount, IntPtr recvtype, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)]
    private static partial int MPI_Ireduce_scatter_block(IntPtr sendbuf, IntPtr recvbuf, int recvcount, IntPtr datatype, IntPtr op, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)]
    private static partial int MPI_Igather(IntPtr sendbuf, int sendcount, IntPtr sendtype, IntPtr recvbuf, int recvcount, IntPtr recvtype, int root, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)]
    private static partial int MPI_Iscatter(IntPtr sendbuf, int sendcount, IntPtr sendtype, IntPtr recvbuf, int recvcount, IntPtr recvtype, int root, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)]
    private static partial int MPI_Ialltoall(IntPtr sendbuf, int sendcount, IntPtr sendtype, IntPtr recvbuf, int recvcount, IntPtr recvtype, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Isend(IntPtr buf, int count, IntPtr datatype, int dest, int tag, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Irecv(IntPtr buf, int count, IntPtr datatype, int source, int tag, IntPtr comm, IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Test(IntPtr* request, int* flag, MpiStatus* status);
    [LibraryImport(Lib)] private static partial int MPI_Wait(IntPtr* request, MpiStatus* status);
    [LibraryImport(Lib)] private static partial int MPI_Iprobe(int source, int tag, IntPtr comm, int* flag, MpiStatus* status);
    [LibraryImport(Lib)] private static partial int MPI_Get_count(MpiStatus* status, IntPtr datatype, int* count);
    [LibraryImport(Lib)] private static partial int MPI_Request_free(IntPtr* request);
    [LibraryImport(Lib)] private static partial int MPI_Cancel(IntPtr* request);
    [LibraryImport(Lib)] private static partial double MPI_Wtime();
}

/// <summary>
/// <c>MPI_Status</c> of Open MPI (<c>struct ompi_status_public_t</c> in mpi.h): three public ints, then two fields
/// internal to Open MPI (an int and a size_t), 24 bytes on 64-bit platforms.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct MpiStatus
{
    /// <summary>MPI_SOURCE: the sender's rank.</summary>
    public int Source;

    /// <summary>MPI_TAG: the message's tag.</summary>
    public int Tag;

    /// <summary>MPI_ERROR: the error code of this request (meaningful for multi-request calls).</summary>
    public int Error;

    private int _cancelled;
    private nuint _ucount;
}
