namespace MpcSortition.Selection.Intake;

/// <summary>One stored submission in a provider's history: public metadata only (code hash, submission id, order).</summary>
/// <param name="CodeHash">The code's salted hash.</param>
/// <param name="SubmissionId">The submission id.</param>
/// <param name="Sequence">The provider's own arrival order (strictly increasing).</param>
public readonly record struct HistoryEntry(string CodeHash, string SubmissionId, long Sequence);

/// <summary>The agreed pool after the deadline.</summary>
public sealed class ReconciledPool
{
    internal ReconciledPool(IReadOnlyList<HistoryEntry> rows, int dropped, int superseded, int heldBySome)
    {
        Rows = rows;
        DroppedCodes = dropped;
        SupersededRows = superseded;
        PartialRows = heldBySome;
    }

    /// <summary>The pool in its agreed order (sorted by code hash): per code, the latest submission all three hold; <see cref="HistoryEntry.Sequence"/> is the analyser's.</summary>
    public IReadOnlyList<HistoryEntry> Rows { get; }

    /// <summary>Codes with stored submissions at some provider but no submission held by all three: dropped.</summary>
    public int DroppedCodes { get; }

    /// <summary>Submissions held by all three that a later common submission of the same code superseded.</summary>
    public int SupersededRows { get; }

    /// <summary>Submission ids held by one or two providers only (a page that lost a request, or a withdrawal at some).</summary>
    public int PartialRows { get; }

    /// <summary>Counts only.</summary>
    /// <returns>A summary line.</returns>
    public override string ToString() => $"ReconciledPool({Rows.Count} rows, {DroppedCodes} codes dropped, {SupersededRows} superseded, {PartialRows} partial)";
}

/// <summary>
/// Close and reconcile: from the three providers' histories (which hold no secret), the pool the providers agree on.
/// For each code hash: the submission ids held by all three; the latest of them by the analyser's (provider 0's) arrival
/// order is the row that counts. A code with no common submission is dropped. Every provider computes the same result from
/// the same three lists.
/// </summary>
public static class Reconciliation
{
    /// <summary>Reconciles the three histories.</summary>
    /// <param name="histories">Exactly three histories, provider 0 first.</param>
    /// <returns>The agreed pool and the counts.</returns>
    public static ReconciledPool Reconcile(IReadOnlyList<IReadOnlyList<HistoryEntry>> histories)
    {
        ArgumentNullException.ThrowIfNull(histories);
        if (histories.Count != 3)
        {
            throw new ArgumentException("Reconciliation needs the histories of exactly three providers.", nameof(histories));
        }

        var sets = histories.Skip(1).Select(h => h.Select(e => (e.CodeHash, e.SubmissionId)).ToHashSet()).ToArray();
        var allCodes = histories.SelectMany(h => h.Select(e => e.CodeHash)).ToHashSet(StringComparer.Ordinal);
        var common = histories[0].Where(e => sets.All(s => s.Contains((e.CodeHash, e.SubmissionId)))).ToArray();
        int allIds = histories.SelectMany(h => h.Select(e => (e.CodeHash, e.SubmissionId))).Distinct().Count();
        var rows = common.GroupBy(e => e.CodeHash, StringComparer.Ordinal)
            .Select(g => g.MaxBy(e => e.Sequence))
            .OrderBy(e => e.CodeHash, StringComparer.Ordinal)
            .ToArray();
        return new ReconciledPool(rows, allCodes.Count - rows.Length, common.Length - rows.Length, allIds - common.Select(e => (e.CodeHash, e.SubmissionId)).Distinct().Count());
    }
}
