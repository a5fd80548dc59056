using CudaTensor.AutogradEngine;
using CudaTensor.Backends;

namespace CudaTensor.NN;

// One layer and direction of RNN, LSTM or GRU over a whole sequence as one autograd node (what cuDNN does):
// - forward: one GEMM for the input projections of all time steps, then per step the recurrent GEMM and the gate
//   math in place (RecurrentPointwise), with nothing recorded;
// - backward: the steps in reverse, each an elementwise pass and one GEMM for dL/dh, then ONE GEMM each for the input
//   gradient and the two weight gradients over all steps, and one sum per bias.
// Composed per step, the weight gradients would be T small GEMMs added up by autograd, and every slice of the input
// projection would send back a zero-padded copy of the whole projection: O(T²) memory traffic.
// The result is packed in one tensor [T + 1, B, H] (outputs in time order, then h_n) or, for an LSTM, [T + 2, B, H]
// (then c_n), so the node has one output; callers take views of it. RecurrentComposed.Layer defines the same result.
// An LSTM with projections (PyTorch's proj_size P < H: h_t = W_hr (o ⊙ tanh(c_t)), [B, P]) keeps that shape: outputs
// and h_n fill the first P features of their rows (the rest is zero), c_n all H.
internal static class RecurrentSequence
{
    /// <summary>
    /// The packed result for a time-major <paramref name="x"/> [T, B, in] (any strides) from <paramref name="h0"/>
    /// (and <paramref name="c0"/>) [B, H]; <paramref name="reverse"/> runs from the last step to the first. The gate math of
    /// each step runs as the backend's fused step (<see cref="IFusedRecurrentCell"/>) when it has one and
    /// <paramref name="allowFusedCell"/>, else composed from in-place elementwise ops (<see cref="RecurrentPointwise"/>).
    /// <paramref name="wHr"/> [P, H] (LSTM only) projects each step's h to P features; h0 is then [B, P].
    /// </summary>
    public static Tensor Forward(RecurrentMode mode, Tensor x, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, bool reverse,
        bool allowFusedCell = true, Tensor? wHr = null)
    {
        long steps = x.Shape[0], batch = x.Shape[1], inputs = x.Shape[2];
        long hidden = wIh.Shape[0] / mode.Gates(), outWidth = wHr?.Shape[0] ?? hidden;
        bool lstm = mode == RecurrentMode.Lstm, gru = mode == RecurrentMode.Gru;
        long gates = mode.Gates() * hidden, rowWidth = gru ? 4 * hidden : gates;
        Tensor?[] edges = [x, h0, c0, wIh, wHh, bIh, bHh, wHr];
        bool record = GradMode.IsEnabled && edges.Any(e => e is { RequiresGrad: true });

        var cell = allowFusedCell ? FusedCell(mode, x) : null;
        var packed = wHr is null ? Tensor.Empty([steps + (lstm ? 2 : 1), batch, hidden], x.DType, x.Device)
            : Tensor.Zeros([steps + 2, batch, hidden], x.DType, x.Device);
        Tensor? x2 = null, act = null, gi = null, cells = null, h0c = null, c0c = null, raw = null, wHrT = null;
        try
        {
            using (Autograd.NoGrad())
            {
                x2 = x.Reshape(steps * batch, inputs);
                using var wIhT = wIh.Transpose(0, 1);
                // Copied once to a row-major [H, G·H]: a row-major B made 64 products [32, 256] @ [256, 1024] take ~24% less
                // time than the transposed view (median of 6 interleaved rounds), and the CPU GEMM reads its column blocks
                // in place (RecurrentProduct) instead of packing them again at every step.
                using var wHhT = wHh.Transpose(0, 1).Contiguous();
                long productColumns = (x.Backend as IFusedRecurrentCell)?.RecurrentProductColumns(wHhT.Shape[0], gates, x.DType.ElementSize()) ?? gates;
                // One GEMM for every step's input part. RNN and LSTM add b_hh here too (it only ever adds to the same sum);
                // the GRU keeps b_hn inside r ⊙ (W_hn h + b_hn), so its b_hh goes with the recurrent GEMM.
                using (var projected = Tensor.MatMul(x2, wIhT))
                {
                    if (bIh is not null) projected.AddInPlace(bIh);
                    if (bHh is not null && !gru) projected.AddInPlace(bHh);
                    if (gru) gi = projected.Reshape(steps, batch, gates);
                    else act = projected.Reshape(steps, batch, gates);
                }
                if (gru) act = Tensor.Empty([steps, batch, rowWidth], x.DType, x.Device);
                if (lstm) cells = Tensor.Empty([steps, batch, hidden], x.DType, x.Device);
                if (wHr is not null)
                {
                    // o ⊙ tanh(c) of every step, before the projection: the backward pass forms dW_hr from it.
                    raw = Tensor.Empty([steps, batch, hidden], x.DType, x.Device);
                    wHrT = wHr.Transpose(0, 1).Contiguous();
                }
                // The fused step reads contiguous rows.
                h0c = h0.Contiguous();
                c0c = c0?.Contiguous();
                Tensor h = h0c;
                Tensor? c = c0c;
                var views = new List<Tensor>();
                try
                {
                    for (long s = 0; s < steps; s++)
                    {
                        long t = reverse ? steps - 1 - s : s;
                        using var gh = RecurrentProduct(h, wHhT, productColumns);
                        if (gru && bHh is not null) gh.AddInPlace(bHh);
                        using var actT = act!.Select(0, t);
                        using var giT = gi?.Select(0, t);
                        var hOut = (raw ?? packed).Select(0, t);
                        var cOut = cells?.Select(0, t);
                        views.Add(hOut);
                        if (cOut is not null) views.Add(cOut);
                        if (cell is null) RecurrentPointwise.Forward(mode, actT, giT, gh, h, c, hOut, cOut, hidden);
                        else if (lstm) cell.LstmCellForward(actT.Layout, gh.Layout, c!.Layout, hOut.Layout, cOut!.Layout);
                        else cell.GruCellForward(actT.Layout, giT!.Layout, gh.Layout, h.Layout, hOut.Layout);
                        if (wHrT is not null)
                        {
                            using var projected = Tensor.MatMul(hOut, wHrT);
                            using var row = packed.Select(0, t);
                            hOut = row.Narrow(1, 0, outWidth);
                            hOut.CopyFrom(projected);
                            views.Add(hOut);
                        }
                        h = hOut;
                        c = cOut;
                    }
                    using (var hNRow = packed.Select(0, steps))
                    using (var hN = hNRow.Narrow(1, 0, outWidth)) hN.CopyFrom(h);
                    if (lstm)
                    {
                        using var cN = packed.Select(0, steps + 1);
                        cN.CopyFrom(c!);
                    }
                }
                finally
                {
                    foreach (var v in views) v.Dispose();
                }
            }
            if (record) Record(mode, packed, x, x2!, h0, c0, wIh, wHh, bIh, bHh, wHr, act!, cells, raw, reverse, cell);
            return packed;
        }
        catch
        {
            packed.Dispose();
            throw;
        }
        finally
        {
            x2?.Dispose();
            act?.Dispose();
            gi?.Dispose();
            cells?.Dispose();
            h0c?.Dispose();
            c0c?.Dispose();
            raw?.Dispose();
            wHrT?.Dispose();
        }
    }

    // h·W_hhᵀ, in column blocks of the width the backend asks for (IFusedRecurrentCell.RecurrentProductColumns), each
    // written in place into its columns of the result.
    private static Tensor RecurrentProduct(Tensor h, Tensor wHhT, long columns)
    {
        long total = wHhT.Shape[1];
        if (columns >= total) return Tensor.MatMul(h, wHhT);
        var result = Tensor.Empty([h.Shape[0], total], h.DType, h.Device);
        using var h3 = h.Unsqueeze(0);
        for (long j = 0; j < total; j += columns)
        {
            long width = Math.Min(columns, total - j);
            using var block = wHhT.Narrow(1, j, width);
            using var block3 = block.Unsqueeze(0);
            using var part = result.Narrow(1, j, width);
            using var part3 = part.Unsqueeze(0);
            h.Backend.MatMul(part3.Layout, h3.Layout, block3.Layout);
        }
        return result;
    }

    // The backend's fused step, for the modes and dtypes it covers (the RNN's step is one add and one activation).
    private static IFusedRecurrentCell? FusedCell(RecurrentMode mode, Tensor x)
        => mode is RecurrentMode.Lstm or RecurrentMode.Gru && x.DType is DType.Float32 or DType.Float64 ? x.Backend as IFusedRecurrentCell : null;

    private static void Record(RecurrentMode mode, Tensor packed, Tensor x, Tensor x2, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
        Tensor? wHr, Tensor act, Tensor? cells, Tensor? raw, bool reverse, IFusedRecurrentCell? cell)
    {
        var node = Derivatives.Node(mode.LayerName() + "Backward", packed, [x, h0, c0, wIh, wHh, bIh, bHh, wHr]);
        var sx = node.Save(x);
        var sx2 = node.Save(x2);
        var sh0 = node.Save(h0);
        var sc0 = c0 is null ? null : node.Save(c0);
        var swIh = node.Save(wIh);
        var swHh = node.Save(wHh);
        var sbIh = bIh is null ? null : node.Save(bIh);
        var sbHh = bHh is null ? null : node.Save(bHh);
        var sAct = node.Save(act);
        var sCells = cells is null ? null : node.Save(cells);
        var sPacked = node.Save(packed);
        var swHr = wHr is null ? null : node.Save(wHr);
        var sRaw = raw is null ? null : node.Save(raw);
        bool[] need = [x.RequiresGrad, h0.RequiresGrad, c0?.RequiresGrad ?? false, wIh.RequiresGrad, wHh.RequiresGrad, bIh?.RequiresGrad ?? false,
            bHh?.RequiresGrad ?? false, wHr?.RequiresGrad ?? false];
        node.Formula = g =>
        {
            if (GradMode.IsEnabled)
            {
                // A recorded backward pass (createGraph): differentiate the composed definition instead, so that
                // gradients of gradients reach the inputs through every step.
                return RecomposedGrad(mode, g, need, sx.Unpack(), sh0.Unpack(), sc0?.Unpack(), swIh.Unpack(), swHh.Unpack(), sbIh?.Unpack(), sbHh?.Unpack(),
                    swHr?.Unpack(), reverse);
            }
            return Backward(mode, g, need, sx.Unpack(), sx2.Unpack(), sh0.Unpack(), sc0?.Unpack(), swIh.Unpack(), swHh.Unpack(), bIh is not null, bHh is not null,
                swHr?.Unpack(), sAct.Unpack(), sCells?.Unpack(), sRaw?.Unpack(), sPacked.Unpack(), reverse, cell);
        };
    }

    private static Tensor?[] RecomposedGrad(RecurrentMode mode, Tensor g, bool[] need, Tensor x, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
        Tensor? wHr, bool reverse)
    {
        Tensor?[] all = [x, h0, c0, wIh, wHh, bIh, bHh, wHr];
        var wanted = Enumerable.Range(0, all.Length).Where(i => need[i]).ToArray();
        using var packed = RecurrentComposed.Layer(mode, x, h0, c0, wIh, wHh, bIh, bHh, reverse, wHr);
        var grads = Autograd.Grad([packed], [.. wanted.Select(i => all[i]!)], [g], createGraph: true, allowUnused: true);
        var result = new Tensor?[all.Length];
        for (int k = 0; k < wanted.Length; k++) result[wanted[k]] = grads[k];
        return result;
    }

    private static Tensor?[] Backward(RecurrentMode mode, Tensor g, bool[] need, Tensor x, Tensor x2, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, bool hasBIh, bool hasBHh,
        Tensor? wHr, Tensor act, Tensor? cells, Tensor? raw, Tensor packed, bool reverse, IFusedRecurrentCell? cell)
    {
        long steps = x.Shape[0], batch = x.Shape[1], hidden = wIh.Shape[0] / mode.Gates(), outWidth = wHr?.Shape[0] ?? hidden;
        bool lstm = mode == RecurrentMode.Lstm, gru = mode == RecurrentMode.Gru;
        long gates = mode.Gates() * hidden;
        using var scope = Tensor.NewScope();
        var dGi = Tensor.Empty([steps, batch, gates], g.DType, g.Device);
        var dGh = gru ? Tensor.Empty([steps, batch, gates], g.DType, g.Device) : dGi;
        var dc = lstm ? g.Select(0, steps + 1).Clone() : null;
        // With projections: the outputs are the first P features of the packed rows; dHs keeps dL/dh of every step for dW_hr.
        if (wHr is not null)
        {
            g = g.Narrow(2, 0, outWidth);
            packed = packed.Narrow(2, 0, outWidth);
        }
        var dHs = wHr is null ? null : Tensor.Empty([steps, batch, outWidth], g.DType, g.Device);
        var dh = g.Select(0, steps).Clone();

        h0 = h0.Contiguous();
        c0 = c0?.Contiguous();
        for (long s = 0; s < steps; s++)
        {
            long t = reverse ? s : steps - 1 - s; // the forward order, reversed
            long prev = reverse ? t + 1 : t - 1;
            bool first = prev < 0 || prev >= steps;
            using var stepScope = Tensor.NewScope();
            dh.AddInPlace(g.Select(0, t));
            // dL/d(o ⊙ tanh(c)) when projecting, else dL/dh itself.
            var dRaw = dh;
            if (wHr is not null)
            {
                dHs!.Select(0, t).CopyFrom(dh);
                dRaw = Tensor.MatMul(dh, wHr);
            }
            var hPrev = first ? h0 : packed.Select(0, prev);
            var cPrev = !lstm ? null : first ? c0! : cells!.Select(0, prev);
            var dGhT = dGh.Select(0, t);
            var dGiT = dGi.Select(0, t);
            var actT = act.Select(0, t);
            Tensor? direct = null;
            if (cell is null)
            {
                direct = RecurrentPointwise.Backward(mode, dRaw, dc, actT, (raw ?? packed).Select(0, t), hPrev, cells?.Select(0, t), cPrev, dGiT, dGhT, hidden);
            }
            else if (lstm)
            {
                cell.LstmCellBackward(dGiT.Layout, dc!.Layout, dRaw.Layout, actT.Layout, cells!.Select(0, t).Layout, cPrev!.Layout);
            }
            else
            {
                direct = Tensor.Empty([batch, hidden], g.DType, g.Device);
                cell.GruCellBackward(dGiT.Layout, dGhT.Layout, direct.Layout, dh.Layout, actT.Layout, hPrev.Layout);
            }
            var dhPrev = Tensor.MatMul(dGhT, wHh);
            if (direct is not null) dhPrev.AddInPlace(direct);
            dh.CopyFrom(dhPrev);
        }
        var dGi2 = dGi.Reshape(steps * batch, gates);
        var dGh2 = gru ? dGh.Reshape(steps * batch, gates) : dGi2;
        Tensor? dx = null, dWIh = null, dWHh = null, dBIh = null, dBHh = null;
        if (need[0]) dx = Tensor.MatMul(dGi2, wIh).Reshape(x.ShapeArray);
        if (need[3]) dWIh = Tensor.MatMul(dGi2.Transpose(0, 1), x2);
        if (need[4])
        {
            // The state each step read, in time order: h0 then the outputs shifted by one step.
            var h0Row = h0.Unsqueeze(0);
            var hPrevAll = steps == 1 ? h0Row
                : reverse ? Tensor.Cat([packed.Narrow(0, 1, steps - 1), h0Row], 0)
                : Tensor.Cat([h0Row, packed.Narrow(0, 0, steps - 1)], 0);
            dWHh = Tensor.MatMul(dGh2.Transpose(0, 1), hPrevAll.Reshape(steps * batch, outWidth));
        }
        Tensor? dWHr = need[7] ? Tensor.MatMul(dHs!.Reshape(steps * batch, outWidth).Transpose(0, 1), raw!.Reshape(steps * batch, hidden)) : null;
        if (need[5] && hasBIh) dBIh = dGi2.Sum(0);
        if (need[6] && hasBHh) dBHh = gru ? dGh2.Sum(0) : (dBIh?.Clone() ?? dGi2.Sum(0));
        Tensor?[] result = [dx, need[1] ? dh : null, need[2] ? dc : null, dWIh, dWHh, dBIh, dBHh, dWHr];
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] is { } r) result[i] = scope.MoveToOuter(r);
        }
        return result;
    }
}
