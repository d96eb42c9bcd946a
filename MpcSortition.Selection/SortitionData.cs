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
