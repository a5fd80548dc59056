using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice.Ptx;

namespace CudaTensor.Tests.VirtualDevice;

using Dim3 = CudaTensor.VirtualDevice.Ptx.Dim3;

/// <summary>Launches a decoded kernel with C# arguments packed as cuLaunchKernel packs kernelParams.</summary>
internal static class PtxRun
{
    /// <summary>Compiles CUDA C to PTX (compute_90) and parses it.</summary>
    public static PtxModule Module(string source, bool fastMath = false) => PtxModule.Parse(PtxCompile.Source(source, fastMath: fastMath));

    public static PtxKernel Kernel(PtxModule module, string name)
        => module.FindKernel(name) ?? throw new InvalidOperationException($"kernel {name} not in the module");

    /// <summary>Packs <paramref name="args"/> (ulong device pointers and numbers) at the offsets the kernel declares.</summary>
    public static byte[] Pack(PtxKernel kernel, params object[] args)
    {
        if (args.Length != kernel.Parameters.Count) throw new ArgumentException($"{kernel.Name} takes {kernel.Parameters.Count} parameters, got {args.Length}");
        var buffer = new byte[kernel.ParameterBytes];
        for (int i = 0; i < args.Length; i++)
        {
            PtxParameter p = kernel.Parameters[i];
            byte[] bytes = args[i] switch
            {
                ulong v => BitConverter.GetBytes(v),
                long v => BitConverter.GetBytes(v),
                int v => BitConverter.GetBytes(v),
                uint v => BitConverter.GetBytes(v),
                float v => BitConverter.GetBytes(v),
                double v => BitConverter.GetBytes(v),
                byte[] v => v,
                _ => throw new ArgumentException($"argument {i}: {args[i].GetType()}"),
            };
            if (bytes.Length != p.SizeBytes) throw new ArgumentException($"argument {i} of {kernel.Name} is {bytes.Length} bytes; the parameter is {p.SizeBytes}");
            bytes.CopyTo(buffer, p.Offset);
        }
        return buffer;
    }

    public static long Launch(PtxKernel kernel, TestGlobalMemory memory, Dim3 grid, Dim3 block, params object[] args)
        => Launch(kernel, memory, grid, block, 0, [], args);

    public static long Launch(PtxKernel kernel, TestGlobalMemory memory, Dim3 grid, Dim3 block, int dynamicShared, ulong[] globals, params object[] args)
    {
        var settings = new LaunchSettings(grid, block, dynamicShared, Environment.ProcessorCount);
        return PtxExecutor.Run(kernel, settings, Pack(kernel, args), memory, globals);
    }

    public static Dim3 D(uint x, uint y = 1, uint z = 1) => new(x, y, z);

    /// <summary>Allocates and uploads each module global (with its initializer) and returns the addresses in order.</summary>
    public static ulong[] Globals(PtxModule module, TestGlobalMemory memory)
        => module.Globals.Select(g => memory.Upload<byte>(g.InitialBytes)).ToArray();

    public static T[] Read<T>(TestGlobalMemory memory, ulong address, int count) where T : unmanaged => memory.Download<T>(address, count);

    public static int SizeOf<T>() where T : unmanaged => Marshal.SizeOf<T>();
}
