using System.Globalization;
using System.Text;

namespace CudaTensor.Serialization;

/// <summary>
/// JSON string literals escaped exactly as serde_json (the reference safetensors writer) escapes them: quote,
/// backslash and control characters only (\b \f \n \r \t, others as lowercase \u00xx); all other characters raw.
/// System.Text.Json's writer escapes more (non-ASCII, HTML characters), which would change the bytes.
/// </summary>
internal static class JsonText
{
    public static StringBuilder AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"');
    }
}
