using System.Globalization;
using System.Text;

namespace MpcSortition.Selection;

/// <content>Reading the people file.</content>
public static partial class SortitionCsv
{
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
}
