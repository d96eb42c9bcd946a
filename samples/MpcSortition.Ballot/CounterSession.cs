using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>A count that cannot go on: a stable code and a message for the operator.</summary>
internal sealed class CountException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>One counter's result of the count.</summary>
internal sealed record CounterResult(ReconciledPool Pool, bool[] Valid, CounterReport[] Reports, TallyOutcome Outcome, IReadOnlyList<CounterBallot> Rows);

/// <summary>
/// One counter's part of the count over a transport to the two peers (mutual TLS between processes, or in memory in
/// tests): (1) exchange histories (public metadata) and reconcile; (2) the validity bits under MPC; (3) exchange the
/// reports; (4) judge. Every message is length-prefixed JSON; nothing secret is sent but the MPC's own messages.
/// </summary>
internal static class CounterSession
{
    public const int MaxMessageBytes = 256 << 20;

    public static async Task<CounterResult> RunAsync(ITransport transport, int me, BallotRound round, IReadOnlyList<CounterBallot> mine, Cheat? cheat = null, CancellationToken ct = default)
    {
        // 1. Histories.
        byte[] history = JsonSerializer.SerializeToUtf8Bytes(new
        {
            party = me,
            roundHash = round.Hash,
            entries = mine.OrderBy(b => b.Sequence).Select(b => new object[] { b.CodeHash, b.SubmissionId, b.CommitDigest, b.Sequence }),
        });
        byte[][] histories = await ExchangeAsync(transport, me, history, ct);
        var lists = new IReadOnlyList<HistoryEntry>[3];
        for (int q = 0; q < 3; q++)
        {
            lists[q] = ParseHistory(histories[q], q, round);
        }

        ReconciledPool pool = BallotCount.Pool(lists);
        CounterBallot[] rows = BallotCount.PoolRows(me, pool, mine);

        // 2. Validity under MPC.
        SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(transport, ct);
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

            byte[][] received = await ExchangeAsync(transport, me, ReportJson(report), ct);
            var reports = new CounterReport[3];
            for (int q = 0; q < 3; q++)
            {
                reports[q] = q == me ? report : ParseReport(received[q], q);
            }

            // 4. Judge with this counter's own data.
            TallyOutcome outcome = BallotCount.Judge(me, round.M, pool, rows, valid, reports);
            return new CounterResult(pool, valid, reports, outcome, rows);
        }
        finally
        {
            await abb.DisposeAsync();
        }
    }

    private static async Task<byte[][]> ExchangeAsync(ITransport transport, int me, byte[] mine, CancellationToken ct)
    {
        var received = new byte[3][];
        received[me] = mine;
        var tasks = new List<Task>();
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, mine.Length);
        for (int q = 0; q < 3; q++)
        {
            if (q == me)
            {
                continue;
            }

            int peer = q;
            tasks.Add(Task.Run(async () =>
            {
                await transport.SendAsync(peer, length, ct);
                await transport.SendAsync(peer, mine, ct);
            }, ct));
            tasks.Add(Task.Run(async () =>
            {
                var l = new byte[4];
                await transport.ReceiveAsync(peer, l, ct);
                int size = BinaryPrimitives.ReadInt32LittleEndian(l);
                if (size is < 2 or > MaxMessageBytes)
                {
                    throw new CountException("peer_message", $"Counter {peer} announced a message of {size} bytes; the count reads up to {MaxMessageBytes}.");
                }

                var body = new byte[size];
                await transport.ReceiveAsync(peer, body, ct);
                received[peer] = body;
            }, ct));
        }

        await Task.WhenAll(tasks);
        return received;
    }

    private static List<HistoryEntry> ParseHistory(byte[] json, int party, BallotRound round)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.GetProperty("party").GetInt32() != party || root.GetProperty("roundHash").GetString() != round.Hash)
            {
                throw new CountException("peer_round", $"Counter {party} counts another ballot round (or claims another index); the count stops.");
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
