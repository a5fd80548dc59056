namespace CudaTensor.Backends.Cuda;

// The fused LSTM/GRU step program (Kernels/recurrent.cu), for the floating dtypes.
internal static partial class CudaKernels
{
    /// <summary>The program of the fused recurrent-step kernels.</summary>
    public const string RecurrentProgram = "recurrent.cu";

    public const string LstmCellForward = "ct_lstm_cell_forward";
    public const string LstmCellBackward = "ct_lstm_cell_backward";
    public const string GruCellForward = "ct_gru_cell_forward";
    public const string GruCellBackward = "ct_gru_cell_backward";

    private static IEnumerable<(string Program, DType? DType, string Kernel)> RecurrentInstantiations()
    {
        foreach (var dtype in FusedDTypes)
        {
            foreach (var kernel in new[] { LstmCellForward, LstmCellBackward, GruCellForward, GruCellBackward })
                yield return (RecurrentProgram, dtype, kernel);
        }
    }
}
