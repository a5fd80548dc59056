using System.Diagnostics;
using System.Globalization;
using CudaTensor.Distributed;
using CudaTensor.Native;

namespace CudaTensor.Benchmarks;

/// <summary>
/// All-reduce bus bandwidth of float32 CPU tensors, 4 KiB to 256 MiB, through <see cref="ProcessGroup.AllReduce"/>
/// and through a direct blocking MPI_Allreduce on the same buffer, interleaved sample by sample in one run. Run under
/// <c>mpirun -np N</c>. Bus bandwidth is nccl-tests' formula: bytes / time * 2 (n - 1) / n, the traffic a ring
/// all-reduce puts on each link; a sample's time is the slowest rank's.
/// </summary>
public static class AllReduceBandwidth
{
    public static unsafe int Run(bool quick)
    {
        var world = ProcessGroup.Initialize();
        int n = world.WorldSize;
        IntPtr comm = Mpi.CommDup(Mpi.CommWorld);
        int samples = quick ? 3 : 9;
        if (world.Rank == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"All-reduce (sum, float32, CPU tensors) on {n} ranks; {samples} samples per size, median; interleaved."));
            Console.WriteLine(Mpi.LibraryVersion().Split('\n')[0].Trim());
            Console.WriteLine();
            Console.WriteLine("| size | CudaTensor | MPI_Allreduce | MPI_Iallreduce + MPI_Wait | CudaTensor busbw | MPI_Allreduce busbw | ratio |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        }
        for (long bytes = 4 << 10; bytes <= 256L << 20; bytes *= 4)
        {
            long count = bytes / sizeof(float);
            // Zeros: repeated sums stay finite and normal (no overflow to infinity, no denormals).
            using var tensor = Tensor.Zeros([count]);
            // Fixed iteration counts (the same on every rank): about 64 MiB of payload per sample, 3 to 400 calls.
            int iterations = (int)Math.Clamp((64L << 20) / bytes, 3, 400);
            float[] direct = GC.AllocateArray<float>((int)count, pinned: true);
            var library = new List<double>();
            var mpi = new List<double>();
            var nonblocking = new List<double>();
            fixed (float* d = direct)
            {
                IntPtr type = Mpi.Datatype(MpiDatatype.Float), sum = Mpi.Op(MpiOp.Sum), buffer = (IntPtr)d;
                void Direct() => Mpi.Allreduce(Mpi.InPlace, buffer, (int)count, type, sum, comm);
                void Library() => world.AllReduce(tensor);
                void Nonblocking()
                {
                    IntPtr request = Mpi.Iallreduce(Mpi.InPlace, buffer, (int)count, type, sum, comm);
                    Mpi.Wait(ref request);
                }
                // Warm-up: connections, buffers and JIT.
                Time(world, comm, 2, Library);
                Time(world, comm, 2, Direct);
                for (int s = 0; s < samples; s++)
                {
                    library.Add(Time(world, comm, iterations, Library));
                    mpi.Add(Time(world, comm, iterations, Direct));
                    nonblocking.Add(Time(world, comm, iterations, Nonblocking));
                }
            }
            if (world.Rank == 0)
            {
                double lib = Median(library), raw = Median(mpi);
                double factor = 2.0 * (n - 1) / n;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Size(bytes)} | {lib * 1e6:0.0} us | {raw * 1e6:0.0} us | {Median(nonblocking) * 1e6:0.0} us | {bytes / lib * factor / 1e9:0.00} GB/s | {bytes / raw * factor / 1e9:0.00} GB/s | {raw / lib:0.00}x |"));
            }
        }
        Mpi.CommFree(comm);
        return 0;
    }

    // Seconds per call of the slowest rank, after a barrier that lines the ranks up.
    private static unsafe double Time(ProcessGroup world, IntPtr comm, int iterations, Action call)
    {
        Mpi.Barrier(comm);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) call();
        double seconds = clock.Elapsed.TotalSeconds / iterations;
        Mpi.Allreduce(Mpi.InPlace, (IntPtr)(&seconds), 1, Mpi.Datatype(MpiDatatype.Double), Mpi.Op(MpiOp.Max), comm);
        return seconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Size(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10} KiB");
}
