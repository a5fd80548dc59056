namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// A cublasLtMatmul operation checked against its descriptors, as cuBLASLt checks it before choosing an
/// algorithm: shapes that do not chain (op(A) m x k, op(B) k x n, C and D m x n), a leading dimension smaller
/// than the order needs or mismatched batch counts are INVALID_VALUE; what the reference does not emulate (row
/// and column orders other than COL and ROW, planar complex, FP8 scaling, other epilogues, transposed C) is
/// NOT_SUPPORTED.
/// </summary>
internal readonly record struct LtPlan(long M, long N, long K, long BatchCount, BlasOperation OpA, BlasOperation OpB,
    LtMatrixLayout A, LtMatrixLayout B, LtMatrixLayout C, LtMatrixLayout D, ComputeSpec Compute, Epilogue Epilogue,
    BlasDataType BiasType)
{
    // FP8-style scaling and amax pointers: any of these set asks for arithmetic the reference does not do.
    private static readonly int[] ScalingPointers =
    [
        LtMatmulDesc.AScalePointer, LtMatmulDesc.BScalePointer, LtMatmulDesc.CScalePointer, LtMatmulDesc.DScalePointer,
        LtMatmulDesc.AmaxDPointer, LtMatmulDesc.EpilogueAuxScalePointer, LtMatmulDesc.EpilogueAuxAmaxPointer,
    ];

    public static BlasStatus Build(LtMatmulDesc? desc, LtMatrixLayout? a, LtMatrixLayout? b, LtMatrixLayout? c, LtMatrixLayout? d, out LtPlan plan)
    {
        plan = default;
        if (desc is null || a is null || b is null || c is null || d is null)
        {
            return Fail(BlasStatus.InvalidValue, "a matmul descriptor or matrix layout is NULL, destroyed or of another kind");
        }

        int transA = desc.Int(LtMatmulDesc.TransA), transB = desc.Int(LtMatmulDesc.TransB);
        if (!CublasEmulator.IsOperation(transA) || !CublasEmulator.IsOperation(transB))
        {
            return Fail(BlasStatus.InvalidValue, $"TRANSA = {transA}, TRANSB = {transB}: each must be CUBLAS_OP_N, T or C");
        }
        if (desc.Int(LtMatmulDesc.TransC) != 0) return Fail(BlasStatus.NotSupported, "TRANSC must be CUBLAS_OP_N");
        if (desc.Int(LtMatmulDesc.FillMode) != 2) return Fail(BlasStatus.NotSupported, "FILL_MODE must be CUBLAS_FILL_MODE_FULL");
        if (desc.Int(LtMatmulDesc.PointerMode) is not (0 or 1))
        {
            return Fail(BlasStatus.NotSupported, $"POINTER_MODE {desc.Int(LtMatmulDesc.PointerMode)}: only host (0) and device (1) scalars are emulated");
        }
        uint epilogue = (uint)desc.Int(LtMatmulDesc.Epilogue);
        if (!EpilogueMath.IsKnown(epilogue))
        {
            return Fail(BlasStatus.NotSupported, $"EPILOGUE {epilogue}: the virtual device emulates DEFAULT, RELU, BIAS, RELU_BIAS, GELU and GELU_BIAS");
        }
        foreach (int pointer in ScalingPointers)
        {
            if (desc.Attributes[pointer] != 0) return Fail(BlasStatus.NotSupported, $"matmul attribute {pointer} (FP8 scale/amax pointers) is not emulated");
        }

        foreach (var (name, layout) in (ReadOnlySpan<(string, LtMatrixLayout)>)[("A", a), ("B", b), ("C", c), ("D", d)])
        {
            BlasStatus status = Check(name, layout);
            if (status != BlasStatus.Success) return status;
        }

        var opA = (BlasOperation)transA;
        var opB = (BlasOperation)transB;
        (long m, long k) = Shape(a, opA);
        (long kB, long n) = Shape(b, opB);
        if (kB != k || d[LtMatrixLayout.Rows] != m || d[LtMatrixLayout.Cols] != n
            || c[LtMatrixLayout.Rows] != m || c[LtMatrixLayout.Cols] != n)
        {
            return Fail(BlasStatus.InvalidValue, $"shapes do not chain: op(A) is {m}x{k}, op(B) {kB}x{n}, C {c[LtMatrixLayout.Rows]}x{c[LtMatrixLayout.Cols]}, "
                + $"D {d[LtMatrixLayout.Rows]}x{d[LtMatrixLayout.Cols]} (need op(A) m x k, op(B) k x n, C and D m x n)");
        }
        long batch = d[LtMatrixLayout.BatchCount];
        if (a[LtMatrixLayout.BatchCount] != batch || b[LtMatrixLayout.BatchCount] != batch || c[LtMatrixLayout.BatchCount] != batch)
        {
            return Fail(BlasStatus.InvalidValue, $"BATCH_COUNT differs: A {a[LtMatrixLayout.BatchCount]}, B {b[LtMatrixLayout.BatchCount]}, "
                + $"C {c[LtMatrixLayout.BatchCount]}, D {batch}");
        }

        int typeC = (int)c[LtMatrixLayout.Type], typeD = (int)d[LtMatrixLayout.Type];
        if (typeC != typeD) return Fail(BlasStatus.NotSupported, $"C's type {typeC} differs from D's {typeD}");
        ComputeSpec? spec = ComputeSpec.ForGemmEx((BlasComputeType)desc.Int(LtMatmulDesc.ComputeType),
            (int)a[LtMatrixLayout.Type], (int)b[LtMatrixLayout.Type], typeC, mathMode: ComputeSpec.DefaultMath);
        if (spec is not { } compute || desc.Int(LtMatmulDesc.ScaleType) != (int)compute.ScaleType)
        {
            return Fail(BlasStatus.NotSupported, $"compute type {desc.Int(LtMatmulDesc.ComputeType)}, scale type {desc.Int(LtMatmulDesc.ScaleType)}, "
                + $"A/B/C types {a[LtMatrixLayout.Type]}/{b[LtMatrixLayout.Type]}/{typeC}: not a combination the virtual device emulates");
        }

        var epilogueKind = (Epilogue)epilogue;
        var biasType = (BlasDataType)typeD;
        if (epilogueKind.HasBias())
        {
            if (desc.Attributes[LtMatmulDesc.BiasPointer] == 0) return Fail(BlasStatus.InvalidValue, $"EPILOGUE {epilogue} adds a bias but BIAS_POINTER is not set");
            int requested = desc.Int(LtMatmulDesc.BiasDataType);
            // The bias has D's type unless BIAS_DATA_TYPE says otherwise; the scale type is the other choice.
            if (requested != -1)
            {
                if (requested != typeD && requested != (int)compute.ScaleType)
                {
                    return Fail(BlasStatus.NotSupported, $"BIAS_DATA_TYPE {requested} is neither D's type {typeD} nor the scale type {(int)compute.ScaleType}");
                }
                biasType = (BlasDataType)requested;
            }
        }

        plan = new LtPlan(m, n, k, batch, opA, opB, a, b, c, d, compute, epilogueKind, biasType);
        return BlasStatus.Success;
    }

    /// <summary>The product for the given device pointers and scalars.</summary>
    public GemmProblem Problem(ulong a, ulong b, ulong c, ulong d, LtMatmulDesc desc, Scalar alpha, Scalar beta) => new()
    {
        M = M,
        N = N,
        K = K,
        BatchCount = BatchCount,
        A = Operand("A", a, A).Apply(OpA),
        B = Operand("B", b, B).Apply(OpB),
        C = Operand("C", c, C),
        D = Operand("D", d, D),
        Alpha = alpha,
        Beta = beta,
        DoublePrecision = Compute.DoublePrecision,
        Rounding = Compute.Rounding,
        Epilogue = Epilogue,
        Bias = Epilogue.HasBias()
            ? new MatrixOperand("bias", (ulong)desc.Attributes[LtMatmulDesc.BiasPointer], BiasType, M, 1, 1, M,
                desc.Attributes[LtMatmulDesc.BiasBatchStride])
            : null,
    };

    private static MatrixOperand Operand(string name, ulong address, LtMatrixLayout layout)
    {
        var type = (BlasDataType)layout[LtMatrixLayout.Type];
        long rows = layout[LtMatrixLayout.Rows], cols = layout[LtMatrixLayout.Cols], ld = layout[LtMatrixLayout.Ld];
        long stride = layout[LtMatrixLayout.StridedBatchOffset];
        return layout[LtMatrixLayout.Order] == LtMatrixLayout.OrderRow
            ? MatrixOperand.RowMajor(name, address, type, rows, cols, ld, stride)
            : MatrixOperand.ColumnMajor(name, address, type, rows, cols, ld, stride);
    }

    private static (long Rows, long Cols) Shape(LtMatrixLayout layout, BlasOperation op)
        => op == BlasOperation.None
            ? (layout[LtMatrixLayout.Rows], layout[LtMatrixLayout.Cols])
            : (layout[LtMatrixLayout.Cols], layout[LtMatrixLayout.Rows]);

    private static BlasStatus Check(string name, LtMatrixLayout layout)
    {
        long order = layout[LtMatrixLayout.Order];
        if (order is not (LtMatrixLayout.OrderCol or LtMatrixLayout.OrderRow))
        {
            return Fail(BlasStatus.NotSupported, $"{name}'s ORDER {order}: only CUBLASLT_ORDER_COL (0) and ROW (1) are emulated");
        }
        if (layout[LtMatrixLayout.PlaneOffset] != 0) return Fail(BlasStatus.NotSupported, $"{name} is planar complex (PLANE_OFFSET set)");
        if (!ElementAccess.IsKnown((int)layout[LtMatrixLayout.Type])) return Fail(BlasStatus.NotSupported, $"{name}'s type {layout[LtMatrixLayout.Type]} is not emulated");
        long rows = layout[LtMatrixLayout.Rows], cols = layout[LtMatrixLayout.Cols], ld = layout[LtMatrixLayout.Ld];
        // Rows and columns are uint64 in the API; the library supports what fits an int32.
        if (rows is < 0 or > int.MaxValue || cols is < 0 or > int.MaxValue) return Fail(BlasStatus.NotSupported, $"{name} is {rows}x{cols}: beyond int32");
        long needed = Math.Max(1, order == LtMatrixLayout.OrderCol ? rows : cols);
        if (ld < needed) return Fail(BlasStatus.InvalidValue, $"{name}'s LD {ld} < {needed} ({(order == LtMatrixLayout.OrderCol ? "rows, column" : "columns, row")} order)");
        if (layout[LtMatrixLayout.BatchCount] < 1) return Fail(BlasStatus.InvalidValue, $"{name}'s BATCH_COUNT {layout[LtMatrixLayout.BatchCount]} < 1");
        return BlasStatus.Success;
    }

    private static BlasStatus Fail(BlasStatus status, string why) => BlasFailure.Reject(status, $"cublasLtMatmul: {why}");
}
