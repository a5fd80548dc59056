namespace CudaTensor.GpuRunner;

/// <summary>
/// The problem sizes of the GPU benchmarks: full sizes for a real card, or smoke sizes (<c>--smoke</c>) that run every
/// benchmark end to end in seconds on the virtual device, where the table checks the code path, not the speed.
/// </summary>
/// <param name="Repeats">Timed repetitions per benchmark (the median is reported).</param>
/// <param name="CopyBytes">Bytes per copy-bandwidth transfer.</param>
/// <param name="GemmSizes">Square SGEMM sizes, FP32.</param>
/// <param name="Tf32GemmSize">Square SGEMM size with TF32 opted in.</param>
/// <param name="RandomElements">Elements of the random-fill benchmark.</param>
/// <param name="Launches">Empty launches timed for the launch latency.</param>
/// <param name="ElementwiseLog2">log2 of the elementwise benchmarks' element counts.</param>
/// <param name="RowElements">Elements of the row-sum and softmax inputs.</param>
/// <param name="TinyOps">Tiny ops timed for the host overhead.</param>
/// <param name="MlpSteps">Timed MLP training steps.</param>
internal sealed record BenchSizes(
    int Repeats, ulong CopyBytes, int[] GemmSizes, int Tf32GemmSize, int RandomElements, int Launches,
    int[] ElementwiseLog2, long RowElements, int TinyOps, int MlpSteps)
{
    /// <summary>The sizes for a real GPU.</summary>
    public static BenchSizes Full { get; } = new(10, 256UL << 20, [1024, 2048, 4096], 4096, 1 << 26, 2000, [24, 26], 1L << 24, 20000, 200);

    /// <summary>Every benchmark at a size the virtual device runs in seconds.</summary>
    public static BenchSizes Smoke { get; } = new(3, 1UL << 20, [64, 128], 128, 1 << 16, 20, [16], 1L << 16, 200, 3);
}
