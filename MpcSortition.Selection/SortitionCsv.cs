namespace MpcSortition.Selection;

/// <summary>
/// Reads and writes the Sortition Foundation's CSV files: quota files with the header styles
/// <c>feature,value,min,max[,min_flex,max_flex]</c>, <c>category,name,min,max[,min_flex,max_flex]</c> and
/// <c>category,feature,min,max</c> (the Nature 2021 replication data, where <c>category</c> is the feature and
/// <c>feature</c> the value), extra columns ignored; and people files with an id column and one column per feature.
/// Header names, feature names and values match case-insensitively after trimming. UTF-8 with or without BOM, RFC 4180
/// quoting, CRLF or LF. Every problem is reported with file, line and column in one <see cref="SelectionInputException"/>.
/// </summary>
public static partial class SortitionCsv
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
}
