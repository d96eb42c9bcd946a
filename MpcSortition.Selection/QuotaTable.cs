using System.Globalization;
using System.Text;

namespace MpcSortition.Selection;

/// <summary>One row of a <see cref="QuotaTable"/>: a feature value, its quota and how many panel members have it.</summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="Value">The value's name.</param>
/// <param name="Min">Lower quota.</param>
/// <param name="Max">Upper quota.</param>
/// <param name="Selected">Panel members with the value, or <see langword="null"/> when the composition is not known.</param>
public readonly record struct QuotaRow(string Feature, string Value, int Min, int Max, int? Selected)
{
    /// <summary>Whether the selected count lies within [min, max]; <see langword="null"/> when it is not known.</summary>
    public bool? IsMet => Selected is int s ? s >= Min && s <= Max : null;
}

/// <summary>
/// The quota table of a panel: per feature value (in global value order) the feature, the value, min, max and the
/// number selected. The one source for every place that shows it (console, report, <c>quotas.csv</c>).
/// </summary>
public sealed class QuotaTable
{
    /// <summary>The CSV header <see cref="WriteCsv"/> writes.</summary>
    public const string CsvHeader = "feature,value,min,max,selected";

    private readonly QuotaRow[] _rows;

    private QuotaTable(QuotaRow[] rows) => _rows = rows;

    /// <summary>The rows in global value order (features in order, each feature's values in order).</summary>
    public IReadOnlyList<QuotaRow> Rows => _rows;

    /// <summary>Whether the selected counts are known (the composition was opened or the panel is plaintext).</summary>
    public bool HasSelected => _rows.Length > 0 && _rows[0].Selected is not null;

    /// <summary>Whether every selected count is within its quota (false when the counts are not known).</summary>
    public bool AllMet => HasSelected && _rows.All(r => r.IsMet == true);

    /// <summary>Builds the table.</summary>
    /// <param name="features">The features with their quotas, in order.</param>
    /// <param name="selected">Panel members per global value index (V entries), or <see langword="null"/> when the
    /// composition is not known.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException"><paramref name="selected"/> does not have one entry per value.</exception>
    public static QuotaTable Create(IReadOnlyList<Feature> features, IReadOnlyList<int>? selected)
    {
        ArgumentNullException.ThrowIfNull(features);
        var rows = new List<QuotaRow>();
        foreach (Feature f in features)
        {
            ArgumentNullException.ThrowIfNull(f, nameof(features));
            foreach (FeatureValue v in f.Values)
            {
                int index = rows.Count;
                int? count = selected is null ? null : index < selected.Count ? selected[index] : throw new ArgumentException($"The counts have {selected.Count} entries; the features have more values.", nameof(selected));
                rows.Add(new QuotaRow(f.Name, v.Name, v.Min, v.Max, count));
            }
        }

        if (selected is not null && selected.Count != rows.Count)
        {
            throw new ArgumentException($"The counts have {selected.Count} entries for {rows.Count} values.", nameof(selected));
        }

        return new QuotaTable([.. rows]);
    }

    /// <summary>The table of a plaintext panel of <paramref name="problem"/>.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="panel">Candidate indexes of the panel.</param>
    /// <returns>The table with selected counts.</returns>
    public static QuotaTable Create(SelectionProblem problem, IEnumerable<int> panel)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return Create(problem.Features, problem.CountByValue(panel));
    }

    /// <summary>
    /// Writes <see cref="CsvHeader"/> and one line per row (the selected column empty when unknown), '\n' line ends.
    /// Text fields are safe to open in a spreadsheet: a field starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab
    /// or a carriage return is prefixed with an apostrophe, and a field with a comma, quote or line break is quoted.
    /// </summary>
    /// <param name="writer">The destination.</param>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CsvHeader + "\n");
        foreach (QuotaRow r in _rows)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{SpreadsheetCsv.Field(r.Feature)},{SpreadsheetCsv.Field(r.Value)},{r.Min},{r.Max},{r.Selected}\n"));
        }
    }

    /// <summary>Describes the table's size.</summary>
    /// <returns>The number of rows.</returns>
    public override string ToString() => $"QuotaTable({_rows.Length} values{(HasSelected ? string.Empty : ", composition unknown")})";
}

/// <summary>CSV fields that a spreadsheet opens as text: formula starts neutralised, quoting where needed.</summary>
internal static class SpreadsheetCsv
{
    /// <summary>The field as written: a leading =, +, -, @, tab or carriage return gets an apostrophe in front; a field
    /// with a comma, quote, CR or LF is quoted with inner quotes doubled.</summary>
    internal static string Field(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 2);
        b.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        return b.ToString();
    }
}
