using System.Globalization;

namespace CudaTensor.Data;

/// <summary>Loads numeric CSV files (no quoting) into tensors.</summary>
public static class Csv
{
    /// <summary>
    /// Reads a CSV file of numbers into a 2-D tensor [rows, columns] of <paramref name="dtype"/> (default Float32).
    /// Blank lines are skipped; every row must have the same number of fields.
    /// </summary>
    /// <exception cref="FormatException">A field is not a number, or rows differ in length (the message gives the line).</exception>
    public static Tensor Load(string path, DType dtype = DType.Float32, bool hasHeader = false, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(path);
        var rows = ReadRows(path, hasHeader, delimiter);
        int cols = rows.Count == 0 ? 0 : rows[0].Length;
        var flat = new double[(long)rows.Count * cols];
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(flat, (long)r * cols);
        using var t = Tensor.FromArray(flat, [rows.Count, cols]);
        return t.To(dtype);
    }

    /// <summary>
    /// Reads a CSV whose column <paramref name="labelColumn"/> (default: the last) holds integer class labels: returns
    /// the other columns as Float32 features [rows, columns - 1] and the labels as Int64 [rows]. This is the layout of
    /// scikit-learn's digits.csv (64 pixel columns, then the digit).
    /// </summary>
    /// <exception cref="FormatException">A field is not a number, a label is not an integer, or rows differ in length.</exception>
    public static (Tensor Features, Tensor Labels) LoadClassification(string path, int labelColumn = -1, bool hasHeader = false, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(path);
        var rows = ReadRows(path, hasHeader, delimiter);
        if (rows.Count == 0) throw new FormatException($"Csv.LoadClassification('{path}'): the file has no rows.");
        int cols = rows[0].Length;
        int label = labelColumn < 0 ? cols + labelColumn : labelColumn;
        if (label < 0 || label >= cols)
            throw new ArgumentOutOfRangeException(nameof(labelColumn), labelColumn, $"Csv.LoadClassification: the file has {cols} columns.");
        var features = new float[(long)rows.Count * (cols - 1)];
        var labels = new long[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            double y = rows[r][label];
            if (y != Math.Floor(y)) throw new FormatException($"Csv.LoadClassification('{path}'): row {r + 1} has label {y}, which is not an integer.");
            labels[r] = (long)y;
            int k = 0;
            for (int c = 0; c < cols; c++)
            {
                if (c != label) features[(long)r * (cols - 1) + k++] = (float)rows[r][c];
            }
        }
        return (Tensor.FromArray(features, [rows.Count, cols - 1]), Tensor.FromArray(labels));
    }

    private static List<double[]> ReadRows(string path, bool hasHeader, char delimiter)
    {
        var rows = new List<double[]>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (hasHeader && lineNumber == 1) continue;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(delimiter);
            var row = new double[fields.Length];
            for (int i = 0; i < fields.Length; i++)
            {
                if (!double.TryParse(fields[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out row[i]))
                    throw new FormatException($"Csv.Load('{path}'): line {lineNumber}, field {i + 1} is '{fields[i]}', not a number.");
            }
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new FormatException($"Csv.Load('{path}'): line {lineNumber} has {row.Length} fields but the first row has {rows[0].Length}.");
            rows.Add(row);
        }
        return rows;
    }
}
