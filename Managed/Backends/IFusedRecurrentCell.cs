namespace CudaTensor.Backends;

// The elementwise part of one LSTM or GRU time step in one pass (NN/Recurrent/RecurrentSequence.cs calls it once per
// step, between the recurrent GEMMs). Every operand is a contiguous [B, k·H] matrix of the same floating dtype (Float32
// or Float64) with B rows; gates are in PyTorch's order (LSTM i, f, g, o; GRU r, z, n).
/// <summary>
/// Capability: a fused LSTM/GRU step. Without it the sequence loop composes the same math from in-place elementwise ops
/// (NN/Recurrent/RecurrentPointwise.cs), which is also the tests' reference.
/// </summary>
internal interface IFusedRecurrentCell
{
    /// <summary>
    /// LSTM step: <paramref name="act"/> [B, 4H] holds the input part of the pre-activations and becomes the activations
    /// i, f, g, o after adding <paramref name="gh"/> [B, 4H]; then c' = f·c + i·g into <paramref name="cOut"/> and
    /// h' = o·tanh(c') into <paramref name="hOut"/> [B, H] from <paramref name="cPrev"/> [B, H].
    /// </summary>
    void LstmCellForward(Strided act, Strided gh, Strided cPrev, Strided hOut, Strided cOut);

    /// <summary>
    /// Backward of <see cref="LstmCellForward"/>: from dL/dh' <paramref name="dh"/> and dL/dc' <paramref name="dc"/> (replaced
    /// by dL/dc), the saved activations, c' (<paramref name="c"/>) and c, writes the pre-activation gradients to
    /// <paramref name="dGates"/> [B, 4H].
    /// </summary>
    void LstmCellBackward(Strided dGates, Strided dc, Strided dh, Strided act, Strided c, Strided cPrev);

    /// <summary>
    /// GRU step from the input part <paramref name="gi"/> = W_ih x + b_ih and the recurrent part <paramref name="gh"/> =
    /// W_hh h + b_hh [B, 3H]: writes r, z, n and W_hn h + b_hn into <paramref name="act"/> [B, 4H] and
    /// h' = n + z·(h - n) into <paramref name="hOut"/> [B, H].
    /// </summary>
    void GruCellForward(Strided act, Strided gi, Strided gh, Strided hPrev, Strided hOut);

    /// <summary>
    /// Backward of <see cref="GruCellForward"/>: from <paramref name="dh"/> = dL/dh', writes the pre-activation gradients of
    /// the input part <paramref name="dGi"/> and of the recurrent part <paramref name="dGh"/> [B, 3H] (they differ in the
    /// n block, which the recurrent part reaches through r), and the part of dL/dh that bypasses W_hh, z·dh, to
    /// <paramref name="dhDirect"/> [B, H].
    /// </summary>
    void GruCellBackward(Strided dGi, Strided dGh, Strided dhDirect, Strided dh, Strided act, Strided hPrev);

    /// <summary>
    /// How many columns of the recurrent product h·W_hhᵀ ([B, <paramref name="depth"/>] by [<paramref name="depth"/>,
    /// <paramref name="columns"/>], the same W_hhᵀ at every step) one matrix product should compute: all of them, or a
    /// narrower block the backend's GEMM reads in place where it would otherwise repack the whole weight at every step.
    /// </summary>
    long RecurrentProductColumns(long depth, long columns, int elementSize);
}
