using System.Globalization;
using System.Text;
using CsvHelper;

namespace MpcSortition.Selection;

/// <summary>Options for reading a people file.</summary>
public sealed class SortitionCsvOptions
{
    /// <summary>The default id column, <c>nationbuilder_id</c>.</summary>
    public const string DefaultIdColumn = "nationbuilder_id";

    /// <summary>
    /// The id column (matched case-insensitively). <see langword="null"/> (default): <see cref="DefaultIdColumn"/> when the file
    /// has it, otherwise the 0-based row index of each person is their id. When set, the column must exist.
    /// </summary>
    public string? IdColumn { get; init; }

    /// <summary>
    /// Columns that together form a person's address (matched case-insensitively), for same-address exclusion; empty
    /// (default) for no exclusion. Two people live at the same address when every one of these columns is equal after
    /// trimming and ignoring case; a person whose address columns are all blank has no address.
    /// </summary>
    public IReadOnlyList<string> AddressColumns { get; init; } = [];
}

/// <summary>A pool and its quotas as read from the Sortition Foundation's files.</summary>
public sealed class SortitionData
{
    internal SortitionData(IReadOnlyList<Feature> features, IReadOnlyList<Candidate> candidates, IReadOnlyList<string> peopleHeader)
    {
        Features = features;
        Candidates = candidates;
        PeopleHeader = peopleHeader;
    }

    /// <summary>The features, values and quotas in quota-file order.</summary>
    public IReadOnlyList<Feature> Features { get; }

    /// <summary>The people in file order, with their raw fields.</summary>
    public IReadOnlyList<Candidate> Candidates { get; }

    /// <summary>The people file's header, as written.</summary>
    public IReadOnlyList<string> PeopleHeader { get; }

    /// <summary>The selection problem for panel size <paramref name="panelSize"/>.</summary>
    /// <param name="panelSize">k, at least 1.</param>
    /// <returns>The problem.</returns>
    public SelectionProblem ToProblem(int panelSize) => new(Features, Candidates, panelSize);
}

/// <summary>
/// Reads and writes the Sortition Foundation's CSV files: quota files with the header styles
/// <c>feature,value,min,max[,min_flex,max_flex]</c>, <c>category,name,min,max[,min_flex,max_flex]</c> and
/// <c>category,feature,min,max</c> (the Nature 2021 replication data, where <c>category</c> is the feature and
/// <c>feature</c> the value), extra columns ignored; and people files with an id column and one column per feature.
/// Header names, feature names and values match case-insensitively after trimming. UTF-8 with or without BOM, RFC 4180
/// quoting, CRLF or LF. Every problem is reported with file, line and column in one <see cref="SelectionInputException"/>.
/// </summary>
public static class SortitionCsv
{
    private const int MaxProblems = 100;

    /// <summary>Reads a quota file and a people file.</summary>
    /// <param name="peoplePath">The people file.</param>
    /// <param name="quotasPath">The quota file.</param>
    /// <param name="options">People-file options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The pool and quotas.</returns>
    /// <exception cref="SelectionInputException">A file is missing, unreadable or malformed.</exception>
    public static SortitionData Read(string peoplePath, string quotasPath, SortitionCsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(peoplePath);
        ArgumentNullException.ThrowIfNull(quotasPath);
        IReadOnlyList<Feature> features = WithFile(quotasPath, reader => ReadQuotas(reader, quotasPath));
        return WithFile(peoplePath, reader => ReadPeople(reader, peoplePath, features, options));
    }

    /// <summary>Reads a quota file.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">The name used in problem reports.</param>
    /// <returns>The features in order of first appearance, each with its values in file order.</returns>
    /// <exception cref="SelectionInputException">The file is malformed.</exception>
    public static IReadOnlyList<Feature> ReadQuotas(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);
        var problems = new List<InputProblem>();
        List<Row> rows = ReadRows(reader, fileName, problems);
        if (rows.Count == 0)
        {
            problems.Add(new InputProblem(fileName, 1, 0, null, "the quota file is empty"));
            throw new SelectionInputException(problems);
        }

        Row header = rows[0];
        string[] names = header.Fields.Select(NormaliseHeader).ToArray();
        int Find(string name) => Array.IndexOf(names, name);
        foreach (string name in new[] { "feature", "value", "category", "name", "min", "max", "min_flex", "max_flex" })
        {
            int first = Find(name);
            int again = first < 0 ? -1 : Array.IndexOf(names, name, first + 1);
            if (again >= 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, again + 1, header.Fields[again], $"the column '{name}' appears twice"));
            }
        }

        int featureCol;
        int valueCol;
        int category = Find("category");
        int feature = Find("feature");
        int value = Find("value");
        int nameCol = Find("name");
        if (category >= 0 && feature >= 0 && value < 0 && nameCol < 0)
        {
            // Nature 2021 replication data: category = feature, feature = value.
            featureCol = category;
            valueCol = feature;
        }
        else
        {
            if (category >= 0 && feature >= 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, category + 1, header.Fields[category], "the header has both 'feature' and 'category'; use one of them"));
            }

            if (value >= 0 && nameCol >= 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, nameCol + 1, header.Fields[nameCol], "the header has both 'value' and 'name'; use one of them"));
            }

            featureCol = feature >= 0 ? feature : category;
            valueCol = value >= 0 ? value : nameCol;
        }

        int minCol = Find("min");
        int maxCol = Find("max");
        int minFlexCol = Find("min_flex");
        int maxFlexCol = Find("max_flex");
        if (featureCol < 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "missing column 'feature' (or 'category')"));
        }

        if (valueCol < 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "missing column 'value' (or 'name')"));
        }

        if (minCol < 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "missing column 'min'"));
        }

        if (maxCol < 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "missing column 'max'"));
        }

        if ((minFlexCol < 0) != (maxFlexCol < 0))
        {
            int present = Math.Max(minFlexCol, maxFlexCol);
            problems.Add(new InputProblem(fileName, header.Line, present + 1, header.Fields[present], "'min_flex' and 'max_flex' must both be present or both absent"));
        }

        if (problems.Count > 0)
        {
            throw new SelectionInputException(problems);
        }

        bool hasFlex = minFlexCol >= 0;
        var order = new List<string>();
        var byFeature = new Dictionary<string, (string Name, List<FeatureValue> Values, Dictionary<string, int> Lines)>(StringComparer.OrdinalIgnoreCase);
        int dataRows = 0;
        for (int r = 1; r < rows.Count && problems.Count < MaxProblems; r++)
        {
            Row row = rows[r];
            if (row.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            dataRows++;
            if (row.Fields.Length != header.Fields.Length)
            {
                problems.Add(new InputProblem(fileName, row.Line, 0, null, $"the record has {row.Fields.Length} fields but the header has {header.Fields.Length}"));
                continue;
            }

            string featureName = row.Fields[featureCol].Trim();
            string valueName = row.Fields[valueCol].Trim();
            if (featureName.Length == 0)
            {
                problems.Add(Problem(fileName, row, featureCol, header, "the feature name is blank"));
                continue;
            }

            if (valueName.Length == 0)
            {
                problems.Add(Problem(fileName, row, valueCol, header, "the value name is blank"));
                continue;
            }

            int? min = ParseCount(fileName, row, minCol, header, problems);
            int? max = ParseCount(fileName, row, maxCol, header, problems);
            int? minFlex = hasFlex ? ParseCount(fileName, row, minFlexCol, header, problems) : null;
            int? maxFlex = hasFlex ? ParseCount(fileName, row, maxFlexCol, header, problems) : null;
            if (min is null || max is null || (hasFlex && (minFlex is null || maxFlex is null)))
            {
                continue;
            }

            if (min > max)
            {
                problems.Add(Problem(fileName, row, minCol, header, $"min {min} is greater than max {max} for {featureName}/{valueName}"));
                continue;
            }

            if (hasFlex && (minFlex > min || maxFlex < max))
            {
                problems.Add(Problem(fileName, row, minFlex > min ? minFlexCol : maxFlexCol, header, $"the flex range [{minFlex}, {maxFlex}] must contain [{min}, {max}] for {featureName}/{valueName}"));
                continue;
            }

            if (!byFeature.TryGetValue(featureName, out var entry))
            {
                entry = (featureName, [], new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase));
                byFeature.Add(featureName, entry);
                order.Add(featureName);
            }

            if (entry.Lines.TryGetValue(valueName, out int earlier))
            {
                problems.Add(Problem(fileName, row, valueCol, header, $"{featureName}/{valueName} is already defined on line {earlier}"));
                continue;
            }

            entry.Lines.Add(valueName, row.Line);
            entry.Values.Add(new FeatureValue(valueName, min.Value, max.Value, minFlex, maxFlex));
        }

        if (dataRows == 0 && problems.Count == 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "the quota file has a header but no quotas"));
        }

        if (problems.Count > 0)
        {
            throw new SelectionInputException(problems);
        }

        return order.Select(f => new Feature(byFeature[f].Name, byFeature[f].Values)).ToArray();
    }

    /// <summary>Reads a people file against the given features.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">The name used in problem reports.</param>
    /// <param name="features">The features (from <see cref="ReadQuotas"/>).</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The pool and quotas. Each candidate's values are spelled as in the quota file.</returns>
    /// <exception cref="SelectionInputException">The file is malformed.</exception>
    public static SortitionData ReadPeople(TextReader reader, string fileName, IReadOnlyList<Feature> features, SortitionCsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(features);
        options ??= new SortitionCsvOptions();
        var problems = new List<InputProblem>();
        List<Row> rows = ReadRows(reader, fileName, problems);
        if (rows.Count == 0)
        {
            problems.Add(new InputProblem(fileName, 1, 0, null, "the people file is empty"));
            throw new SelectionInputException(problems);
        }

        Row header = rows[0];
        string[] names = header.Fields.Select(h => h.Trim()).ToArray();

        int FindColumn(string name, string role)
        {
            int found = -1;
            for (int c = 0; c < names.Length; c++)
            {
                if (string.Equals(names[c], name.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    if (found >= 0)
                    {
                        problems.Add(new InputProblem(fileName, header.Line, c + 1, names[c], $"the {role} column '{name}' appears twice"));
                        return found;
                    }

                    found = c;
                }
            }

            return found;
        }

        int idCol;
        if (options.IdColumn is { } explicitId)
        {
            idCol = FindColumn(explicitId, "id");
            if (idCol < 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, 0, null, $"missing id column '{explicitId}'"));
            }
        }
        else
        {
            idCol = FindColumn(SortitionCsvOptions.DefaultIdColumn, "id");
        }

        var featureCols = new int[features.Count];
        for (int f = 0; f < features.Count; f++)
        {
            featureCols[f] = FindColumn(features[f].Name, "feature");
            if (featureCols[f] < 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, 0, null, $"missing column for the feature '{features[f].Name}'"));
            }
        }

        var addressCols = new int[options.AddressColumns.Count];
        for (int a = 0; a < addressCols.Length; a++)
        {
            addressCols[a] = FindColumn(options.AddressColumns[a], "address");
            if (addressCols[a] < 0)
            {
                problems.Add(new InputProblem(fileName, header.Line, 0, null, $"missing address column '{options.AddressColumns[a]}'"));
            }
        }

        if (problems.Count > 0)
        {
            throw new SelectionInputException(problems);
        }

        var candidates = new List<Candidate>(rows.Count - 1);
        var idLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new string[features.Count];
        var address = new StringBuilder();
        for (int r = 1; r < rows.Count && problems.Count < MaxProblems; r++)
        {
            Row row = rows[r];
            int index = r - 1;
            if (row.Fields.Length != header.Fields.Length)
            {
                problems.Add(new InputProblem(fileName, row.Line, 0, null, $"the record has {row.Fields.Length} fields but the header has {header.Fields.Length}"));
                continue;
            }

            string id = idCol >= 0 ? row.Fields[idCol].Trim() : index.ToString(CultureInfo.InvariantCulture);
            bool ok = true;
            if (id.Length == 0)
            {
                problems.Add(Problem(fileName, row, idCol, header, "the id is blank"));
                ok = false;
            }
            else if (idLines.TryGetValue(id, out int earlier))
            {
                problems.Add(Problem(fileName, row, idCol, header, $"the id '{id}' already appears on line {earlier}"));
                ok = false;
            }
            else
            {
                idLines.Add(id, row.Line);
            }

            for (int f = 0; f < features.Count; f++)
            {
                string raw = row.Fields[featureCols[f]].Trim();
                int j = features[f].IndexOf(raw);
                if (j < 0)
                {
                    string message = raw.Length == 0
                        ? $"the value of '{features[f].Name}' is blank"
                        : $"the value '{raw}' is not among the quota file's values for '{features[f].Name}'";
                    problems.Add(Problem(fileName, row, featureCols[f], header, message));
                    ok = false;
                    continue;
                }

                values[f] = features[f].Values[j].Name;
            }

            string? addressKey = null;
            if (addressCols.Length > 0)
            {
                address.Clear();
                bool any = false;
                foreach (int c in addressCols)
                {
                    string part = row.Fields[c].Trim();
                    any |= part.Length > 0;
                    address.Append(part.ToUpperInvariant()).Append('\u001F');
                }

                addressKey = any ? address.ToString() : null;
            }

            if (ok)
            {
                candidates.Add(new Candidate(id, values, addressKey, row.Fields));
            }
        }

        if (rows.Count == 1 && problems.Count == 0)
        {
            problems.Add(new InputProblem(fileName, header.Line, 0, null, "the people file has a header but no people"));
        }

        if (problems.Count > 0)
        {
            throw new SelectionInputException(problems);
        }

        return new SortitionData(features, candidates, names);
    }

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
