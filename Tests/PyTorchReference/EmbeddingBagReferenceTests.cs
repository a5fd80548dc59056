using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// EmbeddingBag against libtorch (tools/TorchReference/Cases/EmbeddingBagCase.cs): sum with per-sample weights over
/// 1-D input and offsets with an empty bag, mean with paddingIdx 0 and includeLastOffset, max over a 2-D input;
/// outputs and weight gradients.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class EmbeddingBagReferenceTests(Device device)
{
    [TestCase("sum", false, null)]
    [TestCase("mean", true, 0L)]
    [TestCase("max", false, null)]
    public void OutputAndWeightGradientMatchPyTorch(string mode, bool includeLastOffset, long? paddingIdx)
    {
        using var r = TorchReferenceFile.Load("embedding_bag", device);
        using var bag = new EmbeddingBag(10, 3, mode: mode, includeLastOffset: includeLastOffset, paddingIdx: paddingIdx, dtype: DType.Float64, device: device);
        bag.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["weight"] });
        using var y = mode switch
        {
            "sum" => bag.Forward(r["input"], r["offsets"], r["per_sample_weights"]),
            "mean" => bag.Forward(r["input"], r["last_offsets"]),
            _ => bag.Forward(r["input2d"]),
        };
        using var loss = (y * r[$"{mode}_upstream"]).Sum();
        loss.Backward();
        r.AssertClose($"{mode}_output", y);
        r.AssertClose($"{mode}_grad_weight", bag.Weight.Grad!);
    }

    [Test]
    public void PerSampleWeightsGetGradientsAndMatchAWeightedSum()
    {
        // Each bag's output is Σ w_i·E[x_i]: the gradient of Σ out·u with respect to w_i is E[x_i]·u_bag(i).
        using var weight = Tensor.Randn([6, 4], DType.Float64, device, generator: new Generator(2));
        using var input = Tensor.FromArray(new long[] { 1, 3, 3, 5, 0 }, [5], device);
        using var offsets = Tensor.FromArray(new long[] { 0, 2 }, [2], device);
        using var psw = Tensor.Randn([5], DType.Float64, device, requiresGrad: true, generator: new Generator(3));
        using var y = Functional.EmbeddingBag(input, weight, offsets, mode: "sum", perSampleWeights: psw);
        double[] e = weight.ToArray<double>(), w = psw.ToArray<double>();
        long[] x = [1, 3, 3, 5, 0];
        var expected = new double[8];
        for (int i = 0; i < 5; i++)
        {
            int b = i < 2 ? 0 : 1;
            for (int d = 0; d < 4; d++) expected[b * 4 + d] += w[i] * e[x[i] * 4 + d];
        }
        TensorAssert.Close(y, expected, [2, 4], 1e-12, 1e-12);
        using var upstream = Tensor.Randn([2, 4], DType.Float64, device, generator: new Generator(4));
        using var loss = (y * upstream).Sum();
        loss.Backward();
        double[] u = upstream.ToArray<double>();
        var grad = new double[5];
        for (int i = 0; i < 5; i++)
        {
            int b = i < 2 ? 0 : 1;
            for (int d = 0; d < 4; d++) grad[i] += e[x[i] * 4 + d] * u[b * 4 + d];
        }
        TensorAssert.Close(psw.Grad!, grad, [5], 1e-12, 1e-12);
    }

    [Test]
    public void PerSampleWeightsFollowTheBagsWithALastOffsetAndAnEmptyBag()
    {
        // Offsets [0, 2, 2, 5] with includeLastOffset: bags [0, 2), [2, 2) (empty: zeros) and [2, 5).
        using var weight = Tensor.Randn([6, 4], DType.Float64, device, generator: new Generator(5));
        using var input = Tensor.FromArray(new long[] { 1, 3, 3, 5, 0 }, [5], device);
        using var offsets = Tensor.FromArray(new long[] { 0, 2, 2, 5 }, [4], device);
        using var psw = Tensor.FromArray(new[] { 0.5, -1.0, 2.0, 0.25, 3.0 }, [5], device);
        using var y = Functional.EmbeddingBag(input, weight, offsets, mode: "sum", perSampleWeights: psw, includeLastOffset: true);
        double[] e = weight.ToArray<double>(), w = [0.5, -1.0, 2.0, 0.25, 3.0];
        long[] x = [1, 3, 3, 5, 0];
        int[] bagOf = [0, 0, 2, 2, 2];
        var expected = new double[12];
        for (int i = 0; i < 5; i++)
        {
            for (int d = 0; d < 4; d++) expected[bagOf[i] * 4 + d] += w[i] * e[x[i] * 4 + d];
        }
        TensorAssert.Close(y, expected, [3, 4], 1e-12, 1e-12);
    }

    [Test]
    public void BadInputNamesEmbeddingBagAndTheFix()
    {
        using var weight = Tensor.Randn([6, 4], device: device);
        using var input2d = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, [2, 2], device);
        using var offsets = Tensor.FromArray(new long[] { 0, 1 }, [2], device);
        using var input1d = Tensor.FromArray(new long[] { 1, 2, 3 }, [3], device);
        using var badOffsets = Tensor.FromArray(new long[] { 1, 2 }, [2], device);
        using var psw = Tensor.Ones([3], device: device);
        Assert.That(() => Functional.EmbeddingBag(input2d, weight, offsets), Throws.ArgumentException.With.Message.Contains("EmbeddingBag: offsets must be null when the input is 2-D [2, 2]"));
        Assert.That(() => Functional.EmbeddingBag(input1d, weight), Throws.ArgumentException.With.Message.Contains("a 1-D input needs 1-D offsets"));
        Assert.That(() => Functional.EmbeddingBag(input1d, weight, badOffsets), Throws.ArgumentException.With.Message.Contains("offsets must start at 0"));
        Assert.That(() => Functional.EmbeddingBag(input1d, weight, offsets, mode: "mean", perSampleWeights: psw), Throws.ArgumentException.With.Message.Contains("only supported with mode \"sum\""));
        Assert.That(() => Functional.EmbeddingBag(input1d, weight, offsets, mode: "median"), Throws.ArgumentException.With.Message.Contains("mode must be"));
        using var outOfRange = Tensor.FromArray(new long[] { 1, 9, 3 }, [3], device);
        Assert.That(() => Functional.EmbeddingBag(outOfRange, weight, offsets), Throws.Exception.With.Message.Contains("EmbeddingBag").Or.Message.Contains("Embedding"));
    }
}
