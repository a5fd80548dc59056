using CudaTensor.VirtualDevice.Blas;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// cuBLASLt's checks on the emulator: attribute ids and sizes, operands whose shapes do not chain, leading
/// dimensions, batch counts, in-place layouts (INVALID_VALUE), and what is outside the emulation (NOT_SUPPORTED).
/// Nothing is enqueued for a rejected call.
/// </summary>
[TestFixture]
public unsafe class BlasLtValidationTests : CublasLtFixture
{
    [TearDown]
    public void NothingWasEnqueued()
    {
        Assert.That(Context.Work, Is.Empty, "a rejected call enqueues nothing");
    }

    private const BlasDataType F32 = BlasDataType.Float32;
    private const ulong Somewhere = 1UL << 41; // never dereferenced: every case fails before the work is queued

    // A 4x3 by 3x2 product (D 4x2) whose one changed part is given.
    private BlasStatus Matmul(IntPtr? desc = null, IntPtr? a = null, IntPtr? b = null, IntPtr? c = null, IntPtr? d = null, ulong cPointer = Somewhere + 64)
        => Lt.Matmul(desc ?? Lt.Desc(), 1, Somewhere, a ?? Lt.Layout(F32, 4, 3, 4), Somewhere, b ?? Lt.Layout(F32, 3, 2, 3), 0,
            cPointer, c ?? Lt.Layout(F32, 4, 2, 4), Somewhere + 64, d ?? Lt.Layout(F32, 4, 2, 4));

    [Test]
    public void ShapesThatDoNotChainAreInvalid()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Matmul(a: Lt.Layout(F32, 4, 2, 4)), Is.EqualTo(BlasStatus.InvalidValue), "k of A differs from k of B");
            Assert.That(Matmul(d: Lt.Layout(F32, 5, 2, 5)), Is.EqualTo(BlasStatus.InvalidValue), "D rows differ from op(A) rows");
            Assert.That(Matmul(c: Lt.Layout(F32, 4, 3, 4)), Is.EqualTo(BlasStatus.InvalidValue), "C columns differ from D columns");
            Assert.That(Matmul(desc: Lt.Desc(transA: 1)), Is.EqualTo(BlasStatus.InvalidValue), "op(A) = A^T is 3x4");
        });
        Assert.That(BlasFailure.LastErrorDetail((int)BlasStatus.InvalidValue),
            Is.EqualTo("cublasLtMatmul: shapes do not chain: op(A) is 3x4, op(B) 3x2, C 4x2, D 4x2 (need op(A) m x k, op(B) k x n, C and D m x n)"));
    }

    [Test]
    public void LeadingDimensionsAndBatchesAreChecked()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Matmul(a: Lt.Layout(F32, 4, 3, 3)), Is.EqualTo(BlasStatus.InvalidValue), "column order needs ld >= rows");
            Assert.That(Matmul(a: Lt.Layout(F32, 4, 3, 3, order: 1)), Is.EqualTo(BlasStatus.Success), "row order needs ld >= cols");
            Assert.That(Matmul(b: Lt.Layout(F32, 3, 2, 1, order: 1)), Is.EqualTo(BlasStatus.InvalidValue), "row order with ld < cols");
            Assert.That(Matmul(a: Lt.Layout(F32, 4, 3, 4, batch: 2)), Is.EqualTo(BlasStatus.InvalidValue), "batch counts differ");
            Assert.That(Matmul(d: Lt.Layout(F32, 4, 2, 4, batch: 0)), Is.EqualTo(BlasStatus.InvalidValue), "batch count 0");
        });
        // The one valid call above was queued and faulted on its made-up addresses: not what this test is about.
        Context.Work.Clear();
        Context.Faults.Clear();
    }

    [Test]
    public void WhatTheEmulationLacksIsNotSupported()
    {
        IntPtr transC = Lt.Desc();
        LtSession.SetInt(transC, LtMatmulDesc.TransC, 1);
        IntPtr fill = Lt.Desc();
        LtSession.SetInt(fill, LtMatmulDesc.FillMode, 0);
        IntPtr scaled = Lt.Desc();
        ulong pointer = Somewhere;
        Assert.That(CublasLtEmulator.MatmulDescSetAttribute(scaled, LtMatmulDesc.AScalePointer, &pointer, 8), Is.EqualTo(BlasStatus.Success));
        IntPtr col32 = Lt.Layout(F32, 4, 3, 4, order: 2);
        Assert.Multiple(() =>
        {
            Assert.That(Matmul(desc: Lt.Desc(epilogue: (Epilogue)130)), Is.EqualTo(BlasStatus.NotSupported), "RELU_AUX");
            Assert.That(Matmul(desc: Lt.Desc(epilogue: (Epilogue)256)), Is.EqualTo(BlasStatus.NotSupported), "BGRADA");
            Assert.That(Matmul(desc: transC), Is.EqualTo(BlasStatus.NotSupported), "TRANSC = T");
            Assert.That(Matmul(desc: fill), Is.EqualTo(BlasStatus.NotSupported), "FILL_MODE lower");
            Assert.That(Matmul(desc: scaled), Is.EqualTo(BlasStatus.NotSupported), "A_SCALE_POINTER");
            Assert.That(Matmul(a: col32), Is.EqualTo(BlasStatus.NotSupported), "CUBLASLT_ORDER_COL32");
            Assert.That(Matmul(d: Lt.Layout(BlasDataType.Float16, 4, 2, 4)), Is.EqualTo(BlasStatus.NotSupported), "C and D types differ");
            Assert.That(Matmul(desc: Lt.Desc(scale: BlasDataType.Float64)), Is.EqualTo(BlasStatus.NotSupported), "scale type is not the compute's");
            Assert.That(Matmul(desc: Lt.Desc(compute: BlasComputeType.Float64, scale: BlasDataType.Float64)), Is.EqualTo(BlasStatus.NotSupported), "64F compute on 32F data");
        });
    }

    [Test]
    public void ABiasEpilogueNeedsABiasPointer()
        => Assert.That(Matmul(desc: Lt.Desc(epilogue: Epilogue.ReluBias)), Is.EqualTo(BlasStatus.InvalidValue));

    [Test]
    public void InPlaceNeedsCAndDToShareTheLayout()
        => Assert.That(Matmul(c: Lt.Layout(F32, 4, 2, 5), cPointer: Somewhere + 64), Is.EqualTo(BlasStatus.InvalidValue));

    [Test]
    public void HandlesAndDescriptorsMustBeLive()
    {
        IntPtr desc = Lt.Desc();
        IntPtr l = Lt.Layout(F32, 1, 1, 1);
        float one = 1;
        Assert.That(CublasLtEmulator.Matmul(new IntPtr(5), desc, &one, 0, l, 0, l, &one, 0, l, 0, l, null, 0, 0, 0), Is.EqualTo(BlasStatus.NotInitialized));
        Assert.That(CublasLtEmulator.Matmul(Lt.Handle, new IntPtr(5), &one, 0, l, 0, l, &one, 0, l, 0, l, null, 0, 0, 0), Is.EqualTo(BlasStatus.InvalidValue));
        Assert.That(CublasLtEmulator.Matmul(Lt.Handle, desc, null, 0, l, 0, l, &one, 0, l, 0, l, null, 0, 0, 0), Is.EqualTo(BlasStatus.InvalidValue));
        Assert.That(CublasLtEmulator.Matmul(Lt.Handle, desc, &one, 0, desc, 0, l, &one, 0, l, 0, l, null, 0, 0, 0),
            Is.EqualTo(BlasStatus.InvalidValue), "a matmul descriptor where a layout belongs");
        IntPtr h = new(3);
        Assert.That(CublasLtEmulator.Create(null, &h), Is.EqualTo(BlasStatus.NotInitialized));
        Assert.That(CublasLtEmulator.MatmulDescDestroy(IntPtr.Zero), Is.EqualTo(BlasStatus.Success), "destroying NULL");
    }

    [Test]
    public void AttributesCheckTheirIdAndSize()
    {
        IntPtr desc = Lt.Desc();
        IntPtr layout = Lt.Layout(F32, 2, 2, 2);
        int value = 1;
        long wide = 1;
        nuint written = 0;
        Assert.That(CublasLtEmulator.MatmulDescSetAttribute(desc, LtMatmulDesc.TransA, &wide, 8), Is.EqualTo(BlasStatus.InvalidValue), "TRANSA is 4 bytes");
        Assert.That(CublasLtEmulator.MatmulDescSetAttribute(desc, LtMatmulDesc.BiasPointer, &value, 4), Is.EqualTo(BlasStatus.InvalidValue), "BIAS_POINTER is 8 bytes");
        Assert.That(CublasLtEmulator.MatmulDescSetAttribute(desc, 9, &value, 4), Is.EqualTo(BlasStatus.InvalidValue), "9 is no attribute");
        Assert.That(CublasLtEmulator.MatmulDescSetAttribute(desc, LtMatmulDesc.TransA, null, 4), Is.EqualTo(BlasStatus.InvalidValue), "NULL buffer");
        Assert.That(CublasLtEmulator.MatrixLayoutSetAttribute(layout, LtMatrixLayout.Rows, &value, 4), Is.EqualTo(BlasStatus.InvalidValue), "ROWS is uint64");
        Assert.That(CublasLtEmulator.MatrixLayoutGetAttribute(layout, LtMatrixLayout.Ld, null, 0, &written), Is.EqualTo(BlasStatus.Success));
        Assert.That(written, Is.EqualTo((nuint)8), "size query");
        long ld = 0;
        Assert.That(CublasLtEmulator.MatrixLayoutGetAttribute(layout, LtMatrixLayout.Ld, &ld, 8, &written), Is.EqualTo(BlasStatus.Success));
        Assert.That(ld, Is.EqualTo(2));
        int epilogue = 0;
        Assert.That(CublasLtEmulator.MatmulDescGetAttribute(desc, LtMatmulDesc.Epilogue, &epilogue, 4, null), Is.EqualTo(BlasStatus.Success));
        Assert.That(epilogue, Is.EqualTo(1), "CUBLASLT_EPILOGUE_DEFAULT");
        int biasType = 0;
        Assert.That(CublasLtEmulator.MatmulDescGetAttribute(desc, LtMatmulDesc.BiasDataType, &biasType, 4, null), Is.EqualTo(BlasStatus.Success));
        Assert.That(biasType, Is.EqualTo(-1), "BIAS_DATA_TYPE defaults to -1 (D's type)");
        IntPtr pref = Lt.Preference();
        Assert.That(CublasLtEmulator.PreferenceSetAttribute(pref, LtPreference.MaxWorkspaceBytes, &value, 4), Is.EqualTo(BlasStatus.InvalidValue), "MAX_WORKSPACE_BYTES is uint64");
    }

    [Test]
    public void AnUnknownComputeTypeIsInvalid()
    {
        IntPtr d;
        Assert.That(CublasLtEmulator.MatmulDescCreate(&d, 0, 0), Is.EqualTo(BlasStatus.InvalidValue));
    }
}
