using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>One counter's data for the count: its history (public) and its ballots (secret shares), from <c>GET /operator/export</c>.</summary>
internal sealed record CounterData(int Party, string RoundHash, IReadOnlyList<CounterBallot> Ballots)
{
    public IReadOnlyList<HistoryEntry> History => [.. Ballots.OrderBy(b => b.Sequence).Select(b => BallotCount.Entry(b.CodeHash, b.SubmissionId, b.CommitDigest, b.Sequence))];

    /// <summary>Reads a counter's export (the JSON of <c>GET /operator/export</c>).</summary>
    public static CounterData FromExport(ReadOnlySpan<byte> json)
    {
        using JsonDocument doc = JsonDocument.Parse(json.ToArray());
        JsonElement root = doc.RootElement;
        int party = root.GetProperty("party").GetInt32();
        var ballots = new List<CounterBallot>();
        foreach (JsonElement b in root.GetProperty("ballots").EnumerateArray())
        {
            ShareColumn Col(string name, int column) => new(column,
                [.. b.GetProperty(name).GetProperty("shares").EnumerateArray().Select(x => x.GetUInt32())],
                Convert.FromHexString(b.GetProperty(name).GetProperty("nonce").GetString()!));
            ballots.Add(new CounterBallot(b.GetProperty("codeHash").GetString()!, b.GetProperty("submission").GetString()!, b.GetProperty("commitDigest").GetString()!,
                b.GetProperty("sequence").GetInt64(), Col("own", party), Col("previous", (party + 2) % 3),
                [.. b.GetProperty("commitments").EnumerateArray().Select(x => x.GetString()!)]));
        }

        return new CounterData(party, root.GetProperty("roundHash").GetString()!, ballots);
    }
}

/// <summary>How a counter misbehaves in the tests (null: honest).</summary>
internal sealed record Cheat(Func<CounterBallot[], CounterBallot[]>? AlterRows = null, Func<bool[], bool[]>? AlterCounted = null, Func<CounterReport, CounterReport>? AlterReport = null);

/// <summary>
/// The whole count with the three counters' MPC in one process (demo and tests: each party uses only its own counter's
/// data and sees only what the protocol opens to it; in a deployment each counter runs its party on its own machine and
/// the reports travel over the same mutually authenticated links).
/// </summary>
internal static class CountRun
{
    public sealed record Result(ReconciledPool Pool, bool[] Valid, CounterReport[] Reports, TallyOutcome[] Outcomes, SessionCost[] Costs);

    /// <param name="round">The ballot round.</param>
    /// <param name="counters">The exports of counters 0, 1 and 2.</param>
    /// <param name="cheats">Test hook: misbehaving counters.</param>
    /// <param name="engines">The engine each counter is configured with (null: all three on <see cref="Samples.EngineSetting.Default"/>).</param>
    public static async Task<Result> RunInProcessAsync(BallotRound round, IReadOnlyList<CounterData> counters, IReadOnlyDictionary<int, Cheat>? cheats = null, IReadOnlyList<BlackBoxEngine>? engines = null)
    {
        if (counters.Count != 3 || counters.Select((c, i) => c.Party == i && c.RoundHash == round.Hash).Any(ok => !ok))
        {
            throw new ArgumentException("The exports of counters 0, 1 and 2 of this round, in that order.", nameof(counters));
        }

        ITransport[] network = InMemoryNetwork.Create(3);
        try
        {
            CounterResult[] results = await Task.WhenAll(Enumerable.Range(0, 3).Select(p =>
                Task.Run(() => CounterSession.RunAsync(network[p], p, round, counters[p].Ballots, engines?[p] ?? Samples.EngineSetting.Default, cheats?.GetValueOrDefault(p)))));
            return new Result(results[0].Pool, results[0].Valid, results[0].Reports, [.. results.Select(r => r.Outcome)], [.. results.Select(r => r.Cost)]);
        }
        finally
        {
            foreach (ITransport t in network)
            {
                await t.DisposeAsync();
            }
        }
    }
}
