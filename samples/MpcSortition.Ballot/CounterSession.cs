using System.Globalization;
using System.Numerics;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Samples;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>A count that cannot go on: a stable code and a message for the operator.</summary>
internal sealed class CountException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>One counter's result of the count, with what its MPC cost (rounds and bytes of the validity check).</summary>
internal sealed record CounterResult(ReconciledPool Pool, bool[] Valid, CounterReport[] Reports, TallyOutcome Outcome, IReadOnlyList<CounterBallot> Rows, SessionCost Cost);

/// <summary>
/// One counter's part of the count over a transport to the two peers (mutual TLS between processes, or in memory in
/// tests): (1) exchange histories (public metadata) and reconcile; (2) the validity bits under MPC; (3) exchange the
/// reports; (4) judge. Every message is length-prefixed JSON; nothing secret is sent but the MPC's own messages.
/// </summary>
internal static class CounterSession
{
    public const int MaxMessageBytes = 256 << 20;

    /// <param name="transport">This counter's links; the black box of the count takes it over (and disposes it).</param>
    /// <param name="me">This counter's index.</param>
    /// <param name="round">The ballot round.</param>
    /// <param name="mine">This counter's ballots.</param>
    /// <param name="engine">The black box of the validity check; the three counters must name the same (checked with the
    /// histories, before any share is used).</param>
    /// <param name="cheat">Test hook: how this counter misbehaves (null: honest).</param>
    /// <param name="ct">Cancels the count.</param>
    public static async Task<CounterResult> RunAsync(ITransport transport, int me, BallotRound round, IReadOnlyList<CounterBallot> mine, BlackBoxEngine engine, Cheat? cheat = null, CancellationToken ct = default)
    {
        // 1. Histories (with the round and the engine: public settings the three must share).
        byte[] history = JsonSerializer.SerializeToUtf8Bytes(new
        {
            party = me,
            roundHash = round.Hash,
            engine = EngineSetting.Name(engine),
            entries = mine.OrderBy(b => b.Sequence).Select(b => new object[] { b.CodeHash, b.SubmissionId, b.CommitDigest, b.Sequence }),
        });
        byte[][] histories = await ExchangeAsync(transport, history, ct);
        var lists = new IReadOnlyList<HistoryEntry>[3];
        for (int q = 0; q < 3; q++)
        {
            lists[q] = ParseHistory(histories[q], q, round, engine);
        }

        ReconciledPool pool = BallotCount.Pool(lists);
        CounterBallot[] rows = BallotCount.PoolRows(me, pool, mine);

        // 2. Validity under MPC.
        IArithmeticBlackBox abb = await BlackBoxEngines.CreateAsync(transport, engine, ct);
        try
        {
            bool[] valid = rows.Length == 0 ? [] : await BallotCount.ValidityAsync(abb, rows, round.M, ct);
            if (cheat?.AlterRows is { } alter)
            {
                rows = alter(rows);
            }

            // 3. Reports, opened to both peers.
            bool[]? summed = cheat?.AlterCounted is { } ac ? ac((bool[])valid.Clone()) : null;
            CounterReport report = BallotCount.Report(me, round.M, pool, rows, valid, summed);
            if (cheat?.AlterReport is { } ar)
            {
                report = ar(report);
            }

            byte[][] received = await ExchangeAsync(transport, ReportJson(report), ct);
            var reports = new CounterReport[3];
            for (int q = 0; q < 3; q++)
            {
                reports[q] = q == me ? report : ParseReport(received[q], q);
            }

            // 4. Judge with this counter's own data.
            TallyOutcome outcome = BallotCount.Judge(me, round.M, pool, rows, valid, reports);
            return new CounterResult(pool, valid, reports, outcome, rows, abb.Cost);
        }
        finally
        {
            await abb.DisposeAsync();
        }
    }

    private static Task<byte[][]> ExchangeAsync(ITransport transport, byte[] mine, CancellationToken ct) =>
        PeerExchange.ExchangeAsync(transport, mine, 2, MaxMessageBytes, (peer, size) =>
            new CountException("peer_message", $"Counter {peer} announced a message of {size} bytes; the count reads up to {MaxMessageBytes}."), ct);

    private static List<HistoryEntry> ParseHistory(byte[] json, int party, BallotRound round, BlackBoxEngine engine)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.GetProperty("party").GetInt32() != party || root.GetProperty("roundHash").GetString() != round.Hash)
            {
                throw new CountException("peer_round", $"Counter {party} counts another ballot round (or claims another index); the count stops.");
            }

            string? theirEngine = root.TryGetProperty("engine", out JsonElement named) ? named.GetString() : null;
            if (!BlackBoxEngines.TryParse(theirEngine, out BlackBoxEngine theirs) || theirs != engine)
            {
                throw new CountException("peer_engine", EngineSetting.Mismatch($"Counter {party}", "this counter", theirEngine, engine, "counters") + " The count stops before any share is used.");
            }

            return [.. root.GetProperty("entries").EnumerateArray().Select(e =>
                BallotCount.Entry(e[0].GetString()!, e[1].GetString()!, e[2].GetString()!, e[3].GetInt64()))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new CountException("peer_history", $"Counter {party} sent a history this counter cannot read.");
        }
    }

    private static byte[] ReportJson(CounterReport r) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        party = r.Party,
        poolDigest = r.PoolDigest,
        validityDigest = r.ValidityDigest,
        commitmentsDigest = r.CommitmentsDigest,
        columns = r.Columns.Select(c => new { column = c.Column, copyDigest = c.CopyDigest, sums = c.Sums, nonceSum = c.NonceSum.ToString(CultureInfo.InvariantCulture) }),
    });

    private static CounterReport ParseReport(byte[] json, int party)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            return new CounterReport(root.GetProperty("party").GetInt32(), root.GetProperty("poolDigest").GetString()!, root.GetProperty("validityDigest").GetString()!,
                root.GetProperty("commitmentsDigest").GetString()!,
                [.. root.GetProperty("columns").EnumerateArray().Take(2).Select(c => new ColumnReport(c.GetProperty("column").GetInt32(), c.GetProperty("copyDigest").GetString()!,
                    [.. c.GetProperty("sums").EnumerateArray().Take(BallotRound.MaxOptions).Select(s => s.GetUInt64())],
                    BigInteger.Parse(c.GetProperty("nonceSum").GetString()!.AsSpan(0, Math.Min(200, c.GetProperty("nonceSum").GetString()!.Length)), CultureInfo.InvariantCulture)))]);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // An unreadable report is a report that does not verify: the counter that sent it is named by the judge.
            return new CounterReport(party, "", "", "", []);
        }
    }
}
