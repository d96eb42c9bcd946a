using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>One ballot of the pool as counter i holds it: share columns i (<see cref="Own"/>) and i − 1 (<see cref="Previous"/>), and the three commitments.</summary>
internal sealed record CounterBallot(string CodeHash, string SubmissionId, string CommitDigest, long Sequence, ShareColumn Own, ShareColumn Previous, string[] Commitments);

/// <summary>One counter's report on one share column it holds: a digest of its copy, the per-option integer sums over the counted ballots and the sum of their nonces.</summary>
internal sealed record ColumnReport(int Column, string CopyDigest, ulong[] Sums, BigInteger NonceSum);

/// <summary>
/// What a counter opens to the other two at the tally: digests of the pool, of the validity bits and of the commitments
/// it holds, and for each of its two share columns a <see cref="ColumnReport"/>.
/// </summary>
internal sealed record CounterReport(int Party, string PoolDigest, string ValidityDigest, string CommitmentsDigest, ColumnReport[] Columns);

/// <summary>A counter named by an honest counter, with the reason.</summary>
internal sealed record Accusation(int Party, string Reason);

/// <summary>What one counter concludes: the tally (null when the count had to stop), who is named, and what it noticed without being able to name anyone.</summary>
internal sealed record TallyOutcome(int Judge, uint[]? Tally, int CountedBallots, IReadOnlyList<Accusation> Named, IReadOnlyList<string> Notes)
{
    public IReadOnlyList<int> NamedParties => [.. Named.Select(a => a.Party).Distinct().Order()];
}

/// <summary>
/// The count after the deadline, at each counter: (1) the pool from the three histories (the library's
/// <see cref="Reconciliation"/>: a voter's latest ballot held by all three counters with the same commitments);
/// (2) one validity bit per ballot under MPC (<see cref="IntakeChecks.CheckRowsAsync"/> with one question of m options:
/// entries 0/1 and exactly one 1), opened to all three; (3) each counter's <see cref="CounterReport"/> over the valid
/// ballots, opened to all three; (4) <see cref="Judge"/>: every counter checks every report against the voters'
/// commitments (the product of the Pedersen commitments of column j over the valid ballots must be opened by the
/// reported sums and nonce sum) and takes the tally from verified sums. A report that does not verify names its counter.
/// </summary>
internal static class BallotCount
{
    /// <summary>The history entry the reconciliation sees: the submission id joined with the commitments' digest, so
    /// that a ballot counts only if all three counters hold the same ballot with the same commitments.</summary>
    public static HistoryEntry Entry(string codeHash, string submissionId, string commitDigest, long sequence) => new(codeHash, submissionId + "." + commitDigest, sequence);

    /// <summary>The pool from the three counters' histories (counter 0's first).</summary>
    public static ReconciledPool Pool(IReadOnlyList<IReadOnlyList<HistoryEntry>> histories) => Reconciliation.Reconcile(histories);

    /// <summary>This counter's ballots in pool order.</summary>
    public static CounterBallot[] PoolRows(int party, ReconciledPool pool, IEnumerable<CounterBallot> stored)
    {
        var byKey = stored.ToDictionary(b => (b.CodeHash, b.SubmissionId + "." + b.CommitDigest));
        return [.. pool.Rows.Select(r => byKey.TryGetValue((r.CodeHash, r.SubmissionId), out CounterBallot? b) ? b
            : throw new InvalidOperationException($"Counter {party} does not hold pool row {r.CodeHash[..12]}… that its own history listed."))];
    }

    public static string PoolDigest(ReconciledPool pool)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (HistoryEntry r in pool.Rows)
        {
            h.AppendData(Encoding.ASCII.GetBytes($"{r.CodeHash} {r.SubmissionId}\n"));
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Step 2: one validity bit per pool ballot, under MPC, opened to every counter. Counter i inputs share column i.</summary>
    public static async ValueTask<bool[]> ValidityAsync(IArithmeticBlackBox abb, IReadOnlyList<CounterBallot> rows, int m, CancellationToken cancellationToken = default)
    {
        var own = new uint[rows.Count * m];
        for (int b = 0; b < rows.Count; b++)
        {
            rows[b].Own.Shares.CopyTo(own, b * m);
        }

        ShareVector shares = abb.FromShares(own);
        return await IntakeChecks.CheckRowsAsync(abb, shares, [m], cancellationToken).ConfigureAwait(false);
    }

    public static string ValidityDigest(bool[] valid) => Convert.ToHexStringLower(SHA256.HashData(valid.Select(v => v ? (byte)1 : (byte)0).ToArray()));

    public static string CommitmentsDigest(IReadOnlyList<CounterBallot> rows)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (CounterBallot b in rows)
        {
            foreach (string c in b.Commitments)
            {
                h.AppendData(Convert.FromHexString(c));
            }
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>The digest of a copy of one share column over the whole pool (shares and nonces, in pool order).</summary>
    public static string CopyDigest(int column, IEnumerable<ShareColumn> copy)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(Encoding.ASCII.GetBytes($"MpcSortition.ballot-column.v1 {column}\n"));
        foreach (ShareColumn c in copy)
        {
            h.AppendData(BallotPart.SharesBytes(c.Shares));
            h.AppendData(c.Nonce);
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Sums of one column over the counted ballots: per option the integer sum of the share words, and the integer sum of the nonces.</summary>
    public static (ulong[] Sums, BigInteger NonceSum) Sum(IEnumerable<ShareColumn> counted, int m)
    {
        var sums = new ulong[m];
        BigInteger r = BigInteger.Zero;
        foreach (ShareColumn c in counted)
        {
            for (int k = 0; k < m; k++)
            {
                sums[k] += c.Shares[k];
            }

            r += ShareCommitment.Nonce(c.Nonce);
        }

        return (sums, r);
    }

    /// <summary>Step 3: this counter's report (an honest counter computes it exactly like this).</summary>
    /// <param name="summed">Tests only: the ballots a cheating counter sums instead of the valid ones.</param>
    public static CounterReport Report(int party, int m, ReconciledPool pool, IReadOnlyList<CounterBallot> rows, bool[] valid, bool[]? summed = null)
    {
        bool[] counted = summed ?? valid;
        ColumnReport Column(Func<CounterBallot, ShareColumn> pick, int column)
        {
            (ulong[] sums, BigInteger r) = Sum(rows.Where((_, b) => counted[b]).Select(pick), m);
            return new ColumnReport(column, CopyDigest(column, rows.Select(pick)), sums, r);
        }

        return new CounterReport(party, PoolDigest(pool), ValidityDigest(valid), CommitmentsDigest(rows),
            [Column(b => b.Own, party), Column(b => b.Previous, (party + 2) % 3)]);
    }

    /// <summary>
    /// Step 4 at counter <paramref name="me"/>: checks the three reports against its own pool, validity bits and the
    /// voters' commitments it holds, names every counter whose report does not verify, and computes the tally from
    /// verified column sums. With at most one cheating counter the two honest counters reach the same outcome.
    /// </summary>
    public static TallyOutcome Judge(int me, int m, ReconciledPool pool, IReadOnlyList<CounterBallot> rows, bool[] valid, IReadOnlyList<CounterReport> reports)
    {
        var named = new List<Accusation>();
        var notes = new List<string>();
        CounterReport mine = Report(me, m, pool, rows, valid);
        if (reports.Count != 3)
        {
            throw new ArgumentException("Three reports, counter 0's first.", nameof(reports));
        }

        for (int p = 0; p < 3; p++)
        {
            CounterReport r = reports[p];
            if (r.Party != p)
            {
                named.Add(new Accusation(p, $"its report claims to be counter {r.Party}'s"));
            }

            if (r.PoolDigest != mine.PoolDigest || r.ValidityDigest != mine.ValidityDigest)
            {
                notes.Add($"counter {p} reports another pool or other validity bits than counter {me}: the count stops (a counter deviated in the history exchange or inside the semi-honest validity check; who cannot be told)");
            }
        }

        if (notes.Count > 0)
        {
            return new TallyOutcome(me, null, 0, named, notes);
        }

        // The product of the commitments of each column over the counted ballots, from this counter's own copy of the
        // commitments (identical at every honest counter: the pool requires the same commitment digest at all three).
        var products = new BigInteger[3];
        for (int j = 0; j < 3; j++)
        {
            BigInteger acc = BigInteger.One;
            for (int b = 0; b < rows.Count; b++)
            {
                if (valid[b])
                {
                    ShareCommitment.TryParse(rows[b].Commitments[j], out BigInteger c);
                    acc = acc * c % ShareCommitment.P;
                }
            }

            products[j] = acc;
        }

        var verified = new ulong[3][];
        for (int p = 0; p < 3; p++)
        {
            CounterReport r = reports[p];
            if (r.CommitmentsDigest != mine.CommitmentsDigest)
            {
                named.Add(new Accusation(p, "the voters' commitments it reports holding differ from the ones the other counters hold for the agreed pool"));
            }

            int[] expected = [p, (p + 2) % 3];
            if (r.Columns.Length != 2 || r.Columns[0].Column != expected[0] || r.Columns[1].Column != expected[1])
            {
                named.Add(new Accusation(p, $"it did not report exactly its share columns {expected[0]} and {expected[1]}"));
                continue;
            }

            foreach (ColumnReport c in r.Columns)
            {
                if (c.Sums.Length != m || !ShareCommitment.OpensProduct(ShareCommitment.Pack(c.Sums), c.NonceSum, [products[c.Column]]))
                {
                    named.Add(new Accusation(p, $"its partial sum of share column {c.Column} does not open the voters' commitments to that column over the {valid.Count(v => v)} counted ballots (it altered, dropped or added shares, or misreported the sum)"));
                    continue;
                }

                verified[c.Column] ??= c.Sums;
                ColumnReport? myCopy = mine.Columns.FirstOrDefault(x => x.Column == c.Column);
                if (p != me && myCopy is not null && myCopy.CopyDigest != c.CopyDigest)
                {
                    notes.Add($"counter {p}'s copy of share column {c.Column} differs from counter {me}'s although its sum verifies (the tally is unaffected; only counter {me} can see this, so nobody is named for it)");
                }
            }
        }

        if (verified.Any(v => v is null))
        {
            notes.Add("no verified sum for some share column: the count stops");
            return new TallyOutcome(me, null, 0, named, notes);
        }

        var tally = new uint[m];
        for (int k = 0; k < m; k++)
        {
            tally[k] = unchecked((uint)(verified[0]![k] + verified[1]![k] + verified[2]![k]));
        }

        int counted = valid.Count(v => v);
        if (tally.Aggregate(0L, (a, t) => a + t) != counted)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"the totals add up to {tally.Aggregate(0L, (a, t) => a + t)}, not to the {counted} valid ballots"));
        }

        return new TallyOutcome(me, tally, counted, named, notes);
    }
}
