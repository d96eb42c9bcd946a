namespace MpcSortition.Selection;

/// <summary>One problem found in an input file, located by file, line and column.</summary>
public sealed class InputProblem
{
    /// <summary>Creates a problem record.</summary>
    /// <param name="file">The file name as given by the caller.</param>
    /// <param name="line">1-based line where the record starts (0 when the file as a whole is at fault).</param>
    /// <param name="column">1-based column (field) number, 0 when the whole record or file is at fault.</param>
    /// <param name="columnName">The column's header name, when known.</param>
    /// <param name="message">What is wrong.</param>
    public InputProblem(string file, int line, int column, string? columnName, string message)
    {
        File = file;
        Line = line;
        Column = column;
        ColumnName = columnName;
        Message = message;
    }

    /// <summary>The file name.</summary>
    public string File { get; }

    /// <summary>1-based line where the offending record starts; 0 for the whole file.</summary>
    public int Line { get; }

    /// <summary>1-based column number; 0 for a whole record or file.</summary>
    public int Column { get; }

    /// <summary>The column's header name, when known.</summary>
    public string? ColumnName { get; }

    /// <summary>What is wrong.</summary>
    public string Message { get; }

    /// <summary>Formats the problem as <c>file:line:column (name): message</c>.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString()
    {
        string where = Line > 0 ? (Column > 0 ? $"{File}:{Line}:{Column}" : $"{File}:{Line}") : File;
        string name = ColumnName is null ? string.Empty : $" (column '{ColumnName}')";
        return $"{where}{name}: {Message}";
    }
}

/// <summary>
/// An input file is malformed. <see cref="Problems"/> lists every problem found (up to a limit), each with file, line
/// and column; the message starts with the first one.
/// </summary>
public sealed class SelectionInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problems">At least one problem.</param>
    public SelectionInputException(IReadOnlyList<InputProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>The problems, in file order.</summary>
    public IReadOnlyList<InputProblem> Problems { get; }

    private static string Describe(IReadOnlyList<InputProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("At least one problem is needed.", nameof(problems));
        }

        return problems.Count == 1
            ? problems[0].ToString()
            : $"{problems[0]} (and {problems.Count - 1} more problem{(problems.Count == 2 ? string.Empty : "s")})";
    }
}
