namespace CudaTensor.NN;

// The recurrences written with differentiable tensor ops, one step at a time: what the cells compute, the definition
// the fused sequence loop (RecurrentSequence) implements, the tests' reference for it, and the path its backward pass
// takes when that pass is itself recorded (gradients of gradients).
internal static class RecurrentComposed
{
    /// <summary>
    /// One step of <paramref name="mode"/> for a batch: <paramref name="x"/> [B, in], <paramref name="h"/> [B, H],
    /// <paramref name="c"/> [B, H] (LSTM only). Returns h' and, for an LSTM, c'. With <paramref name="wHr"/> [P, H] (an LSTM
    /// with projections) h is [B, P] and h' = (o ⊙ tanh(c')) W_hrᵀ.
    /// </summary>
    public static (Tensor H, Tensor? C) Cell(RecurrentMode mode, Tensor x, Tensor h, Tensor? c, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
        Tensor? wHr = null)
    {
        using var gi = Functional.Linear(x, wIh, bIh);
        using var gh = Functional.Linear(h, wHh, bHh);
        var (h1, c1) = Gates(mode, gi, gh, h, c);
        if (wHr is null) return (h1, c1);
        using (h1) return (Functional.Linear(h1, wHr), c1);
    }

    /// <summary>The gate math of one step from the input part <paramref name="gi"/> = W_ih x + b_ih and the recurrent part <paramref name="gh"/> = W_hh h + b_hh.</summary>
    public static (Tensor H, Tensor? C) Gates(RecurrentMode mode, Tensor gi, Tensor gh, Tensor h, Tensor? c)
    {
        switch (mode)
        {
            case RecurrentMode.RnnTanh:
            case RecurrentMode.RnnRelu:
            {
                using var s = gi + gh;
                return (mode == RecurrentMode.RnnTanh ? s.Tanh() : s.Relu(), null);
            }
            case RecurrentMode.Lstm:
            {
                using var s = gi + gh;
                var parts = s.Chunk(4, 1);
                try
                {
                    using var i = parts[0].Sigmoid();
                    using var f = parts[1].Sigmoid();
                    using var g = parts[2].Tanh();
                    using var o = parts[3].Sigmoid();
                    using var fc = f * c!;
                    using var ig = i * g;
                    var c1 = fc + ig;
                    using var tc = c1.Tanh();
                    return (o * tc, c1);
                }
                finally
                {
                    foreach (var p in parts) p.Dispose();
                }
            }
            default:
            {
                // PyTorch's GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 - z) ⊙ n + z ⊙ h = n + z ⊙ (h - n).
                var xs = gi.Chunk(3, 1);
                var hs = gh.Chunk(3, 1);
                try
                {
                    using var sr = xs[0] + hs[0];
                    using var sz = xs[1] + hs[1];
                    using var r = sr.Sigmoid();
                    using var z = sz.Sigmoid();
                    using var rh = r * hs[2];
                    using var sn = xs[2] + rh;
                    using var n = sn.Tanh();
                    using var d = h - n;
                    using var zd = z * d;
                    return (n + zd, null);
                }
                finally
                {
                    foreach (var p in xs) p.Dispose();
                    foreach (var p in hs) p.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// One layer and direction over a time-major sequence <paramref name="x"/> [T, B, in] from <paramref name="h0"/>
    /// (and <paramref name="c0"/>) [B, H]: the packed result of <see cref="RecurrentSequence"/> — [T + 1, B, H] holding
    /// the outputs in time order then h_n, and for an LSTM [T + 2, B, H] with c_n last. <paramref name="reverse"/> runs
    /// from the last step to the first (the backward direction of a bidirectional layer). With <paramref name="wHr"/> [P, H]
    /// the outputs and h_n are [B, P], zero-padded to H features in the packed rows.
    /// </summary>
    public static Tensor Layer(RecurrentMode mode, Tensor x, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, bool reverse,
        Tensor? wHr = null)
    {
        long steps = x.Shape[0];
        var outputs = new Tensor[steps];
        var owned = new List<Tensor>();
        try
        {
            Tensor h = h0;
            Tensor? c = c0;
            for (long s = 0; s < steps; s++)
            {
                long t = reverse ? steps - 1 - s : s;
                using var xt = x.Select(0, t);
                var (h1, c1) = Cell(mode, xt, h, c, wIh, wHh, bIh, bHh, wHr);
                outputs[t] = h1;
                if (c1 is not null) owned.Add(c1);
                h = h1;
                c = c1;
            }
            var packed = new List<Tensor>(outputs) { h };
            if (wHr is not null)
            {
                long pad = wHr.Shape[1] - wHr.Shape[0];
                for (int i = 0; i < packed.Count; i++) owned.Add(packed[i] = Functional.Pad(packed[i], [0, pad]));
            }
            if (c is not null) packed.Add(c);
            return Tensor.Stack(packed, 0);
        }
        finally
        {
            foreach (var o in outputs) o?.Dispose();
            foreach (var o in owned) o.Dispose();
        }
    }
}
