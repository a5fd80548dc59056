using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace CudaTensor.Tests.Docs;

/// <summary>
/// Keeps docs/pytorch-to-cudatensor.md true: every type and member its C# column names, and every named argument of
/// the call, must exist in the CudaTensor assembly. Rows marked "missing:" name a planned API and are not checked;
/// rows marked "**missing**" are checked for the workarounds they suggest.
/// </summary>
public sealed partial class CheatSheetTests
{
    // What the receivers in the C# column stand for (the legend at the top of the document says the same).
    private static readonly Dictionary<string, Type> Receivers = new(StringComparer.Ordinal)
    {
        ["x"] = typeof(Tensor), ["y"] = typeof(Tensor), ["a"] = typeof(Tensor), ["b"] = typeof(Tensor), ["w"] = typeof(Tensor),
        ["mask"] = typeof(Tensor), ["index"] = typeof(Tensor), ["loss"] = typeof(Tensor),
        ["model"] = typeof(CudaTensor.NN.Module), ["lossFn"] = typeof(CudaTensor.NN.Loss), ["opt"] = typeof(CudaTensor.Optim.Optimizer), ["sched"] = typeof(CudaTensor.Optim.LRScheduler),
        ["loader"] = typeof(CudaTensor.Data.DataLoader), ["ds"] = typeof(CudaTensor.Data.Dataset), ["F"] = typeof(CudaTensor.NN.Functional),
    };

    // Types of the .NET library that appear in the column (Console.WriteLine(x), Math.Sqrt(5)): not checked.
    private static readonly HashSet<string> BclTypes = ["Console", "Math"];

    private static readonly Type[] LibraryTypes = typeof(Tensor).Assembly.GetExportedTypes();

    private static string DocPath()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "pytorch-to-cudatensor.md");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("docs/pytorch-to-cudatensor.md was not found above the test directory.");
    }

    /// <summary>The C# cells of every table row, with their line numbers.</summary>
    private static List<(int Line, string Cell)> CSharpCells()
    {
        var cells = new List<(int, string)>();
        var lines = File.ReadAllLines(DocPath());
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Replace("\\|", "\u0001", StringComparison.Ordinal);
            if (!line.StartsWith('|') || line.StartsWith("| ---", StringComparison.Ordinal)) continue;
            var columns = line.Split('|');
            if (columns.Length < 4) continue;
            var cell = columns[2].Trim().Replace("\u0001", "|", StringComparison.Ordinal);
            if (cell == "CudaTensor") continue; // a header row
            cells.Add((i + 1, cell));
        }
        return cells;
    }

    [Test]
    public void TheSheetCoversTheMostUsedCalls()
    {
        var cells = CSharpCells();
        int missing = cells.Count(c => IsMissing(c.Cell));
        int present = cells.Count - missing;
        Assert.That(cells, Has.Count.GreaterThanOrEqualTo(150), "rows");
        Assert.That(present, Is.GreaterThan(3 * missing), $"{present} rows with a C# call, {missing} missing");
        TestContext.Out.WriteLine($"{cells.Count} rows: {present} with a C# call, {missing} missing.");
    }

    private static bool IsMissing(string cell) => cell.StartsWith("missing:", StringComparison.Ordinal) || cell.StartsWith("**missing**", StringComparison.Ordinal);

    [Test]
    public void EveryNamedTypeMemberAndArgumentExists()
    {
        var problems = new List<string>();
        int checkedSpans = 0;
        foreach (var (line, cell) in CSharpCells())
        {
            if (cell.StartsWith("missing:", StringComparison.Ordinal)) continue;
            foreach (Match m in CodeSpan().Matches(cell))
            {
                var problem = Check(m.Groups[1].Value);
                checkedSpans++;
                if (problem is not null) problems.Add($"line {line}: `{m.Groups[1].Value}`: {problem}");
            }
        }
        Assert.That(checkedSpans, Is.GreaterThan(200));
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void TheCheckerRejectsNamesThatDoNotExist()
    {
        Assert.That(Check("x.Summ(1)"), Does.Contain("no member"));
        Assert.That(Check("Tensor.Zeroes([2])"), Does.Contain("no member"));
        Assert.That(Check("new Lineaar(2, 3)"), Does.Contain("no public type"));
        Assert.That(Check("x.Sum(1, keepdim: true)"), Does.Contain("keepdim"));
        Assert.That(Check("new Linear(2, 3, bias: false)"), Is.Null);
        Assert.That(Check("model.To(DType.Float64)"), Is.Null);
        Assert.That(Check("x.Item<float>()"), Is.Null);
        Assert.That(Check("x[.., 0]"), Is.Null);
        Assert.That(Check("x.Describe()"), Does.Contain("no member"));   // internal
        Assert.That(Check("Module.RegisterParameter"), Is.Null);          // protected: for subclasses
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^(?:using var \w+ = |var \([^)]*\) = |var \w+ = |using \()")]
    private static partial Regex Prefix();

    [GeneratedRegex(@"^(new\s+)?([A-Za-z_]\w*)(?:<[^>]*>)?(?:\.([A-Za-z_]\w*)(?:<[^>]*>)?)?(.*)$", RegexOptions.Singleline)]
    private static partial Regex Call();

    [GeneratedRegex(@"^class \w+ : (\w+)")]
    private static partial Regex ClassDeclaration();

    [GeneratedRegex(@"^\s*([a-z]\w*)\s*:(?!:)")]
    private static partial Regex NamedArgument();

    /// <summary>Null when <paramref name="code"/> names only what exists, else what is wrong.</summary>
    private static string? Check(string code)
    {
        code = Prefix().Replace(code.Trim(), "");
        var declaration = ClassDeclaration().Match(code);
        if (declaration.Success) return FindType(declaration.Groups[1].Value) is null ? $"no public type {declaration.Groups[1].Value}" : null;
        var m = Call().Match(code);
        if (!m.Success) return null; // operators and other syntax: nothing to look up
        bool isNew = m.Groups[1].Success;
        string head = m.Groups[2].Value, member = m.Groups[3].Value, rest = m.Groups[4].Value;
        if (isNew)
        {
            var type = FindType(head);
            if (type is null) return $"no public type {head}";
            var ctors = type.GetConstructors().Select(c => c.GetParameters()).ToList();
            return CheckArguments(rest, ctors, $"new {head}");
        }
        bool instance = Receivers.TryGetValue(head, out var receiver) && head != "F";
        var owner = receiver ?? FindType(head);
        if (owner is null) return BclTypes.Contains(head) || head.Length == 0 || !char.IsUpper(head[0]) ? null : $"no public type {head}";
        if (member.Length == 0)
        {
            if (rest.StartsWith('[')) return owner.GetProperties().Any(p => p.GetIndexParameters().Length > 0) ? null : $"{owner.Name} has no indexer";
            return null;
        }
        var candidates = Members(owner, member, instance);
        if (candidates.Count == 0) return $"{owner.Name} has no member {member}";
        return CheckArguments(rest, candidates, $"{owner.Name}.{member}");
    }

    private static Type? FindType(string name) => LibraryTypes.FirstOrDefault(t => t.Name == name || t.Name.StartsWith(name + "`", StringComparison.Ordinal));

    /// <summary>The parameter lists of every public member called <paramref name="name"/> (properties and fields have none).</summary>
    private static List<ParameterInfo[]> Members(Type owner, string name, bool instance)
    {
        // Protected members count too: a subclass calls them (Module.RegisterParameter).
        var flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.FlattenHierarchy | (instance ? BindingFlags.Instance : BindingFlags.Static | BindingFlags.Instance);
        var found = new List<ParameterInfo[]>();
        foreach (var mi in owner.GetMember(name, flags))
        {
            switch (mi)
            {
                case MethodInfo method when method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly: found.Add(method.GetParameters()); break;
                case MethodInfo: break;
                case PropertyInfo property when property.GetMethod is { IsPublic: true } or { IsFamily: true }: found.Add([]); break;
                case FieldInfo field when field.IsPublic: found.Add([]); break;
                case Type { IsPublic: true } or Type { IsNestedPublic: true }: found.Add([]); break;
            }
        }
        if (instance)
        {
            // Extension methods whose first parameter takes the receiver (directly or through a generic constraint).
            foreach (var t in LibraryTypes.Where(t => t.IsAbstract && t.IsSealed && t.IsDefined(typeof(ExtensionAttribute), false)))
            {
                foreach (var method in t.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(x => x.Name == name && x.IsDefined(typeof(ExtensionAttribute), false)))
                {
                    var first = method.GetParameters()[0].ParameterType;
                    bool fits = first.IsGenericParameter ? first.GetGenericParameterConstraints().All(c => c.IsAssignableFrom(owner)) : first.IsAssignableFrom(owner);
                    if (fits) found.Add(method.GetParameters()[1..]);
                }
            }
        }
        return found;
    }

    /// <summary>Checks that each named argument of the call that starts <paramref name="rest"/> is a parameter of some overload.</summary>
    private static string? CheckArguments(string rest, List<ParameterInfo[]> overloads, string what)
    {
        rest = rest.TrimStart();
        if (!rest.StartsWith('(')) return null;
        var names = new List<string>();
        int depth = 0, start = 1;
        for (int i = 0; i < rest.Length; i++)
        {
            char c = rest[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            if ((c == ',' && depth == 1) || depth == 0)
            {
                var named = NamedArgument().Match(rest[start..i]);
                if (named.Success) names.Add(named.Groups[1].Value);
                start = i + 1;
                if (depth == 0) break;
            }
        }
        foreach (var name in names)
        {
            if (!overloads.Any(ps => ps.Any(p => p.Name == name)))
                return $"{what} has no parameter '{name}'";
        }
        return null;
    }
}
