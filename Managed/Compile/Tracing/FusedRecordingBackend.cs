using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>A <see cref="RecordingBackend"/> of a backend with every fused capability: each capability call runs and becomes one node.</summary>
internal class FusedRecordingBackend(IBackend inner, Recorder recorder)
    : RecordingBackend(inner, recorder), IFusedLayerNorm, IFusedCrossEntropy, IConvolution, IFusedOptimizerSteps
{
    private T Cap<T>() where T : class => (T)Inner;

    /// <inheritdoc/>
    public void LayerNormForward(Strided y, Strided mean, Strided rstd, Strided x, Strided? weight, Strided? bias, double eps)
    {
        Cap<IFusedLayerNorm>().LayerNormForward(y, mean, rstd, x, weight, bias, eps);
        if (On)
        {
            var r = Recorder;
            r.Add(new LayerNormForwardNode(Device, r.View(y), r.View(mean), r.View(rstd), r.View(x), r.View(weight), r.View(bias), eps));
        }
    }

    /// <inheritdoc/>
    public void LayerNormBackward(Strided dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided rstd, Strided? weight)
    {
        Cap<IFusedLayerNorm>().LayerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
        if (On)
        {
            var r = Recorder;
            r.Add(new LayerNormBackwardNode(Device, r.View(dx), r.View(dweight), r.View(dbias), r.View(dy), r.View(x), r.View(mean), r.View(rstd), r.View(weight)));
        }
    }

    /// <inheritdoc/>
    public long CrossEntropyForward(Strided loss, Strided lse, Strided rowWeight, Strided logits, Strided target, Strided? weight, long ignoreIndex, double labelSmoothing, string op)
    {
        long bad = Cap<IFusedCrossEntropy>().CrossEntropyForward(loss, lse, rowWeight, logits, target, weight, ignoreIndex, labelSmoothing, op);
        if (On)
        {
            var r = Recorder;
            r.Add(new CrossEntropyForwardNode(Device, r.View(loss), r.View(lse), r.View(rowWeight), r.View(logits), r.View(target), r.View(weight), ignoreIndex, labelSmoothing, op));
        }
        return bad;
    }

    /// <inheritdoc/>
    public void CrossEntropyBackward(Strided dlogits, Strided grad, Strided logits, Strided target, Strided lse, Strided? weight, long ignoreIndex, double labelSmoothing)
    {
        Cap<IFusedCrossEntropy>().CrossEntropyBackward(dlogits, grad, logits, target, lse, weight, ignoreIndex, labelSmoothing);
        if (On)
        {
            var r = Recorder;
            r.Add(new CrossEntropyBackwardNode(Device, r.View(dlogits), r.View(grad), r.View(logits), r.View(target), r.View(lse), r.View(weight), ignoreIndex, labelSmoothing));
        }
    }

    /// <inheritdoc/>
    public void Conv2dForward(Strided y, Strided x, Strided w, Strided? bias, in WindowGeometry g)
    {
        Cap<IConvolution>().Conv2dForward(y, x, w, bias, g);
        if (On) Recorder.Add(new Conv2dForwardNode(Device, Recorder.View(y), Recorder.View(x), Recorder.View(w), Recorder.View(bias), g));
    }

    /// <inheritdoc/>
    public void Conv2dBackwardInput(Strided dx, Strided dy, Strided w, in WindowGeometry g)
    {
        Cap<IConvolution>().Conv2dBackwardInput(dx, dy, w, g);
        if (On) Recorder.Add(new Conv2dBackwardInputNode(Device, Recorder.View(dx), Recorder.View(dy), Recorder.View(w), g));
    }

    /// <inheritdoc/>
    public void Conv2dBackwardWeight(Strided dw, Strided? db, Strided dy, Strided x, in WindowGeometry g)
    {
        Cap<IConvolution>().Conv2dBackwardWeight(dw, db, dy, x, g);
        if (On) Recorder.Add(new Conv2dBackwardWeightNode(Device, Recorder.View(dw), Recorder.View(db), Recorder.View(dy), Recorder.View(x), g));
    }

    /// <inheritdoc/>
    public void AdamStep(Strided param, Strided grad, Strided expAvg, Strided expAvgSq, Strided? maxExpAvgSq, in AdamStepArgs args, Strided? step = null)
    {
        Cap<IFusedOptimizerSteps>().AdamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, args, step);
        if (On)
        {
            var r = Recorder;
            r.Add(new AdamStepNode(Device, r.View(param), r.View(grad), r.View(expAvg), r.View(expAvgSq), r.View(maxExpAvgSq), r.View(step), args, r.TakeLive()));
        }
    }

    /// <inheritdoc/>
    public void SgdStep(Strided param, Strided grad, Strided? momentumBuffer, in SgdStepArgs args)
    {
        Cap<IFusedOptimizerSteps>().SgdStep(param, grad, momentumBuffer, args);
        if (On) Recorder.Add(new SgdStepNode(Device, Recorder.View(param), Recorder.View(grad), Recorder.View(momentumBuffer), args, Recorder.TakeLive()));
    }

    /// <inheritdoc/>
    public void RmspropStep(Strided param, Strided grad, Strided squareAvg, Strided? gradAvg, Strided? momentumBuffer, in RmspropStepArgs args)
    {
        Cap<IFusedOptimizerSteps>().RmspropStep(param, grad, squareAvg, gradAvg, momentumBuffer, args);
        if (On)
        {
            var r = Recorder;
            r.Add(new RmspropStepNode(Device, r.View(param), r.View(grad), r.View(squareAvg), r.View(gradAvg), r.View(momentumBuffer), args, r.TakeLive()));
        }
    }
}

/// <summary>A <see cref="FusedRecordingBackend"/> of a host-memory backend (the CPU): a direct host address is a host read, so it makes the capture unreplayable.</summary>
internal sealed unsafe class HostRecordingBackend(IBackend inner, Recorder recorder) : FusedRecordingBackend(inner, recorder), IHostMemory
{
    /// <inheritdoc/>
    public byte* HostAddress(Strided t)
    {
        Recorder.Untraceable("a transfer between devices (To)");
        return ((IHostMemory)Inner).HostAddress(t);
    }
}
