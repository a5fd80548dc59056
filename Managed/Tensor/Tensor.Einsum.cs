using CudaTensor.Core;

namespace CudaTensor;

// Einstein summation lowered to differentiable ops: a label repeated within one operand takes a diagonal (a product
// with an identity mask, summed), labels no later step needs are summed out early, and operands are contracted left
// to right, each pair as one batched MatMul over [batch, kept-left, contracted] x [batch, contracted, kept-right].
public sealed partial class Tensor
{
    /// <summary>
    /// Einstein summation (torch.einsum): <paramref name="equation"/> names each operand's dimensions with letters,
    /// e.g. <c>"ij,jk->ik"</c> (matrix product), <c>"bij,bjk->bik"</c>, <c>"ii->i"</c> (diagonal), <c>"ii"</c> (trace),
    /// <c>"...ij->...ji"</c>. Labels in the output are kept in its order, the others summed. Without <c>-&gt;</c> the
    /// output is every label that appears exactly once, in alphabetical order (upper case before lower case), after the
    /// broadcast dimensions of <c>...</c>. The <c>...</c> dimensions broadcast across operands as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">The equation is malformed, does not match the operands' ranks, or a label has
    /// two different sizes (the message names the label, the operands and the sizes).</exception>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(operands);
        const string Op = nameof(Einsum);
        if (operands.Length == 0) throw new ArgumentException($"{Op}: expected at least one operand.", nameof(operands));
        foreach (var t in operands)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(operands));
            t.ThrowIfDisposed(Op);
            CheckSameDevice(Op, operands[0], t);
        }
        string eq = string.Concat(equation.Where(ch => !char.IsWhiteSpace(ch)));
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        string lhs = arrow < 0 ? eq : eq[..arrow];
        string[] terms = lhs.Split(',');
        if (terms.Length != operands.Length)
            throw new ArgumentException($"{Op}: the equation '{equation}' names {terms.Length} operand(s) but {operands.Length} were given.", nameof(equation));

        // Labels: letters are 0..51; the k-th dimension of "..." counted from the right is EllipsisLabel(k).
        int ellipsisRank = 0;
        var labels = new List<int>[operands.Length];
        for (int i = 0; i < operands.Length; i++)
        {
            labels[i] = ParseTerm(terms[i], operands[i].Dim, equation, i, out int e);
            ellipsisRank = Math.Max(ellipsisRank, e);
        }
        List<int> output;
        if (arrow >= 0)
        {
            output = ParseTerm(eq[(arrow + 2)..], -1, equation, -1, out _, ellipsisRank);
            var inputs = labels.SelectMany(l => l).ToHashSet();
            foreach (int l in output)
            {
                if (!inputs.Contains(l) && l < EllipsisBase)
                    throw new ArgumentException($"{Op}: the output label '{LabelName(l)}' in '{equation}' does not appear in any operand.", nameof(equation));
            }
            if (output.Distinct().Count() != output.Count)
                throw new ArgumentException($"{Op}: a label appears more than once in the output of '{equation}'.", nameof(equation));
        }
        else
        {
            var counts = labels.SelectMany(l => l).Where(l => l < EllipsisBase).GroupBy(l => l).Where(g => g.Count() == 1).Select(g => g.Key).Order();
            output = [.. Enumerable.Range(0, ellipsisRank).Select(k => EllipsisLabel(ellipsisRank - 1 - k)), .. counts];
        }

        // Sizes: a letter has one size everywhere; "..." dimensions broadcast (1 against n).
        var sizes = new Dictionary<int, long>();
        for (int i = 0; i < operands.Length; i++)
        {
            for (int j = 0; j < labels[i].Count; j++)
            {
                int l = labels[i][j];
                long s = operands[i].Shape[j];
                if (!sizes.TryGetValue(l, out long known) || known == 1) sizes[l] = s;
                else if (s != known && !(l >= EllipsisBase && s == 1))
                    throw new ArgumentException(
                        $"{Op}: {(l >= EllipsisBase ? "a '...' dimension" : $"label '{LabelName(l)}'")} has size {s} in operand {i} ({operands[i].Describe()}) but size {known} elsewhere in '{equation}'.", nameof(operands));
            }
        }

        using var scope = NewScope();
        var work = new List<(Tensor T, List<int> L)>();
        for (int i = 0; i < operands.Length; i++) work.Add(TakeDiagonals(operands[i], labels[i]));
        // Sum out, in each operand, the labels that neither the output nor another operand has.
        for (int i = 0; i < work.Count; i++)
        {
            var others = output.Concat(work.Where((_, k) => k != i).SelectMany(w => w.L)).ToHashSet();
            work[i] = SumLabels(work[i], l => !others.Contains(l));
        }
        var current = work[0];
        for (int i = 1; i < work.Count; i++)
        {
            var later = output.Concat(work.Skip(i + 1).SelectMany(w => w.L)).ToHashSet();
            current = Contract(current, work[i], later, sizes);
        }
        current = SumLabels(current, l => !output.Contains(l));
        // Size-1 broadcast "..." dimensions of the output take their full size.
        var order = output.Select(l => current.L.IndexOf(l)).ToArray();
        var result = current.T.Permute(order);
        var full = output.Select(l => sizes[l]).ToArray();
        if (!Shapes.SameShape(result.Shape, full)) result = result.Expand(full);
        return scope.MoveToOuter(result.Contiguous());
    }

    private const int EllipsisBase = 1000;

    private static int EllipsisLabel(int fromRight) => EllipsisBase + fromRight;

    private static string LabelName(int l) => l < 26 ? ((char)('A' + l)).ToString() : l < 52 ? ((char)('a' + l - 26)).ToString() : "...";

    // The labels of one term, one per dimension (rank -1: the output, whose "..." has `ellipsisRank` dimensions).
    private static List<int> ParseTerm(string term, int rank, string equation, int operand, out int ellipsisDims, int ellipsisRank = 0)
    {
        string where = operand < 0 ? "the output" : $"operand {operand}";
        int dots = term.IndexOf("...", StringComparison.Ordinal);
        string rest = dots < 0 ? term : term.Remove(dots, 3);
        var letters = new List<int>();
        foreach (char ch in rest)
        {
            if (ch is >= 'A' and <= 'Z') letters.Add(ch - 'A');
            else if (ch is >= 'a' and <= 'z') letters.Add(ch - 'a' + 26);
            else throw new ArgumentException($"{nameof(Einsum)}: invalid character '{ch}' in {where} of '{equation}'; use letters, ',', '->' and '...'.", nameof(equation));
        }
        int before = dots < 0 ? letters.Count : term[..dots].Length;
        ellipsisDims = dots < 0 ? 0 : rank < 0 ? ellipsisRank : rank - letters.Count;
        if (rank >= 0 && (ellipsisDims < 0 || (dots < 0 && letters.Count != rank)))
            throw new ArgumentException(
                $"{nameof(Einsum)}: {where} has {rank} dimension(s) but '{term}' in '{equation}' names {letters.Count}{(dots >= 0 ? " plus '...'" : "")}.", nameof(equation));
        var result = new List<int>(letters.Take(before));
        for (int k = ellipsisDims - 1; k >= 0; k--) result.Add(EllipsisLabel(k));
        result.AddRange(letters.Skip(before));
        return result;
    }

    // Repeated labels within one operand: keep the diagonal (x · eye summed over the second occurrence).
    private static (Tensor T, List<int> L) TakeDiagonals(Tensor t, List<int> labels)
    {
        var l = new List<int>(labels);
        for (int j = l.Count - 1; j >= 0; j--)
        {
            int i = l.IndexOf(l[j]);
            if (i == j) continue;
            long n = t.Shape[i];
            if (t.Shape[j] != n)
                throw new ArgumentException($"{nameof(Einsum)}: label '{LabelName(l[j])}' repeats in one operand with sizes {n} and {t.Shape[j]}; a diagonal needs equal sizes.");
            var maskShape = Enumerable.Repeat(1L, t.Dim).ToArray();
            maskShape[i] = n;
            maskShape[j] = n;
            var eye = Eye(n, dtype: t.DType, device: t.Device).Reshape(maskShape);
            t = (t * eye).Sum(j);
            l.RemoveAt(j);
        }
        return (t, l);
    }

    private static (Tensor T, List<int> L) SumLabels((Tensor T, List<int> L) x, Func<int, bool> drop)
    {
        var dims = Enumerable.Range(0, x.L.Count).Where(k => drop(x.L[k])).ToArray();
        if (dims.Length == 0) return x;
        return (x.T.Sum(dims), x.L.Where(l => !drop(l)).ToList());
    }

    // a and b with batch labels (in both, needed later), contracted labels (in both, not needed) and their own kept labels.
    private static (Tensor T, List<int> L) Contract((Tensor T, List<int> L) a, (Tensor T, List<int> L) b, HashSet<int> later, Dictionary<int, long> sizes)
    {
        a = SumLabels(a, l => !b.L.Contains(l) && !later.Contains(l));
        b = SumLabels(b, l => !a.L.Contains(l) && !later.Contains(l));
        var batch = a.L.Where(l => b.L.Contains(l) && later.Contains(l)).ToList();
        var contracted = a.L.Where(l => b.L.Contains(l) && !later.Contains(l)).ToList();
        var left = a.L.Where(l => !b.L.Contains(l)).ToList();
        var right = b.L.Where(l => !a.L.Contains(l)).ToList();
        // Shared labels take their full size (a size-1 broadcast "..." dimension matches its partner); a label of one
        // operand keeps that operand's size.
        long Extent((Tensor T, List<int> L) x, int l) => batch.Contains(l) || contracted.Contains(l) ? sizes[l] : x.T.Shape[x.L.IndexOf(l)];
        long Size((Tensor T, List<int> L) x, List<int> ls) => ls.Aggregate(1L, (p, l) => p * Extent(x, l));
        Tensor Arrange((Tensor T, List<int> L) x, List<int> order, long[] shape3)
        {
            var p = x.T.Permute([.. order.Select(l => x.L.IndexOf(l))]);
            var full = order.Select(l => Extent(x, l)).ToArray();
            if (!Shapes.SameShape(p.Shape, full)) p = p.Expand(full);
            return p.Reshape(shape3);
        }
        var a3 = Arrange(a, [.. batch, .. left, .. contracted], [Size(a, batch), Size(a, left), Size(a, contracted)]);
        var b3 = Arrange(b, [.. batch, .. contracted, .. right], [Size(b, batch), Size(b, contracted), Size(b, right)]);
        var product = MatMul(a3, b3);
        var labels = new List<int>([.. batch, .. left, .. right]);
        long[] shape = [.. batch.Select(l => sizes[l]), .. left.Select(l => Extent(a, l)), .. right.Select(l => Extent(b, l))];
        return (product.Reshape(shape), labels);
    }
}
