namespace CudaTensor.Benchmarks;

/// <summary>Command-line options shared by the suite and the libtorch comparison.</summary>
public sealed record Options
{
    /// <summary>Short pass: fewer, shorter samples and the smaller sizes only where a size is very slow.</summary>
    public bool Quick { get; init; }

    /// <summary>Print JSON instead of markdown.</summary>
    public bool Json { get; init; }

    /// <summary>Run only workloads whose name contains one of these (case-insensitive); empty runs all.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Skip measuring the machine's limits.</summary>
    public bool NoLimits { get; init; }

    /// <summary>Print the usage and exit.</summary>
    public bool Help { get; init; }

    /// <summary>Measure the virtual device's PTX engine instead of the suite.</summary>
    public bool PtxThroughput { get; init; }

    /// <summary>Time the CPU unary operators' scalar loops against their vector span forms instead of the suite.</summary>
    public bool UnaryLanes { get; init; }
    /// <summary>Time a fused elementwise chain against eager mode and a copy instead of the suite.</summary>
    public bool Fusion { get; init; }

    /// <summary>Measure what undisposed tensors cost (unscoped training loop, long graphs) instead of the suite.</summary>
    public bool Lifetime { get; init; }

    /// <summary>All-reduce bus bandwidth through ProcessGroup vs a direct MPI call (run under mpirun -np N).</summary>
    public bool AllReduce { get; init; }
    /// <summary>Time a DistributedDataParallel step on 1 and on all ranks, and how much of the all-reduce backward hides (run under mpirun).</summary>
    public bool DataParallel { get; init; }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Options:
          --quick              short pass (fewer, shorter samples)
          --filter NAME        run workloads whose name contains NAME (repeatable; e.g. gemm, add/, overhead)
          --json               print JSON instead of a markdown table
          --device cpu|cuda    where tensors live (default cpu)
          --no-limits          do not measure the FMA peak and memory bandwidth
          --ptx-throughput     thread-instructions per second of the virtual device's PTX engine (needs NVRTC)
          --unary-lanes        CPU unary operators: ns per element of the scalar loop and the vector span form
          --fusion             the 6-op chain on 2^24 float32: ElementwiseKernel vs eager vs a copy (with --device)
          --lifetime           what undisposed tensors cost: unscoped vs scoped training step, collections,
                               working set, one-element add, long autograd graphs
          --allreduce          all-reduce bus bandwidth, 4 KiB .. 256 MiB, ProcessGroup vs MPI_Allreduce
                               (run as: mpirun -np 2 dotnet CudaTensor.Benchmarks.dll --allreduce)
          --ddp                DistributedDataParallel step of an MLP on 1 rank vs all ranks and the share of
                               the all-reduce hidden behind backward (mpirun -np 2 dotnet CudaTensor.Benchmarks.dll --ddp)
          --help               this text
        """;

    /// <summary>Whether <paramref name="name"/> passes the filters.</summary>
    public bool Selects(string name) => Filters.Count == 0 || Filters.Any(f => name.Contains(f, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses <c>--name value</c> and <c>--name=value</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a missing value.</exception>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var filters = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i], value = "";
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            string Value() => eq > 0 ? value : i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--quick": o = o with { Quick = true }; break;
                case "--json": o = o with { Json = true }; break;
                case "--no-limits": o = o with { NoLimits = true }; break;
                case "--ptx-throughput": o = o with { PtxThroughput = true }; break;
                case "--unary-lanes": o = o with { UnaryLanes = true }; break;
                case "--lifetime": o = o with { Lifetime = true }; break;
                case "--fusion": o = o with { Fusion = true }; break;
                case "--allreduce": o = o with { AllReduce = true }; break;
                case "--ddp": o = o with { DataParallel = true }; break;
                case "--filter": filters.Add(Value()); break;
                case "--device":
                    string d = Value().ToLowerInvariant();
                    if (d is not ("cpu" or "cuda") && !d.StartsWith("cuda:", StringComparison.Ordinal))
                        throw new ArgumentException($"--device: expected cpu or cuda, got '{d}'.");
                    o = o with { Device = d };
                    break;
                case "--help" or "-h": o = o with { Help = true }; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }
        return o with { Filters = filters };
    }

    /// <summary>The measuring protocol these options ask for.</summary>
    public Protocol Protocol => Quick ? Protocol.Quick : Protocol.Full;
}
