namespace CudaTensor.NN;

// The elementwise part of one time step, forward and backward, on buffers the sequence loop owns (RecurrentSequence):
// written with in-place tensor ops under no-grad, so it runs on every backend and records nothing. The gate layout is
// PyTorch's: LSTM i, f, g, o; GRU r, z, n, and the GRU's saved row adds W_hn h + b_hn as a fourth block.
internal static class RecurrentPointwise
{
    /// <summary>
    /// Forward of one step. <paramref name="act"/> [B, G·H] holds the input part of the pre-activations (W_ih x + b_ih,
    /// and for RNN/LSTM also b_hh) and is overwritten with what the backward pass needs: the activations (LSTM i, f, g, o;
    /// GRU r, z, n, W_hn h + b_hn in a [B, 4H] row, with its input part in <paramref name="gi"/>). <paramref name="gh"/>
    /// is the recurrent part W_hh h (+ b_hh for the GRU). Writes h' to <paramref name="hOut"/> and, for an LSTM, c' to <paramref name="cOut"/>.
    /// </summary>
    public static void Forward(RecurrentMode mode, Tensor act, Tensor? gi, Tensor gh, Tensor hPrev, Tensor? cPrev, Tensor hOut, Tensor? cOut, long hidden)
    {
        switch (mode)
        {
            case RecurrentMode.RnnTanh:
            case RecurrentMode.RnnRelu:
                hOut.CopyFrom(act).AddInPlace(gh);
                if (mode == RecurrentMode.RnnTanh) hOut.TanhInPlace();
                else hOut.ReluInPlace();
                return;
            case RecurrentMode.Lstm:
            {
                act.AddInPlace(gh);
                using var ifg = act.Narrow(1, 0, 2 * hidden);
                using var i = act.Narrow(1, 0, hidden);
                using var f = act.Narrow(1, hidden, hidden);
                using var g = act.Narrow(1, 2 * hidden, hidden);
                using var o = act.Narrow(1, 3 * hidden, hidden);
                ifg.SigmoidInPlace();
                g.TanhInPlace();
                o.SigmoidInPlace();
                using var ig = i * g;
                cOut!.CopyFrom(f).MulInPlace(cPrev!).AddInPlace(ig);
                hOut.CopyFrom(cOut).TanhInPlace().MulInPlace(o);
                return;
            }
            default:
            {
                using var rz = act.Narrow(1, 0, 2 * hidden);
                using var r = act.Narrow(1, 0, hidden);
                using var z = act.Narrow(1, hidden, hidden);
                using var n = act.Narrow(1, 2 * hidden, hidden);
                using var hn = act.Narrow(1, 3 * hidden, hidden);
                using var giRz = gi!.Narrow(1, 0, 2 * hidden);
                using var giN = gi.Narrow(1, 2 * hidden, hidden);
                using var ghRz = gh.Narrow(1, 0, 2 * hidden);
                using var ghN = gh.Narrow(1, 2 * hidden, hidden);
                rz.CopyFrom(giRz).AddInPlace(ghRz).SigmoidInPlace();
                hn.CopyFrom(ghN);
                n.CopyFrom(r).MulInPlace(hn).AddInPlace(giN).TanhInPlace();
                hOut.CopyFrom(hPrev).SubInPlace(n).MulInPlace(z).AddInPlace(n);
                return;
            }
        }
    }

    /// <summary>
    /// Backward of one step: from <paramref name="dh"/> (dL/dh', all contributions added) and, for an LSTM, the running
    /// <paramref name="dc"/> (dL/dc', replaced by dL/dc), writes the pre-activation gradients of the input part to
    /// <paramref name="dGi"/> [B, G·H] and of the recurrent part to <paramref name="dGh"/> (the same tensor except for
    /// the GRU, whose n gate sees r ⊙ (W_hn h + b_hn)). Returns the part of dL/dh that does not pass through W_hh (the
    /// GRU's z ⊙ dh), or null.
    /// </summary>
    public static Tensor? Backward(RecurrentMode mode, Tensor dh, Tensor? dc, Tensor act, Tensor hOut, Tensor hPrev, Tensor? c, Tensor? cPrev,
        Tensor dGi, Tensor dGh, long hidden)
    {
        switch (mode)
        {
            case RecurrentMode.RnnTanh:
            {
                // tanh' = 1 - y²
                using var y2 = hOut.Square();
                dGi.Fill(1).SubInPlace(y2).MulInPlace(dh);
                return null;
            }
            case RecurrentMode.RnnRelu:
            {
                using var positive = hOut.Gt(0);
                using var mask = positive.To(hOut.DType);
                dGi.CopyFrom(mask).MulInPlace(dh);
                return null;
            }
            case RecurrentMode.Lstm:
            {
                using var i = act.Narrow(1, 0, hidden);
                using var f = act.Narrow(1, hidden, hidden);
                using var g = act.Narrow(1, 2 * hidden, hidden);
                using var o = act.Narrow(1, 3 * hidden, hidden);
                using var di = dGi.Narrow(1, 0, hidden);
                using var df = dGi.Narrow(1, hidden, hidden);
                using var dg = dGi.Narrow(1, 2 * hidden, hidden);
                using var dO = dGi.Narrow(1, 3 * hidden, hidden);
                using var tc = c!.Tanh();
                // do = dh ⊙ tanh(c') ⊙ o(1 - o)
                SigmoidGrad(dO, o).MulInPlace(tc).MulInPlace(dh);
                // dc += dh ⊙ o ⊙ (1 - tanh²(c'))
                using (var t2 = tc.Square())
                using (var dct = 1 - t2)
                {
                    dct.MulInPlace(o).MulInPlace(dh);
                    dc!.AddInPlace(dct);
                }
                SigmoidGrad(di, i).MulInPlace(g).MulInPlace(dc);
                using (var g2 = g.Square()) dg.Fill(1).SubInPlace(g2).MulInPlace(i).MulInPlace(dc);
                SigmoidGrad(df, f).MulInPlace(cPrev!).MulInPlace(dc);
                dc.MulInPlace(f);
                return null;
            }
            default:
            {
                using var r = act.Narrow(1, 0, hidden);
                using var z = act.Narrow(1, hidden, hidden);
                using var n = act.Narrow(1, 2 * hidden, hidden);
                using var hn = act.Narrow(1, 3 * hidden, hidden);
                using var dr = dGi.Narrow(1, 0, hidden);
                using var dz = dGi.Narrow(1, hidden, hidden);
                using var dn = dGi.Narrow(1, 2 * hidden, hidden);
                using var dGhRz = dGh.Narrow(1, 0, 2 * hidden);
                using var dGiRz = dGi.Narrow(1, 0, 2 * hidden);
                using var dGhN = dGh.Narrow(1, 2 * hidden, hidden);
                // h' = n + z ⊙ (h - n): dn = dh ⊙ (1 - z) ⊙ (1 - n²), dz = dh ⊙ (h - n) ⊙ z(1 - z), dh_direct = dh ⊙ z
                using (var n2 = n.Square()) dn.Fill(1).SubInPlace(n2);
                using (var omz = 1 - z) dn.MulInPlace(omz).MulInPlace(dh);
                using (var d = hPrev - n) SigmoidGrad(dz, z).MulInPlace(d).MulInPlace(dh);
                // n = tanh(gi_n + r ⊙ hn): dr = dn ⊙ hn ⊙ r(1 - r); the recurrent n block sees dn ⊙ r
                SigmoidGrad(dr, r).MulInPlace(hn).MulInPlace(dn);
                dGhRz.CopyFrom(dGiRz);
                dGhN.CopyFrom(dn).MulInPlace(r);
                return dh * z;
            }
        }
    }

    // Writes s(1 - s) into dst and returns it.
    private static Tensor SigmoidGrad(Tensor dst, Tensor s)
    {
        using var oneMinus = 1 - s;
        return dst.CopyFrom(s).MulInPlace(oneMinus);
    }
}
