namespace CudaTensor.NN;

/// <summary>
/// Chainable module methods that return the module's own type: <c>var model = new Linear(1000, 10).To(device);</c>
/// gives a <see cref="Linear"/>.
/// </summary>
public static class ModuleExtensions
{
    /// <summary>
    /// Moves every parameter and buffer (and each parameter's gradient) to <paramref name="device"/>, keeping each
    /// tensor object, so an optimizer built before the move keeps working (see <see cref="Module.Apply"/>); once the
    /// optimizer has state, move that too with <c>optimizer.To(device)</c>. Returns the module.
    /// </summary>
    public static T To<T>(this T module, Device device) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.Apply(device, null);
        return module;
    }

    /// <summary>Converts every floating-point parameter and buffer to <paramref name="dtype"/>, keeping each tensor object (see <see cref="Module.Apply"/>). Returns the module.</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not floating point.</exception>
    public static T To<T>(this T module, DType dtype) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.Apply(null, dtype);
        return module;
    }

    /// <summary>Moves to <paramref name="device"/> and converts floating-point tensors to <paramref name="dtype"/>. Returns the module.</summary>
    public static T To<T>(this T module, Device device, DType dtype) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.Apply(device, dtype);
        return module;
    }

    /// <summary>Puts the module and its sub-modules in training mode (or eval mode when <paramref name="mode"/> is false). Returns the module.</summary>
    public static T Train<T>(this T module, bool mode = true) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.SetTraining(mode);
        return module;
    }

    /// <summary>Puts the module and its sub-modules in evaluation mode (dropout off). Returns the module.</summary>
    public static T Eval<T>(this T module) where T : Module => module.Train(false);
}
