namespace CudaTensor.VirtualDevice.Blas;

/// <summary>cublasLtEpilogue_t values the emulator applies (cublasLt.h); plain cuBLAS GEMMs use <see cref="Default"/>.</summary>
internal enum Epilogue
{
    Default = 1,
    Relu = 2,
    Bias = 4,
    ReluBias = Relu | Bias,
    Gelu = 32,
    GeluBias = Gelu | Bias,
}

/// <summary>What an epilogue does to each output element: add the row's bias, then the activation.</summary>
internal static class EpilogueMath
{
    public static bool IsKnown(uint value) => (Epilogue)value is Epilogue.Default or Epilogue.Relu or Epilogue.Bias
        or Epilogue.ReluBias or Epilogue.Gelu or Epilogue.GeluBias;

    public static bool HasBias(this Epilogue epilogue) => (epilogue & Epilogue.Bias) != 0;

    /// <summary>The activation of <paramref name="epilogue"/> applied to <paramref name="x"/>.</summary>
    public static T Activate<T>(this Epilogue epilogue, T x) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        if ((epilogue & Epilogue.Relu) != 0)
        {
            // fmax(x, 0) as the device computes it: a NaN input gives 0.
            return T.MaxNumber(x, T.Zero);
        }
        if ((epilogue & Epilogue.Gelu) != 0)
        {
            return GeluTanh(x);
        }
        return x;
    }

    /// <summary>
    /// GELU in its tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): the form cuBLASLt's GELU epilogues
    /// compute (PyTorch's fallback for its cuBLASLt GELU epilogue applies gelu(approximate="tanh") for this reason).
    /// </summary>
    public static T GeluTanh<T>(T x) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        T sqrtTwoOverPi = T.CreateTruncating(0.7978845608028654);
        T cubic = T.CreateTruncating(0.044715);
        T half = T.CreateTruncating(0.5);
        T inner = sqrtTwoOverPi * (x + (cubic * x * x * x));
        return half * x * (T.One + T.Tanh(inner));
    }
}
