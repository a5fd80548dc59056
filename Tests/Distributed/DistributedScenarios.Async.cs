using CudaTensor.Distributed;

namespace CudaTensor.Tests.Distributed;

public static partial class DistributedScenarios
{
    private static void RegisterAsync()
    {
        Scenarios["async-forms"] = AsyncForms;
        Scenarios["async-overlap"] = AsyncOverlapsCompute;
    }

    private static void AsyncForms(ProcessGroup g)
    {
        int w = g.WorldSize;
        // Several operations in flight at once, waited for out of order.
        using var a = Make(Values(g.Rank, 1000, DType.Float32), DType.Float32);
        using var b = Make(Values(g.Rank, 3, DType.Int64), DType.Int64);
        using var c = Make(Values(g.Rank, 4, DType.Float64), DType.Float64);
        using var gathered = Tensor.Zeros([w * 4], DType.Float64);
        Work wa = g.AllReduceAsync(a, ReduceOp.Max);
        Work wb = g.BroadcastAsync(b, w - 1);
        Work wc = g.AllGatherIntoTensorAsync(gathered, c);
        Work barrier = g.BarrierAsync();
        barrier.Wait();
        wc.Wait();
        wb.Wait();
        wa.Wait();
        Expect(wa.IsCompleted && wb.IsCompleted && wc.IsCompleted && barrier.IsCompleted, "IsCompleted is false after Wait");
        Expect("AllReduceAsync Max", a, Expected(w, 1000, DType.Float32, ReduceOp.Max));
        Expect("BroadcastAsync", b, Values(w - 1, 3, DType.Int64));
        Expect("AllGatherAsync", gathered, Concat(w, 4, DType.Float64));

        using var rs = Make(Values(g.Rank, w * 2, DType.Float32), DType.Float32);
        using var piece = Tensor.Zeros([2]);
        g.ReduceScatterTensorAsync(piece, rs, ReduceOp.Avg).Wait();
        Expect("ReduceScatterAsync Avg", piece, Expected(w, w * 2, DType.Float32, ReduceOp.Avg).Skip(g.Rank * 2).Take(2).ToArray(), 1e-4);

        var outputs = Enumerable.Range(0, w).Select(_ => Tensor.Zeros([2], DType.Int32)).ToArray();
        using var input = Make(Values(g.Rank, 2, DType.Int32), DType.Int32);
        g.AllGatherAsync(outputs, input).Wait();
        for (int r = 0; r < w; r++) Expect($"AllGatherAsync list [{r}]", outputs[r], Values(r, 2, DType.Int32));

        int next = (g.Rank + 1) % w, previous = (g.Rank + w - 1) % w;
        using var sent = Make(Values(g.Rank, 8, DType.Float64), DType.Float64);
        using var received = Tensor.Zeros([8], DType.Float64);
        Work recv = g.RecvAsync(received, previous, tag: 5);
        Work send = g.SendAsync(sent, next, tag: 5);
        send.Wait();
        recv.Wait();
        Expect("RecvAsync", received, Values(previous, 8, DType.Float64));
    }

    // A Work started before a long computation is complete after it, before anyone waits for it: the progress thread
    // moved it while the main thread computed (without it, Open MPI would advance the collective only inside Wait).
    private static void AsyncOverlapsCompute(ProcessGroup g)
    {
        const int n = 4 << 20; // 16 MiB of float32
        using var big = Tensor.Full([n], g.Rank + 1.0f);
        Work work = g.AllReduceAsync(big);
        using var m = Tensor.Rand([192, 192]);
        var product = m;
        for (int i = 0; i < 60; i++)
        {
            using var next = Tensor.MatMul(product, m);
            using var normalized = next / next.Abs().Max();
            if (!ReferenceEquals(product, m)) product.Dispose();
            product = normalized.Clone();
        }
        product.Dispose();
        bool doneBeforeWait = work.IsCompleted;
        work.Wait();
        int w = g.WorldSize;
        using var first = big.Narrow(0, 0, 4);
        Expect("AllReduceAsync over the computation", first, [.. Enumerable.Repeat(w * (w + 1) / 2.0, 4)]);
        Expect(doneBeforeWait, "the all-reduce started before the computation was not complete after it (no progress while computing)");
    }
}
