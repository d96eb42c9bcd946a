using System.Text;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Provider;

/// <summary>
/// The signed root of the accepted submissions (issue 17, item 5). When the pool is reconciled after the close (by the
/// select step's history exchange, or the operator's <c>/operator/reconcile</c>), this provider builds the
/// <see cref="SubmissionTree"/> over the reconciled rows (code hash, submission id) in pool order, signs its root with its
/// certificate key and publishes it (<c>GET /api/v1/root</c>, <c>submission-root.json</c> next to the database, the
/// operator export). The three providers reconcile the same three histories, so they publish the same root. A volunteer
/// fetches the inclusion proof of their submission (<c>GET /api/v1/receipts/{submissionId}</c>) and checks it against the
/// signed roots with <c>verify-receipt</c>. Once published, the root does not change: a later reconciliation that gives
/// another pool is refused.
/// </summary>
internal sealed class SubmissionRoots(ProviderConfig config, IntakeStore store)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (SignedRoot Root, SubmissionTree Tree)? _published;

    /// <summary>The published signed root (public).</summary>
    public string RootPath => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(config.DatabasePath))!, "submission-root.json");

    /// <summary>Builds, signs and publishes the root over <paramref name="rows"/> (the reconciled pool, pool order).</summary>
    /// <returns>The signed root.</returns>
    /// <exception cref="SelectException">A different root was published before (409 <c>root_changed</c>).</exception>
    public async Task<SignedRoot> PublishAsync(IReadOnlyList<HistoryEntry> rows)
    {
        var tree = new SubmissionTree(config.Round.RoundId, rows.Select(r => new SubmissionLeaf(r.SubmissionId, r.CodeHash)));
        await _gate.WaitAsync();
        try
        {
            if (ReadFile() is { } earlier)
            {
                if (earlier.Root != tree.Root || earlier.TreeSize != tree.Leaves.Count)
                {
                    throw new SelectException(409, "root_changed",
                        $"This provider published the signed root {earlier.Root[..16]}… of {earlier.TreeSize} accepted submissions, but the pool reconciled now gives {tree.Root[..16]}… of {tree.Leaves.Count}: the accepted submissions cannot change after their root was published (were other histories given to /operator/reconcile than the providers hold?). Nothing was computed.");
                }

                _published = (earlier, tree);
                return earlier;
            }

            DateTimeOffset closed = await store.ClosedUtcAsync() ?? config.Clock();
            SignedRoot signed = tree.RootStatement(config.Party, closed.UtcDateTime).Sign(config.Certificate);
            FileModes.WriteOwnerOnly(RootPath, Encoding.UTF8.GetBytes(signed.ToJson() + "\n"));
            _published = (signed, tree);
            return signed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The published root and its tree, or null before the pool was reconciled (also after a restart: the tree
    /// is rebuilt from the saved pool and must give the published root).</summary>
    public async Task<(SignedRoot Root, SubmissionTree Tree)?> GetAsync()
    {
        if (_published is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync();
        try
        {
            if (_published is { } again)
            {
                return again;
            }

            if (ReadFile() is not { } root)
            {
                return null;
            }

            List<HistoryEntry> rows = await store.PoolRowsAsync();
            var tree = new SubmissionTree(config.Round.RoundId, rows.Select(r => new SubmissionLeaf(r.SubmissionId, r.CodeHash)));
            if (tree.Root != root.Root)
            {
                return null; // the saved pool is not the one the root was published for: serve nothing rather than a wrong proof
            }

            _published = (root, tree);
            return _published;
        }
        finally
        {
            _gate.Release();
        }
    }

    private SignedRoot? ReadFile() => File.Exists(RootPath) ? SignedRoot.Parse(File.ReadAllText(RootPath)) : null;
}
