using CudaTensor.Ops;
using CudaTensor.Memory;
using CudaTensor.RandomNumbers;

namespace CudaTensor.Backends.Cpu;

/// <summary>The managed CPU implementation of the backend primitives. Stateless; one instance serves all threads.</summary>
internal sealed unsafe partial class CpuBackend : IBackend, IHostMemory, IFusedLayerNorm, IFusedCrossEntropy, IConvolution, IFusedOptimizerSteps
{
    public static CpuBackend Instance { get; } = new();

    public Device Device => Device.Cpu;

    public Storage Allocate(long byteLength, bool zeroed) => CpuStorage.Allocate(byteLength, zeroed);

    internal static byte* Address(Strided t) => ((CpuStorage)t.Storage).Pointer + t.Offset * t.DType.ElementSize();

    byte* IHostMemory.HostAddress(Strided t) => Address(t);

    public void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock)
    {
        long n = dst.NumElements;
        byte* p = Address(dst);
        switch (dst.DType)
        {
            case DType.Float32: RandomFloat(new Span<float>(p, checked((int)n)), kind, a, b, seed, startBlock); break;
            case DType.Float64: RandomFloat(new Span<double>(p, checked((int)n)), kind, a, b, seed, startBlock); break;
            case DType.Int64 when kind == RandomDistribution.Integers:
                CpuRandomFill.Integers(new Span<long>(p, checked((int)n)), seed, startBlock, (long)a, (long)b); break;
            case DType.Int32 when kind == RandomDistribution.Integers:
                CpuRandomFill.Integers(new Span<int>(p, checked((int)n)), seed, startBlock, (int)a, (int)b); break;
            default: throw new NotSupportedException($"Random {kind} numbers of dtype {dst.DType.Name()} are not supported.");
        }
    }

    private static void RandomFloat<T>(Span<T> span, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case RandomDistribution.Uniform: CpuRandomFill.Uniform(span, seed, startBlock, T.CreateChecked(a), T.CreateChecked(b)); break;
            case RandomDistribution.Normal: CpuRandomFill.Normal(span, seed, startBlock, T.CreateChecked(a), T.CreateChecked(b)); break;
            case RandomDistribution.Bernoulli: CpuRandomFill.Bernoulli(span, seed, startBlock, a); break;
            default: throw new NotSupportedException($"Random {kind} numbers of a floating dtype are not supported.");
        }
    }

    public long[] NonZero(Strided src)
    {
        using var alive = new OperandsAlive(src.Storage);
        byte* p = Address(src);
        long n = src.NumElements;
        var result = new List<long>();
        for (long i = 0; i < n; i++)
        {
            if (p[i] != 0) result.Add(i);
        }
        return [.. result];
    }

    public void ReadToHost(Strided src, Span<byte> destination)
    {
        using var alive = new OperandsAlive(src.Storage);
        new ReadOnlySpan<byte>(Address(src), destination.Length).CopyTo(destination);
    }

    public void WriteFromHost(Strided dst, ReadOnlySpan<byte> source)
        => source.CopyTo(new Span<byte>(Address(dst), source.Length));
}
