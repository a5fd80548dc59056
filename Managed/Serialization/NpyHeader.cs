using System.Globalization;

namespace CudaTensor.Serialization;

/// <summary>
/// Parses the Python dict literal of a .npy header — only the literal forms numpy writes (quoted strings,
/// True/False, tuples of integers); nothing is evaluated.
/// </summary>
internal ref struct NpyHeader
{
    private readonly string _text;
    private readonly string _what;
    private int _pos;

    private NpyHeader(string text, string what)
    {
        _text = text;
        _what = what;
    }

    public static (string Descr, bool FortranOrder, long[] Shape) Parse(string text, string what)
    {
        var p = new NpyHeader(text, what);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        p.SkipSpace();
        p.Expect('{');
        while (true)
        {
            p.SkipSpace();
            if (p.TryTake('}')) break;
            string key = p.ReadString();
            p.SkipSpace();
            p.Expect(':');
            p.SkipSpace();
            switch (key)
            {
                case "descr":
                    if (p.Peek() is '[' or '(')
                        throw new NotSupportedException($"{what}: structured dtypes (a descr list) are not supported; save a plain numeric array.");
                    descr = p.ReadString();
                    break;
                case "fortran_order":
                    fortran = p.ReadBool();
                    break;
                case "shape":
                    shape = p.ReadShape();
                    break;
                default:
                    throw p.Error($"unexpected key '{key}'; a .npy header has exactly 'descr', 'fortran_order' and 'shape'");
            }
            p.SkipSpace();
            if (p.TryTake(',')) continue;
            p.SkipSpace();
            p.Expect('}');
            break;
        }
        p.SkipSpace();
        if (p._pos != text.Length) throw p.Error("unexpected text after the closing '}'");
        if (descr is null || fortran is null || shape is null)
            throw p.Error($"the header lacks '{(descr is null ? "descr" : fortran is null ? "fortran_order" : "shape")}'");
        return (descr, fortran.Value, shape);
    }

    private readonly char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private bool TryTake(char c)
    {
        if (Peek() != c) return false;
        _pos++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryTake(c)) throw Error($"expected '{c}' at position {_pos}");
    }

    private string ReadString()
    {
        char quote = Peek();
        if (quote is not ('\'' or '"')) throw Error($"expected a quoted string at position {_pos}");
        int end = _text.IndexOf(quote, _pos + 1);
        if (end < 0) throw Error("a string is not closed");
        var s = _text[(_pos + 1)..end];
        _pos = end + 1;
        return s;
    }

    private bool ReadBool()
    {
        if (_text.AsSpan(_pos).StartsWith("True", StringComparison.Ordinal)) { _pos += 4; return true; }
        if (_text.AsSpan(_pos).StartsWith("False", StringComparison.Ordinal)) { _pos += 5; return false; }
        throw Error($"expected True or False at position {_pos}");
    }

    private long[] ReadShape()
    {
        Expect('(');
        var dims = new List<long>();
        while (true)
        {
            SkipSpace();
            if (TryTake(')')) return [.. dims];
            int start = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            if (start == _pos) throw Error($"expected a non-negative integer in the shape at position {start}");
            if (!long.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out long d))
                throw Error($"shape size {_text[start.._pos]} does not fit in 64 bits");
            TryTake('L'); // Python 2 long literals
            if (dims.Count == 64) throw Error("the shape has more than 64 dimensions");
            dims.Add(d);
            SkipSpace();
            if (TryTake(',')) continue;
            SkipSpace();
            Expect(')');
            return [.. dims];
        }
    }

    private readonly InvalidDataException Error(string message) => new($"{_what}: malformed .npy header ({message}): {Truncated(_text)}");

    private static string Truncated(string s) => s.Length <= 200 ? s : s[..200] + "...";
}
