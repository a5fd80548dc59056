namespace CudaTensor.Samples.TinyLM;

/// <summary>The characters of a text, sorted by code point; a character's token is its index.</summary>
public sealed class CharVocabulary
{
    private readonly Dictionary<char, int> _index;

    public CharVocabulary(string characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        Characters = new string([.. characters.Distinct().Order()]);
        if (Characters.Length == 0) throw new ArgumentException("CharVocabulary: the text is empty.", nameof(characters));
        _index = Characters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
    }

    /// <summary>Every character once, in token order (saved with the weights, so a checkpoint carries its vocabulary).</summary>
    public string Characters { get; }

    public int Size => Characters.Length;

    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new long[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_index.TryGetValue(text[i], out int token))
                throw new ArgumentException($"CharVocabulary.Encode: '{text[i]}' (U+{(int)text[i]:X4}) at position {i} is not in the vocabulary of {Size} characters.", nameof(text));
            tokens[i] = token;
        }
        return tokens;
    }

    public char Decode(long token) => Characters[(int)token];
}
