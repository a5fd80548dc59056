namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>A token of PTX text: a word (opcode, directive, register, symbol, label, number) or one punctuation mark.</summary>
/// <param name="Text">The token's characters.</param>
/// <param name="Line">1-based source line.</param>
internal readonly record struct PtxToken(string Text, int Line)
{
    public bool Is(string text) => Text == text;

    public bool IsPunct => Text.Length == 1 && !IsWordChar(Text[0]);

    internal static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '%' or '.';
}

/// <summary>Splits PTX text into tokens, dropping comments; string literals (<c>.pragma "nounroll"</c>) are one token.</summary>
internal static class PtxLexer
{
    public static List<PtxToken> Tokenize(string text)
    {
        var tokens = new List<PtxToken>(text.Length / 5);
        int line = 1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (char.IsWhiteSpace(c) || c == '\0')
            {
                i++;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                i += 2;
                while (i + 1 < text.Length && !(text[i] == '*' && text[i + 1] == '/'))
                {
                    if (text[i] == '\n') line++;
                    i++;
                }
                i += 2;
            }
            else if (c == '"')
            {
                int start = i++;
                while (i < text.Length && text[i] != '"') i++;
                i++;
                tokens.Add(new PtxToken(text[start..Math.Min(i, text.Length)], line));
            }
            else if (PtxToken.IsWordChar(c))
            {
                int start = i;
                while (i < text.Length && PtxToken.IsWordChar(text[i])) i++;
                tokens.Add(new PtxToken(text[start..i], line));
            }
            else
            {
                tokens.Add(new PtxToken(c.ToString(), line));
                i++;
            }
        }
        return tokens;
    }
}
