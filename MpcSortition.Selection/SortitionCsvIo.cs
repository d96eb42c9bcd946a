using System.Globalization;
using System.Text;
using CsvHelper;

namespace MpcSortition.Selection;

/// <content>Writing the panel and the probabilities; the file, row and number reading shared by both readers.</content>
public static partial class SortitionCsv
{
    /// <summary>Writes the panel: the people file's header, then the selected people's rows (all columns) in pick order.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="data">The data the problem was built from.</param>
    /// <param name="panel">Candidate indexes.</param>
    public static void WritePanel(TextWriter writer, SortitionData data, IEnumerable<int> panel)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(panel);
        using CsvWriter csv = CreateWriter(writer);
        csv.WriteRecord(data.PeopleHeader.ToArray());
        foreach (int i in panel)
        {
            csv.WriteRecord(data.Candidates[i].Fields.ToArray());
        }
    }

    /// <summary>Writes <c>id,probability</c> per candidate in pool order (probability with invariant culture, round-trip format).</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="probabilities">The estimate.</param>
    public static void WriteProbabilities(TextWriter writer, SelectionProbabilities probabilities)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(probabilities);
        using CsvWriter csv = CreateWriter(writer);
        csv.WriteRecord(["id", "probability"]);
        IReadOnlyList<Candidate> candidates = probabilities.Problem.Candidates;
        for (int i = 0; i < candidates.Count; i++)
        {
            csv.WriteRecord([candidates[i].Id, probabilities.Probabilities[i].ToString("R", CultureInfo.InvariantCulture)]);
        }
    }

    private static CsvWriter CreateWriter(TextWriter writer) =>
        CsvWriter.Create(writer, CsvWriterOptions.Default with { NewLine = "\n", Injection = CsvInjection.None }, leaveOpen: true);

    private static T WithFile<T>(string path, Func<TextReader, T> read)
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SelectionInputException([new InputProblem(path, 0, 0, null, $"cannot open the file ({e.GetType().Name}: {e.Message})")]);
        }

        using (reader)
        {
            try
            {
                return read(reader);
            }
            catch (DecoderFallbackException)
            {
                throw new SelectionInputException([new InputProblem(path, 0, 0, null, "the file is not valid UTF-8")]);
            }
            catch (IOException e)
            {
                throw new SelectionInputException([new InputProblem(path, 0, 0, null, $"cannot read the file ({e.Message})")]);
            }
        }
    }

    private static string NormaliseHeader(string name) => name.Trim().TrimStart('\uFEFF').ToLowerInvariant();

    private static InputProblem Problem(string file, Row row, int column, Row header, string message) =>
        new(file, row.Line, column + 1, column < header.Fields.Length ? header.Fields[column].Trim() : null, message);

    private static int? ParseCount(string file, Row row, int column, Row header, List<InputProblem> problems)
    {
        string text = row.Fields[column].Trim();
        string name = header.Fields[column].Trim();
        if (text.Length == 0)
        {
            problems.Add(Problem(file, row, column, header, $"'{name}' is blank"));
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            problems.Add(Problem(file, row, column, header, $"'{name}' is not a whole number: '{text}'"));
            return null;
        }

        if (value < 0)
        {
            problems.Add(Problem(file, row, column, header, $"'{name}' is negative: {value}"));
            return null;
        }

        return value;
    }

    private static List<Row> ReadRows(TextReader reader, string fileName, List<InputProblem> problems)
    {
        var malformed = new List<InputProblem>();
        CsvReaderOptions options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = false,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            OnMalformedRecord = m => malformed.Add(new InputProblem(fileName, (int)m.LineNumber, 0, null, $"malformed CSV quoting ({m.Reason})")),
        };
        var rows = new List<Row>();
        using (CsvReader csv = CsvReader.Create(reader, options, leaveOpen: true))
        {
            while (csv.Read())
            {
                var fields = new string[csv.FieldCount];
                for (int i = 0; i < fields.Length; i++)
                {
                    fields[i] = csv.GetString(i);
                }

                if (rows.Count == 0 && fields.Length > 0)
                {
                    fields[0] = fields[0].TrimStart('\uFEFF');
                }

                rows.Add(new Row((int)csv.LineNumber, fields));
            }
        }

        if (malformed.Count > 0)
        {
            problems.AddRange(malformed.Take(MaxProblems));
            throw new SelectionInputException(problems);
        }

        return rows;
    }

    private readonly record struct Row(int Line, string[] Fields);
}
