using CudaTensor.Ops;

namespace CudaTensor.Backends.Cuda;

// 2-D convolution from the backend's own primitives: the batch's windows unfolded at once (window.cu), strided-batched
// cuBLAS products with the weight broadcast over the batch (batch stride 0), and the row reductions for the weight's
// and bias's gradients. Scratch buffers come from the caching pool and are released once the last use is queued.
internal sealed unsafe partial class CudaBackend
{
    public void Conv2dForward(Strided y, Strided x, Strided w, Strided? bias, in WindowGeometry g)
    {
        long n = x.Shape[0], c = x.Shape[1], o = w.Shape[0], rows = w.Shape[1], l = g.Positions;
        if (n == 0 || o == 0 || l == 0) return;
        var cols = Temp([n * c, g.Taps, l], x.DType);
        try
        {
            Im2Col(cols, x.AsContiguous(n * c, g.Height, g.Width), g, 0);
            var y3 = y.AsContiguous(n, o, l);
            MatMul(y3, w.WithLayout([n, o, rows], [0, rows, 1]), cols.AsContiguous(n, rows, l));
            if (bias is { } b) Binary(BinaryOp.Add, y3, y3, b.WithLayout([n, o, l], [0, 1, 0]));
        }
        finally
        {
            cols.Storage.Release();
        }
    }

    public void Conv2dBackwardInput(Strided dx, Strided dy, Strided w, in WindowGeometry g)
    {
        long n = dx.Shape[0], c = dx.Shape[1], o = w.Shape[0], rows = w.Shape[1], l = g.Positions;
        if (n == 0 || c == 0) return;
        var cols = Temp([n * c, g.Taps, l], dx.DType);
        try
        {
            MatMul(cols.AsContiguous(n, rows, l), w.WithLayout([n, rows, o], [0, 1, rows]), dy.AsContiguous(n, o, l));
            Col2Im(dx.AsContiguous(n * c, g.Height, g.Width), cols, g);
        }
        finally
        {
            cols.Storage.Release();
        }
    }

    public void Conv2dBackwardWeight(Strided dw, Strided? db, Strided dy, Strided x, in WindowGeometry g)
    {
        long n = x.Shape[0], c = x.Shape[1], o = dw.Shape[0], rows = dw.Shape[1], l = g.Positions;
        var cols = Temp([n * c, g.Taps, l], x.DType);
        var perSample = Temp([n, o, rows], x.DType);
        try
        {
            Im2Col(cols, x.AsContiguous(n * c, g.Height, g.Width), g, 0);
            // dW[n] = dy[n] @ cols[n]ᵀ, then summed over n (the batch as the last, reduced dimension).
            MatMul(perSample, dy.AsContiguous(n, o, l), cols.WithLayout([n, l, rows], [rows * l, 1, l]));
            Reduce(ReduceOp.Sum, dw.AsContiguous(o, rows), perSample.WithLayout([o, rows, n], [rows, 1, o * rows]), 1);
            if (db is { } b) Reduce(ReduceOp.Sum, b.AsContiguous(o), dy.WithLayout([o, n, l], [l, o * l, 1]), 2);
        }
        finally
        {
            cols.Storage.Release();
            perSample.Storage.Release();
        }
    }
}
