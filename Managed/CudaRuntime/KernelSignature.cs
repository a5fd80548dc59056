using System.Text;
using System.Text.RegularExpressions;

namespace CudaTensor.CudaRuntime;

/// <summary>What a kernel parameter is, as far as the C# side can pass it.</summary>
internal enum KernelParameterKind
{
    /// <summary>A type the parser does not map (a struct, a short, a template parameter): only counted.</summary>
    Other,

    /// <summary>A pointer: a CUDA tensor's data pointer goes there.</summary>
    Pointer,

    /// <summary>A scalar passed by value whose C# type is known (<see cref="KernelParameter.ScalarType"/>).</summary>
    Scalar,
}

/// <summary>One parameter of a <c>__global__</c> function, as declared in the source.</summary>
/// <param name="Declaration">The text, e.g. <c>const float* __restrict__ x</c>.</param>
/// <param name="Kind">Pointer, known scalar, or other.</param>
/// <param name="ScalarType">For scalars, the C# type passed by value (int for <c>int</c>, long for <c>long long</c>, ...).</param>
/// <param name="ElementType">For pointers to float, double, int, long long, bool or unsigned char, the tensor dtype it matches.</param>
internal sealed record KernelParameter(string Declaration, KernelParameterKind Kind, Type? ScalarType, DType? ElementType);

/// <summary>
/// The parameter list of a <c>__global__</c> function, read from CUDA C source by a small parser (the CUDA driver
/// binding has no portable query for a kernel's parameters: <c>cuFuncGetParamInfo</c> needs CUDA 12.4). It finds
/// <c>__global__ [__launch_bounds__(...)] void [__launch_bounds__(...)] name(...)</c> after removing comments, splits the
/// list at top-level commas and classifies each parameter. It does not run the preprocessor: a kernel whose name or
/// parameters come from a macro is not found, and is then launched unchecked.
/// </summary>
internal static partial class KernelSignature
{
    // Scalar spellings after removing cv-qualifiers, __restrict__ and the parameter name. "long" is left out on purpose:
    // it is 8 bytes on Linux and 4 on Windows.
    private static readonly Dictionary<string, Type> Scalars = new(StringComparer.Ordinal)
    {
        ["int"] = typeof(int), ["signed"] = typeof(int), ["signed int"] = typeof(int), ["int32_t"] = typeof(int),
        ["unsigned"] = typeof(uint), ["unsigned int"] = typeof(uint), ["uint32_t"] = typeof(uint),
        ["long long"] = typeof(long), ["long long int"] = typeof(long), ["signed long long"] = typeof(long), ["int64_t"] = typeof(long),
        ["ptrdiff_t"] = typeof(long),
        ["unsigned long long"] = typeof(ulong), ["unsigned long long int"] = typeof(ulong), ["uint64_t"] = typeof(ulong), ["size_t"] = typeof(ulong),
        ["float"] = typeof(float), ["double"] = typeof(double), ["bool"] = typeof(bool),
    };

    private static readonly Dictionary<string, DType> Elements = new(StringComparer.Ordinal)
    {
        ["float"] = DType.Float32, ["double"] = DType.Float64, ["int"] = DType.Int32, ["int32_t"] = DType.Int32,
        ["long long"] = DType.Int64, ["long long int"] = DType.Int64, ["int64_t"] = DType.Int64,
        ["bool"] = DType.Bool, ["unsigned char"] = DType.Bool,
    };

    private static readonly HashSet<string> TypeWords = new(StringComparer.Ordinal)
    {
        "int", "signed", "unsigned", "long", "short", "char", "float", "double", "bool", "void",
        "int32_t", "uint32_t", "int64_t", "uint64_t", "size_t", "ptrdiff_t",
    };

    /// <summary>The names of every <c>__global__</c> function in <paramref name="source"/>, in order.</summary>
    /// <param name="source">CUDA C source.</param>
    /// <returns>Kernel names (templates included).</returns>
    public static IReadOnlyList<string> KernelNames(string source)
        => GlobalFunction().Matches(StripComments(source)).Select(m => m.Groups["name"].Value).Distinct().ToArray();

    /// <summary>The parameters of kernel <paramref name="name"/>, or null when no <c>__global__</c> function has that name.</summary>
    /// <param name="source">CUDA C source.</param>
    /// <param name="name">The kernel's name.</param>
    /// <returns>The parameters, or null.</returns>
    public static IReadOnlyList<KernelParameter>? Find(string source, string name)
    {
        string text = StripComments(source);
        foreach (Match m in GlobalFunction().Matches(text))
        {
            if (m.Groups["name"].Value != name)
            {
                continue;
            }
            string? list = ParameterList(text, m.Index + m.Length);
            if (list is null)
            {
                return null;
            }
            return SplitTopLevel(list).Where(p => p.Length > 0 && p != "void").Select(Classify).ToArray();
        }
        return null;
    }

    /// <summary>Classifies one parameter declaration.</summary>
    /// <param name="declaration">E.g. <c>const float* __restrict__ x</c> or <c>int n</c>.</param>
    /// <returns>The parameter.</returns>
    public static KernelParameter Classify(string declaration)
    {
        string d = Regex.Replace(declaration, @"\s+", " ").Trim();
        if (d.Contains('&', StringComparison.Ordinal) || d.Contains('[', StringComparison.Ordinal) || d.Contains('<', StringComparison.Ordinal))
        {
            return new KernelParameter(d, KernelParameterKind.Other, null, null);
        }
        if (d.Contains('*', StringComparison.Ordinal))
        {
            // Pointer to pointer, or pointer to a known element type.
            string pointee = d[..d.IndexOf('*', StringComparison.Ordinal)];
            bool single = d.Count(c => c == '*') == 1;
            DType? element = single && Elements.TryGetValue(BaseType(pointee, hasName: false), out DType e) ? e : null;
            return new KernelParameter(d, KernelParameterKind.Pointer, null, element);
        }
        string type = BaseType(d, hasName: true);
        return Scalars.TryGetValue(type, out Type? scalar)
            ? new KernelParameter(d, KernelParameterKind.Scalar, scalar, null)
            : new KernelParameter(d, KernelParameterKind.Other, null, null);
    }

    // The type words of a declaration without qualifiers and without the trailing parameter name, if any.
    private static string BaseType(string declaration, bool hasName)
    {
        var words = declaration.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w is not ("const" or "volatile" or "__restrict__" or "__restrict" or "register")).ToList();
        if (hasName && words.Count > 1 && !TypeWords.Contains(words[^1]))
        {
            words.RemoveAt(words.Count - 1);
        }
        return string.Join(' ', words);
    }

    // The text between the '(' at or after `start` and its matching ')'; null when unbalanced.
    private static string? ParameterList(string text, int start)
    {
        int open = text.IndexOf('(', start);
        if (open < 0)
        {
            return null;
        }
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')' && --depth == 0)
            {
                return text[(open + 1)..i];
            }
        }
        return null;
    }

    // Splits at commas outside (), <> and [].
    private static List<string> SplitTopLevel(string list)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        foreach (char c in list)
        {
            depth += c is '(' or '<' or '[' ? 1 : c is ')' or '>' or ']' ? -1 : 0;
            if (c == ',' && depth == 0)
            {
                parts.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString().Trim());
        return parts;
    }

    private static string StripComments(string source) => Comments().Replace(source, m => m.Value.StartsWith('"') ? m.Value : " ");

    // String literals are matched (and kept) so that "//" inside one does not start a comment.
    [GeneratedRegex(@"""(?:\\.|[^""\\])*""|//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"\b__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(?<name>[A-Za-z_]\w*)\s*(?=\()")]
    private static partial Regex GlobalFunction();
}
