using NUnit.Framework;

namespace CudaTensor.Tests.Core;

/// <summary>
/// One misuse of the public API: the call, the exception it must throw, and the substrings its message must hold
/// (the op the user called, the shapes, dtypes or devices involved, the fix).
/// </summary>
public sealed record Misuse(string Name, Action Call, Type Exception, params string[] Substrings)
{
    public override string ToString() => Name;
}

/// <summary>
/// Table-driven misuse of every public op family. Each case also checks that nothing was half-written: the tensors
/// a failed in-place call targeted still hold their values (see <see cref="BadInputTests.InPlace"/>).
/// </summary>
public partial class BadInputTests
{
    internal static void Check(Misuse m)
    {
        var e = Assert.Throws(Is.InstanceOf(m.Exception), () => m.Call(), m.Name)!;
        foreach (var s in m.Substrings) Assert.That(e.Message, Does.Contain(s), $"{m.Name}: {e.GetType().Name}: {e.Message}");
    }

    private static Tensor F(params long[] shape) => Tensor.Zeros(shape);

    public static IEnumerable<Misuse> ShapeMismatch()
    {
        yield return new("Add broadcast", () => _ = F(2, 3) + F(4), typeof(ArgumentException), "Add", "[2, 3]", "[4]");
        yield return new("Add(alpha) broadcast", () => F(2, 3).Add(F(2, 2), 2), typeof(ArgumentException), "Add", "[2, 3]", "[2, 2]");
        yield return new("MatMul inner sizes", () => Tensor.MatMul(F(2, 3), F(4, 5)), typeof(ArgumentException), "MatMul", "[2, 3]", "[4, 5]");
        yield return new("View element count", () => F(2, 3).View(4), typeof(ArgumentException), "View", "[4]", "6");
        yield return new("Reshape element count", () => F(2, 3).Reshape(5, -1), typeof(ArgumentException), "Reshape", "[5, -1]", "6");
        yield return new("Cat sizes", () => Tensor.Cat([F(2, 3), F(2, 4)]), typeof(ArgumentException), "Cat", "[2, 3]", "[2, 4]");
        yield return new("Stack shapes", () => Tensor.Stack([F(2), F(3)]), typeof(ArgumentException), "Stack", "[2]", "[3]");
        yield return new("Where broadcast", () => Tensor.Where(Tensor.Zeros([3], DType.Bool), F(2), F(2)), typeof(ArgumentException), "Where", "[3]", "[2]");
        yield return new("MaskedFill broadcast", () => F(2, 4).MaskedFill(Tensor.Zeros([3], DType.Bool), 1), typeof(ArgumentException), "MaskedFill", "[3]", "[2, 4]");
        yield return new("MaskedFillInPlace grows", () => F(4).MaskedFillInPlace(Tensor.Zeros([2, 4], DType.Bool), 1), typeof(ArgumentException), "MaskedFillInPlace", "[2, 4]", "[4]");
        yield return new("Expand", () => F(2, 3).Expand(4, 3), typeof(ArgumentException), "Expand", "[2, 3]", "[4, 3]");
        yield return new("CopyFrom", () => F(2, 3).CopyFrom(F(4)), typeof(ArgumentException), "CopyFrom", "[4]", "[2, 3]");
        yield return new("Backward gradient shape", () => Tensor.Ones([3], requiresGrad: true).Exp().Backward(F(2)), typeof(ArgumentException), "Backward", "[2]", "[3]");
        yield return new("Grad assignment shape", () => Tensor.Zeros([3], requiresGrad: true).Grad = F(4), typeof(ArgumentException), "Grad", "[4]", "[3]", "shape");
    }

    public static IEnumerable<Misuse> BadDim()
    {
        yield return new("Sum dim", () => F(2, 3).Sum(5), typeof(ArgumentOutOfRangeException), "Sum", "5", "[-2, 1]");
        yield return new("Softmax dim", () => F(2, 3).Softmax(-3), typeof(ArgumentOutOfRangeException), "Softmax", "-3", "[-2, 1]");
        yield return new("Transpose dim", () => F(2, 3).Transpose(0, 4), typeof(ArgumentOutOfRangeException), "Transpose", "4");
        yield return new("Unsqueeze dim", () => F(2, 3).Unsqueeze(4), typeof(ArgumentOutOfRangeException), "Unsqueeze", "4", "[-3, 2]");
        yield return new("IndexSelect dim", () => F(2, 3).IndexSelect(2, Tensor.Zeros([1], DType.Int64)), typeof(ArgumentOutOfRangeException), "IndexSelect", "2");
        yield return new("Cat dim", () => Tensor.Cat([F(2), F(2)], 1), typeof(ArgumentOutOfRangeException), "Cat", "1");
        yield return new("Permute repeated", () => F(2, 3).Permute(0, 0), typeof(ArgumentException), "Permute", "0");
        yield return new("Narrow dim", () => F(2, 3).Narrow(2, 0, 1), typeof(ArgumentOutOfRangeException), "Narrow", "2");
    }

    public static IEnumerable<Misuse> WrongDType()
    {
        yield return new("Where float condition", () => Tensor.Where(F(2), F(2), F(2)), typeof(ArgumentException), "Where", "Bool", "float32");
        yield return new("MaskedFill float mask", () => F(2).MaskedFill(F(2), 1), typeof(ArgumentException), "MaskedFill", "Bool", "float32");
        yield return new("MaskedFillInPlace float mask", () => F(2).MaskedFillInPlace(F(2), 1), typeof(ArgumentException), "MaskedFillInPlace", "Bool");
        yield return new("IndexSelect float index", () => F(3).IndexSelect(0, F(1)), typeof(ArgumentException), "IndexSelect", "Int64", "float32");
        yield return new("Gather float index", () => F(3).Gather(0, F(1)), typeof(ArgumentException), "Gather", "Int64", "float32");
        yield return new("RequiresGrad on Int64", () => Tensor.Zeros([2], DType.Int64).RequiresGrad = true, typeof(InvalidOperationException), "int64", "DType.Float32");
        yield return new("Randn Int64", () => Tensor.Randn([2], DType.Int64), typeof(ArgumentException), "Randn", "int64", "RandInt");
        yield return new("RandInt Float32", () => Tensor.RandInt(0, 5, [2], DType.Float32), typeof(ArgumentException), "RandInt", "float32", "Int64");
        yield return new("Grad assignment dtype", () => Tensor.Zeros([3], requiresGrad: true).Grad = Tensor.Zeros([3], DType.Int64), typeof(ArgumentException), "Grad", "int64", "float32", "dtype");
        yield return new("Grad assignment Float64", () => Tensor.Zeros([3], requiresGrad: true).Grad = Tensor.Zeros([3], DType.Float64), typeof(ArgumentException), "Grad", "float64", "float32");
    }

    public static IEnumerable<Misuse> Disposed()
    {
        static Tensor Gone()
        {
            var t = Tensor.Ones([2, 2]);
            t.Dispose();
            return t;
        }
        yield return new("Add disposed", () => _ = Gone() + F(2, 2), typeof(ObjectDisposedException), "Add:", "disposed", "[2, 2]", "scope.Keep");
        yield return new("Add number disposed", () => _ = Gone() + 1, typeof(ObjectDisposedException), "Add:", "disposed", "[2, 2]");
        yield return new("Exp disposed", () => Gone().Exp(), typeof(ObjectDisposedException), "Exp:", "disposed", "[2, 2]");
        yield return new("Sum disposed", () => Gone().Sum(), typeof(ObjectDisposedException), "Sum:", "disposed");
        yield return new("MatMul disposed", () => Tensor.MatMul(F(2, 2), Gone()), typeof(ObjectDisposedException), "MatMul:", "disposed");
        yield return new("ToArray disposed", () => Gone().ToArray<float>(), typeof(ObjectDisposedException), "ToArray:", "disposed");
        yield return new("Item disposed", () => Gone().Item<float>(), typeof(ObjectDisposedException), "Item:", "disposed");
        yield return new("AddInPlace disposed", () => Gone().AddInPlace(1), typeof(ObjectDisposedException), "AddInPlace:", "disposed");
        yield return new("ExpInPlace disposed", () => Gone().ExpInPlace(), typeof(ObjectDisposedException), "ExpInPlace:", "disposed");
        yield return new("Where disposed", () => Tensor.Where(Tensor.Ones([2], DType.Bool), Gone(), 0), typeof(ObjectDisposedException), "Where:", "disposed");
    }

    public static IEnumerable<Misuse> IndexOutOfRange()
    {
        var x = Tensor.Arange(0, 6).View(2, 3);
        yield return new("Select index", () => x.Select(1, 3), typeof(ArgumentOutOfRangeException), "Select", "3");
        yield return new("Indexer", () => _ = x[5], typeof(ArgumentOutOfRangeException), "5", "2");
        yield return new("IndexSelect index", () => x.IndexSelect(1, Tensor.FromArray(new long[] { 0, 7 })), typeof(ArgumentOutOfRangeException), "IndexSelect", "7");
        yield return new("Gather index", () => x.Gather(1, Tensor.FromArray(new long[] { 0, 9 }, [2, 1])), typeof(ArgumentOutOfRangeException), "Gather", "9");
        yield return new("Narrow range", () => x.Narrow(1, 2, 2), typeof(ArgumentOutOfRangeException), "Narrow", "2");
        yield return new("Item of many", () => x.Item<long>(), typeof(InvalidOperationException), "Item", "6");
    }

    public static IEnumerable<Misuse> Creation()
    {
        yield return new("Zeros too big", () => Tensor.Zeros([1L << 62, 4]), typeof(ArgumentException), "Zeros", "[4611686018427387904, 4]", "too big");
        yield return new("Empty bytes too big", () => Tensor.Empty([1L << 61, 2], DType.Float64), typeof(ArgumentException), "Empty", "float64", "too big");
        yield return new("Ones negative", () => Tensor.Ones([2, -1]), typeof(ArgumentException), "Full", "-1");
        yield return new("Linspace negative", () => Tensor.Linspace(0, 1, -5), typeof(ArgumentOutOfRangeException), "Linspace", "-5", "non-negative");
        yield return new("Eye negative", () => Tensor.Eye(-2), typeof(ArgumentOutOfRangeException), "Eye", "-2", "rows");
        yield return new("Eye negative columns", () => Tensor.Eye(2, -3), typeof(ArgumentOutOfRangeException), "Eye", "-3", "columns");
        yield return new("Arange step 0", () => Tensor.Arange(0, 5, 0), typeof(ArgumentException), "Arange", "step");
        yield return new("FromArray count", () => Tensor.FromArray(new float[5], [2, 3]), typeof(ArgumentException), "FromArray", "[2, 3]", "5");
        yield return new("DataLoader batchSize 0", () => _ = new CudaTensor.Data.DataLoader(new CudaTensor.Data.TensorDataset(F(4, 2)), batchSize: 0), typeof(ArgumentOutOfRangeException), "DataLoader", "batchSize", "positive");
    }

    public static IEnumerable<Misuse> BackwardMisuse()
    {
        yield return new("Backward without grad", () => F(2).Sum().Backward(), typeof(InvalidOperationException), "Backward", "does not require grad", "requiresGrad");
        yield return new("Backward non-scalar", () => Tensor.Ones([3], requiresGrad: true).Exp().Backward(), typeof(InvalidOperationException), "Backward", "[3]", "Sum");
        yield return new("Backward twice", () =>
        {
            var w = Tensor.Ones([3], requiresGrad: true);
            var y = w.Exp().Sum();
            y.Backward();
            y.Backward();
        }, typeof(InvalidOperationException), "retainGraph");
        yield return new("Grad of unused input", () =>
        {
            var a = Tensor.Ones([2], requiresGrad: true);
            var b = Tensor.Ones([2], requiresGrad: true);
            Autograd.Grad([(a * 2).Sum()], [b]);
        }, typeof(InvalidOperationException), "Grad", "not used", "allowUnused");
        yield return new("In-place on leaf", () => Tensor.Ones([2], requiresGrad: true).AddInPlace(1), typeof(InvalidOperationException), "AddInPlace", "leaf", "NoGrad");
        yield return new("MaskedFillInPlace on leaf", () => Tensor.Ones([2], requiresGrad: true).MaskedFillInPlace(Tensor.Ones([2], DType.Bool), 0), typeof(InvalidOperationException), "MaskedFillInPlace", "leaf");
    }

    public static IEnumerable<Misuse> InPlaceOnSaved()
    {
        yield return new("Exp result modified", () =>
        {
            var w = Tensor.Ones([3], requiresGrad: true);
            var y = w.Exp(); // Exp saves its result for the gradient
            using (Autograd.NoGrad()) y.AddInPlace(1);
            y.Sum().Backward();
        }, typeof(InvalidOperationException), "in-place", "ExpBackward", "version 1", "Clone");
        yield return new("Mul input modified", () =>
        {
            var w = Tensor.Ones([3], requiresGrad: true);
            var x = Tensor.Ones([3]);
            var y = (w * x).Sum(); // Mul saves x for w's gradient
            x.AddInPlace(1);
            y.Backward();
        }, typeof(InvalidOperationException), "in-place", "MulBackward", "version 1", "Clone");
    }

    /// <summary>A failed in-place call: the target, and the call that must throw without writing into it.</summary>
    public sealed record InPlaceMisuse(string Name, Func<Tensor> Target, Action<Tensor> Call)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<InPlaceMisuse> InPlace()
    {
        static Tensor T() => Tensor.Arange(0, 6, dtype: DType.Float32).View(2, 3).Contiguous();
        yield return new("AddInPlace shape", T, t => t.AddInPlace(F(4)));
        yield return new("AddInPlace grows", T, t => t.AddInPlace(F(3, 2, 3)));
        yield return new("MulInPlace disposed", T, t =>
        {
            var gone = F(2, 3);
            gone.Dispose();
            t.MulInPlace(gone);
        });
        yield return new("MaskedFillInPlace float mask", T, t => t.MaskedFillInPlace(F(2, 3), 9));
        yield return new("MaskedFillInPlace grows", T, t => t.MaskedFillInPlace(Tensor.Ones([4, 2, 3], DType.Bool), 9));
        yield return new("CopyFrom shape", T, t => t.CopyFrom(F(5)));
        yield return new("ScatterInPlace index out of range", T, t => t.ScatterInPlace(1, Tensor.FromArray(new long[] { 0, 1, 7 }, [1, 3]), Tensor.Ones([1, 3])));
        yield return new("ScatterAddInPlace index out of range", T, t => t.ScatterAddInPlace(1, Tensor.FromArray(new long[] { 2, -9, 0 }, [1, 3]), Tensor.Ones([1, 3])));
        yield return new("DivInPlace integer result into float is fine, bool target is not", () => Tensor.Ones([2, 3], DType.Bool), t => t.DivInPlace(2));
    }

    [TestCaseSource(nameof(InPlace))]
    public void AFailedInPlaceCallWritesNothing(InPlaceMisuse m)
    {
        using var target = m.Target();
        var before = target.DType == DType.Bool ? target.ToArray<bool>().Select(b => b ? 1.0 : 0).ToArray() : target.To(DType.Float64).ToArray<double>();
        long version = target.Storage.Version;
        Assert.That(() => m.Call(target), Throws.InstanceOf<Exception>());
        var after = target.DType == DType.Bool ? target.ToArray<bool>().Select(b => b ? 1.0 : 0).ToArray() : target.To(DType.Float64).ToArray<double>();
        Assert.That(after, Is.EqualTo(before));
        Assert.That(target.Storage.Version, Is.EqualTo(version), "the version counter moved: a write was recorded");
    }

    [TestCaseSource(nameof(ShapeMismatch))]
    public void ShapeMismatchNamesTheOpAndTheShapes(Misuse m) => Check(m);

    [TestCaseSource(nameof(BadDim))]
    public void BadDimNamesTheOpAndTheRange(Misuse m) => Check(m);

    [TestCaseSource(nameof(WrongDType))]
    public void WrongDTypeNamesTheOpAndTheDTypes(Misuse m) => Check(m);

    [TestCaseSource(nameof(Disposed))]
    public void DisposedTensorIsNamed(Misuse m) => Check(m);

    [TestCaseSource(nameof(IndexOutOfRange))]
    public void IndexOutOfRangeNamesTheOpAndTheIndex(Misuse m) => Check(m);

    [TestCaseSource(nameof(Creation))]
    public void CreationNamesTheOpAndTheFix(Misuse m) => Check(m);

    [TestCaseSource(nameof(BackwardMisuse))]
    public void BackwardMisuseSaysWhatToDo(Misuse m) => Check(m);

    [TestCaseSource(nameof(InPlaceOnSaved))]
    public void InPlaceOnASavedTensorIsCaughtAtBackward(Misuse m) => Check(m);
}
