using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Records;

/// <summary>The outcome of <c>RecordSelection.RunInSessionAsync</c> at one provider.</summary>
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

        RoundDefinition round = JoinedRound(roundId.Span, signups, join, panelSize, seedCommitment.Span);
        return await RunInSessionAsync(transport, abb, round, signups, records, join, run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The round definition the joined pool is selected from: the sign-ups' ids as candidates, their features
    /// followed by the band features, k and the seed commitment. A host that keeps the round file for an audit makes it
    /// here once and passes it to <see cref="RunInSessionAsync(ITransport, IArithmeticBlackBox, RoundDefinition, SignupShares, RecordShares, RecordJoinOptions, ProviderRunOptions?, CancellationToken)"/>.</summary>
    /// <param name="roundId">The sign-up round's 16-byte id.</param>
    /// <param name="signups">The sign-ups.</param>
    /// <param name="join">The join settings (its bands give the band features).</param>
    /// <param name="panelSize">k.</param>
    /// <param name="seedCommitment">The commitment to a public test seed, or empty.</param>
    /// <param name="createdUtc">The creation time the round records; null for now. Providers that each build the round
    /// pass a time they share (e.g. the sign-up deadline), so that the three round hashes agree.</param>
    /// <returns>The round definition (public).</returns>
    /// <exception cref="ArgumentException">As <see cref="RoundDefinition.ForPool"/>.</exception>
    public static RoundDefinition JoinedRound(ReadOnlySpan<byte> roundId, SignupShares signups, RecordJoinOptions join, int panelSize, ReadOnlySpan<byte> seedCommitment = default, DateTimeOffset? createdUtc = null)
    {
        ArgumentNullException.ThrowIfNull(signups);
        ArgumentNullException.ThrowIfNull(join);
        return RoundDefinition.ForPool(roundId, signups.Ids, [.. signups.Features, .. join.Bands.Select(b => b.Feature)], panelSize, seedCommitment, createdUtc);
    }

    /// <summary>Runs the join and the selection inside the caller's session, selecting from a round definition the
    /// caller made with <see cref="JoinedRound"/> (so that the round file it keeps is the one the run's transcripts name).</summary>
    /// <param name="transport">The session's transport, wrapped in a <c>TranscriptTransport</c>.</param>
    /// <param name="abb">This provider's black box on that transport.</param>
    /// <param name="round">The joined round (<see cref="JoinedRound"/>): its candidates are the sign-ups' ids and its
    /// features the sign-ups' followed by the band features.</param>
    /// <param name="signups">This provider's view of the sign-ups.</param>
    /// <param name="records">This provider's part of the records.</param>
    /// <param name="join">The join settings (bands, matching).</param>
    /// <param name="run">The selection settings.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The join and the run.</returns>
    /// <exception cref="ProviderMismatchException">A peer holds other sign-ups, other records or other settings.</exception>
    /// <exception cref="ArgumentException">The round does not fit the sign-ups and bands, or as the other overload.</exception>
    public static async Task<RecordSelectionResult> RunInSessionAsync(ITransport transport, IArithmeticBlackBox abb, RoundDefinition round, SignupShares signups, RecordShares records, RecordJoinOptions join, ProviderRunOptions? run = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(signups);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(join);
        if (!records.RoundIdBytes.SequenceEqual(Convert.FromHexString(round.RoundId)))
        {
            throw new ArgumentException($"The records belong to round {records.RoundId}, not to round {round.RoundId.ToLowerInvariant()}.", nameof(records));
        }

        if (!round.CandidateIds.SequenceEqual(signups.Ids, StringComparer.Ordinal)
            || !round.Features.Select(f => f.Name).SequenceEqual(signups.Features.Select(f => f.Name).Concat(join.Bands.Select(b => b.Feature.Name)), StringComparer.Ordinal))
        {
            throw new ArgumentException("The round's candidates must be the sign-ups' ids and its features the sign-ups' followed by the band features (make it with RecordSelection.JoinedRound).", nameof(round));
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
