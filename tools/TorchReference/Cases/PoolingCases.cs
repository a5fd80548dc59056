using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// Pooling in float64 on one [1, 2, 5, 7] input: avg_pool2d (3x3, stride 2, padding 1, ceil_mode) with and without
/// count_include_pad and with a divisor override; adaptive average and max pooling to the non-dividing size (3, 4) with
/// indices; max_pool2d with indices, and max_unpool2d back from max_pool2d of the input's top-left 4x6. Each output with the gradient of a weighted sum of it.
/// </summary>
internal sealed class PoolingCase : IReferenceCase
{
    public string Name => "pooling";

    public void Write(ReferenceWriter w)
    {
        manual_seed(26);
        using var x = randn(1, 2, 5, 7, dtype: float64);
        w.Add("input", x);
        Record(w, "avg_include", x, t => nn.functional.avg_pool2d(t, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, ceil_mode: true, count_include_pad: true));
        Record(w, "avg_exclude", x, t => nn.functional.avg_pool2d(t, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, ceil_mode: true, count_include_pad: false));
        Record(w, "avg_divisor", x, t => nn.functional.avg_pool2d(t, new long[] { 2, 3 }, new long[] { 1, 2 }, new long[] { 1, 0 }, ceil_mode: false, count_include_pad: true, divisor_override: 5));
        Record(w, "adaptive_avg", x, t => nn.functional.adaptive_avg_pool2d(t, new long[] { 3, 4 }));
        Record(w, "adaptive_max", x, t => nn.functional.adaptive_max_pool2d(t, new long[] { 3, 4 }));
        var (_, adaptiveIndices) = nn.functional.adaptive_max_pool2d_with_indices(x, new long[] { 3, 4 });
        w.Add("adaptive_max_indices", adaptiveIndices);
        var (_, indices) = nn.functional.max_pool2d_with_indices(x, new long[] { 2, 2 }, new long[] { 2, 2 });
        w.Add("max_indices", indices);
        // max_unpool2d back to the default size, on the top-left 4x6 of the input (this TorchSharp drops output_size).
        using var corner = x.narrow(2, 0, 4).narrow(3, 0, 6).contiguous();
        var (pooled, cornerIndices) = nn.functional.max_pool2d_with_indices(corner, new long[] { 2, 2 }, new long[] { 2, 2 });
        w.Add("unpool_indices", cornerIndices);
        Record(w, "unpool", pooled, t => nn.functional.max_unpool2d(t, cornerIndices, new long[] { 2, 2 }));
    }

    private static void Record(ReferenceWriter w, string name, Tensor input, Func<Tensor, Tensor> f)
    {
        using var x = input.detach().clone().requires_grad_(true);
        using var y = f(x);
        using var upstream = randn(y.shape, dtype: float64);
        (y * upstream).sum().backward();
        w.Add(name + "_output", y);
        w.Add(name + "_upstream", upstream);
        w.Add(name + "_grad_input", x.grad!);
        if (name == "unpool") w.Add("unpool_input", x);
    }
}

/// <summary>
/// F.interpolate in float64 on a [1, 2, 4, 5] input: nearest and bilinear (align_corners true and false) up to (7, 8),
/// down to (3, 2), and by scale factors (1.5, 0.6); each output with the gradient of a weighted sum of it.
/// </summary>
internal sealed class InterpolateCase : IReferenceCase
{
    private static readonly long[] Up = [7, 8], Down = [3, 2];
    private static readonly double[] Scale = [1.5, 0.6];

    public string Name => "interpolate";

    public void Write(ReferenceWriter w)
    {
        manual_seed(27);
        using var x = randn(1, 2, 4, 5, dtype: float64);
        w.Add("input", x);
        foreach (var (mode, corners, tag) in new[]
                 {
                     (InterpolationMode.Nearest, (bool?)null, "nearest"),
                     (InterpolationMode.Bilinear, (bool?)true, "bilinear_corners"),
                     (InterpolationMode.Bilinear, (bool?)false, "bilinear"),
                 })
        {
            Record(w, tag + "_up", x, t => nn.functional.interpolate(t, size: Up, mode: mode, align_corners: corners));
            Record(w, tag + "_down", x, t => nn.functional.interpolate(t, size: Down, mode: mode, align_corners: corners));
            Record(w, tag + "_scale", x, t => nn.functional.interpolate(t, scale_factor: Scale, mode: mode, align_corners: corners));
        }
    }

    private static void Record(ReferenceWriter w, string name, Tensor input, Func<Tensor, Tensor> f)
    {
        using var x = input.detach().clone().requires_grad_(true);
        using var y = f(x);
        using var upstream = randn(y.shape, dtype: float64);
        (y * upstream).sum().backward();
        w.Add(name + "_output", y);
        w.Add(name + "_upstream", upstream);
        w.Add(name + "_grad_input", x.grad!);
    }
}
