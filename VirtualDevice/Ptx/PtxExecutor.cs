using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>Runs a decoded kernel over a grid.</summary>
internal static class PtxExecutor
{
    /// <summary>
    /// Runs <paramref name="kernel"/> to completion: blocks in parallel on host threads, each block as warps of 32
    /// lanes. Launch-configuration checks (block size, shared-memory limits) are the driver's, made before this.
    /// </summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="settings">Grid, block, dynamic shared memory, parallelism.</param>
    /// <param name="parameters">The parameter buffer laid out as <see cref="PtxKernel.Parameters"/> says.</param>
    /// <param name="memory">Global memory.</param>
    /// <param name="globalAddresses">Device address of each of the module's <see cref="PtxModule.Globals"/>, by index.</param>
    /// <exception cref="DeviceFaultException">An access fault, a trap, barrier divergence; the message names the kernel, block, thread and address.</exception>
    public static void Launch(PtxKernel kernel, in LaunchSettings settings, ReadOnlySpan<byte> parameters, IGlobalMemory memory, ReadOnlySpan<ulong> globalAddresses)
        => Run(kernel, settings, parameters, memory, globalAddresses);

    /// <summary>As <see cref="Launch"/>, returning the thread-instructions executed (lanes times instructions).</summary>
    public static unsafe long Run(PtxKernel kernel, in LaunchSettings settings, ReadOnlySpan<byte> parameters, IGlobalMemory memory, ReadOnlySpan<ulong> globalAddresses)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(memory);
        if (parameters.Length < kernel.ParameterBytes)
        {
            throw new ArgumentException($"Kernel {kernel.Name} takes {kernel.ParameterBytes} bytes of parameters but the launch passed {parameters.Length}.", nameof(parameters));
        }
        ulong blocks = settings.Grid.Count;
        if (blocks == 0 || settings.Block.Count == 0) return 0;
        // The parameter buffer is copied once; kernels read it through ld.param and the param window.
        byte* paramCopy = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, kernel.ParameterBytes));
        parameters[..kernel.ParameterBytes].CopyTo(new Span<byte>(paramCopy, kernel.ParameterBytes));
        ulong[] globals = globalAddresses.ToArray();
        LaunchSettings s = settings;
        int workers = (int)Math.Min((ulong)Math.Max(1, settings.MaxParallelism), blocks);
        long nextBlock = -1;
        long executed = 0;
        // Workers stop taking blocks after a fault but finish the ones they hold; every block below a faulting one was
        // taken, so reporting the lowest faulting block makes the reported fault the same on every run.
        var failures = new List<(ulong Block, Exception Error)>();
        bool failed = false;
        void Worker()
        {
            PtxBlock block = kernel.RentBlock(s.Block, s.DynamicSharedBytes);
            ulong b = 0;
            try
            {
                block.Bind(s, paramCopy, memory, globals);
                while (!Volatile.Read(ref failed))
                {
                    b = (ulong)Interlocked.Increment(ref nextBlock);
                    if (b >= blocks) break;
                    uint x = (uint)(b % s.Grid.X);
                    uint y = (uint)(b / s.Grid.X % s.Grid.Y);
                    uint z = (uint)(b / ((ulong)s.Grid.X * s.Grid.Y));
                    block.Run(new Dim3(x, y, z));
                }
            }
            catch (Exception e)
            {
                lock (failures) failures.Add((b, e));
                Volatile.Write(ref failed, true);
            }
            Interlocked.Add(ref executed, block.Executed);
            kernel.ReturnBlock(block);
        }
        try
        {
            if (workers == 1)
            {
                Worker();
            }
            else
            {
                var others = new Task[workers - 1];
                for (int i = 0; i < others.Length; i++) others[i] = Task.Run(Worker);
                Worker();
                Task.WaitAll(others);
            }
        }
        finally
        {
            NativeMemory.Free(paramCopy);
        }
        Exception? failure = failures.Count == 0 ? null : failures.MinBy(f => f.Block).Error;
        if (failure is not null)
        {
            if (failure is DeviceFaultException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw new DeviceFaultException(CudaErrorCode.LaunchFailed, $"kernel {kernel.Name}: the executor failed: {failure.Message}", failure);
        }
        return executed;
    }
}

/// <summary>PTX the virtual device cannot load: malformed text or an instruction it does not implement.</summary>
internal sealed class PtxLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, with the line number and the line's text.</param>
    public PtxLoadException(string message) : base(message)
    {
    }
}
