using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Records;

/// <summary>The outcome of <see cref="RecordSelection.RunInSessionAsync"/> at one provider.</summary>
/// <param name="Join">The join (statistics at the analyser).</param>
/// <param name="Run">The provider run on the joined pool (the panel at the analyser).</param>
public sealed record RecordSelectionResult(RecordJoinResult Join, ProviderRunResult Run);

/// <summary>
/// Design 2 at one provider: agree on the public inputs, join the tax office's records to the sign-ups
/// (<see cref="RecordJoin"/>), append the band features to the sign-up rows and run the ordinary secure selection on the
/// joined pool (<see cref="ProviderRun.RunInSessionAsync"/>): the band features are features like any other, with their
/// quotas, and "unknown" is one of their values.
/// </summary>
public static class RecordSelection
{
    /// <summary>Runs the join and the selection inside the caller's session.</summary>
    /// <param name="transport">The session's transport, wrapped in a <c>TranscriptTransport</c> (as
    /// <see cref="ProviderRun.RunInSessionAsync"/> requires).</param>
    /// <param name="abb">This provider's black box on that transport.</param>
    /// <param name="roundId">The sign-up round's 16-byte id (the selection round's id).</param>
    /// <param name="signups">This provider's view of the sign-ups.</param>
    /// <param name="records">This provider's part of the records.</param>
    /// <param name="panelSize">k.</param>
    /// <param name="join">The join settings (bands, matching).</param>
    /// <param name="run">The selection settings (strategy, tape, analyser …).</param>
    /// <param name="seedCommitment">Testing and audits only: the commitment to a public test seed, fixed before the
    /// sign-ups (<see cref="RoundDefinition.CommitSeed"/>), or empty.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The join and the run.</returns>
    /// <exception cref="ProviderMismatchException">A peer holds other sign-ups, other records or other settings.</exception>
    /// <exception cref="ArgumentException">As <see cref="RecordJoin.JoinAsync"/> and <see cref="ProviderRun.RunInSessionAsync"/>.</exception>
    public static async Task<RecordSelectionResult> RunInSessionAsync(ITransport transport, IArithmeticBlackBox abb, ReadOnlyMemory<byte> roundId, SignupShares signups, RecordShares records, int panelSize, RecordJoinOptions join, ProviderRunOptions? run = null, ReadOnlyMemory<byte> seedCommitment = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(signups);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(join);
        if (!records.RoundIdBytes.SequenceEqual(roundId.Span))
        {
            throw new ArgumentException($"The records belong to round {records.RoundId}, not to round {Convert.ToHexStringLower(roundId.Span)}.", nameof(records));
        }

        if (run is not null && run.Analyser != join.Analyser)
        {
            throw new ArgumentException("The join's analyser and the run's analyser must be the same provider.", nameof(join));
        }

        await AgreeAsync(transport, Digest(signups, records, join), cancellationToken).ConfigureAwait(false);
        RecordJoinResult joined = await RecordJoin.JoinAsync(abb, signups, records, join, cancellationToken).ConfigureAwait(false);
        int n = signups.Count, v = signups.ValueCount, w = joined.Width;
        var rows = new uint[checked(n * (v + w))];
        ReadOnlySpan<uint> signupRows = signups.Rows.Span, columns = joined.Columns.Span;
        for (int j = 0; j < n; j++)
        {
            signupRows.Slice(j * v, v).CopyTo(rows.AsSpan(j * (v + w)));
            columns.Slice(j * w, w).CopyTo(rows.AsSpan((j * (v + w)) + v));
        }

        RoundDefinition round = RoundDefinition.ForPool(roundId.Span, signups.Ids, [.. signups.Features, .. joined.Features], panelSize, seedCommitment.Span);
        try
        {
            ProviderRunResult result = await ProviderRun.RunInSessionAsync(transport, abb, round, rows, run, cancellationToken).ConfigureAwait(false);
            return new RecordSelectionResult(joined, result);
        }
        finally
        {
            Array.Clear(rows);
        }
    }

    private static byte[] Digest(SignupShares signups, RecordShares records, RecordJoinOptions join)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("MpcSortition.record-join.v1\n"u8);
        sha.AppendData(signups.PublicDigest());
        sha.AppendData(records.PublicDigest());
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{join.Matching}\n{join.Analyser}\n{join.OpenStatistics}\n{join.BatchTests}\n");
        foreach (AttributeBands band in join.Bands)
        {
            text.Append(CultureInfo.InvariantCulture, $"{band.Attribute}\n{band.Feature.Name}\n{string.Join(",", band.Thresholds)}\n");
            foreach (FeatureValue value in band.Feature.Values)
            {
                text.Append(CultureInfo.InvariantCulture, $"{value.Name}\n{value.Min}\n{value.Max}\n");
            }
        }

        sha.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        return sha.GetHashAndReset();
    }

    /// <summary>Sends this provider's 32-byte digest of the public inputs to both peers and compares theirs, before any
    /// secret of the join is used.</summary>
    private static async Task AgreeAsync(ITransport transport, byte[] digest, CancellationToken ct)
    {
        int me = transport.PartyIndex;
        int[] peers = Enumerable.Range(0, transport.PartyCount).Where(p => p != me).ToArray();
        foreach (int peer in peers)
        {
            await transport.SendAsync(peer, digest, ct).ConfigureAwait(false);
        }

        foreach (int peer in peers)
        {
            var theirs = new byte[digest.Length];
            await transport.ReceiveAsync(peer, theirs, ct).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(theirs, digest))
            {
                throw new ProviderMismatchException(me, peer, string.Create(CultureInfo.InvariantCulture, $"party {peer} holds other sign-ups, other records or other join settings (the digests of the public inputs differ); compare the sign-up lists, the records files' headers and code hashes, the bands and the matching mode."));
            }
        }
    }
}
