using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot.Tests;

/// <summary>
/// The count at three in-process counters (no HTTP): validity under MPC, the tally from commitment-checked partial sums,
/// and a cheating counter named by the two honest ones — for each of the three counters as the cheater.
/// </summary>
public sealed class CountTests
{
    private static readonly BallotRound Round = Counters.NewRound(m: 3);

    /// <summary>40 voters: 34 valid last ballots, 4 re-votes before them, and 6 last ballots that are not one-hot.</summary>
    private static (CounterData[] Data, uint[] Expected, int Valid, int[] InvalidPositions) Scenario()
    {
        var parts = new List<BallotPart[]>();
        var last = new Dictionary<string, uint[]>();
        var random = new Random(16); // test data only
        uint[][] invalid = [[5, 0, 0], [1, 1, 0], [0, 0, 0], [1u << 31, 0, 0], [uint.MaxValue, 2, 0], [1, 1, 1]];
        for (int v = 0; v < 40; v++)
        {
            string code = InvitationCode.Generate();
            if (v < 4)
            {
                parts.Add(BallotContribution.Create(Round, code, random.Next(3))); // superseded below
            }

            uint[] x = v >= 34 ? invalid[v - 34] : OneHot(random.Next(3));
            parts.Add(BallotContribution.CreateRaw(Round, code, x));
            last[InvitationCode.Hash(Round.CodeSalt, code)] = x;
        }

        var expected = new uint[3];
        int valid = 0;
        foreach (uint[] x in last.Values.Where(x => x.All(e => e <= 1) && x.Sum(e => (long)e) == 1))
        {
            valid++;
            for (int k = 0; k < 3; k++)
            {
                expected[k] += x[k];
            }
        }

        CounterData[] data = [.. Enumerable.Range(0, 3).Select(p => new CounterData(p, Round.Hash,
            [.. parts.Select((b, seq) => new CounterBallot(InvitationCode.Hash(Round.CodeSalt, b[p].Code), b[p].SubmissionId, b[p].CommitDigest, seq, b[p].Own, b[p].Previous, b[p].Commitments))]))];
        ReconciledPool pool = BallotCount.Pool([.. data.Select(d => d.History)]);
        int[] invalidPositions = [.. pool.Rows.Select((r, i) => (r, i)).Where(t => !(last[t.r.CodeHash].All(e => e <= 1) && last[t.r.CodeHash].Sum(e => (long)e) == 1)).Select(t => t.i)];
        return (data, expected, valid, invalidPositions);
    }

    private static uint[] OneHot(int k)
    {
        var x = new uint[3];
        x[k] = 1;
        return x;
    }

    [Fact]
    public async Task HonestRunTalliesTheLastValidBallotsAndNamesNobody()
    {
        (CounterData[] data, uint[] expected, int valid, int[] invalid) = Scenario();
        CountRun.Result r = await CountRun.RunInProcessAsync(Round, data);
        Assert.Equal(40, r.Pool.Rows.Count);
        Assert.Equal(4, r.Pool.SupersededRows);
        Assert.Equal(invalid, r.Valid.Select((v, i) => (v, i)).Where(t => !t.v).Select(t => t.i).ToArray());
        foreach (TallyOutcome o in r.Outcomes)
        {
            Assert.Empty(o.Named);
            Assert.Empty(o.Notes);
            Assert.Equal(expected, o.Tally);
            Assert.Equal(valid, o.CountedBallots);
        }
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver)]
    [InlineData(BlackBoxEngine.Replicated)]
    public async Task ValidityCheckOpensOnlyOneBitPerBallotToEveryCounter(BlackBoxEngine engine)
    {
        (CounterData[] data, _, _, int[] invalid) = Scenario();
        ReconciledPool pool = BallotCount.Pool([.. data.Select(d => d.History)]);
        var results = await InProcessParties.RunAsync(async abb =>
        {
            CounterBallot[] rows = BallotCount.PoolRows(abb.PartyIndex, pool, data[abb.PartyIndex].Ballots);
            bool[] valid = await BallotCount.ValidityAsync(abb, rows, Round.M);
            return (valid, abb.Audit.Entries.ToArray());
        }, new InProcessOptions { Engine = engine });
        string[] masked = [SemiHonestBlackBox.BeaverOpenLabel, SemiHonestBlackBox.AndOpenLabel];
        foreach ((bool[] valid, AuditEntry[] audit) in results)
        {
            Assert.Equal(invalid, valid.Select((v, i) => (v, i)).Where(t => !t.v).Select(t => t.i).ToArray());
            AuditEntry bits = Assert.Single(audit, e => e.Label == IntakeChecks.ValidityLabel);
            Assert.Equal(pool.Rows.Count, bits.Length);
            Assert.Null(bits.Recipient);
            Assert.All(audit, e => Assert.True(e.Label == IntakeChecks.ValidityLabel || masked.Contains(e.Label), $"unexpected opening '{e.Label}'"));
        }
    }

    private static async Task AssertNamed(int cheater, Func<int[], Cheat> makeCheat, string because)
    {
        (CounterData[] data, uint[] expected, _, int[] invalid) = Scenario();
        CountRun.Result r = await CountRun.RunInProcessAsync(Round, data, new Dictionary<int, Cheat> { [cheater] = makeCheat(invalid) });
        foreach (TallyOutcome o in r.Outcomes.Where(o => o.Judge != cheater))
        {
            Assert.Equal([cheater], o.NamedParties);
            Assert.Contains(o.Named, a => a.Reason.Contains(because, StringComparison.Ordinal));
            Assert.Equal(expected, o.Tally); // the honest co-holder's verified sums still give the right totals
        }
    }

    private static int FirstValid(CounterBallot[] rows, int[] invalid) => Enumerable.Range(0, rows.Length).First(i => !invalid.Contains(i));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CounterThatAddsFiveToOneOptionIsNamed(int cheater)
    {
        await AssertNamed(cheater, invalid => new Cheat(AlterRows: rows =>
        {
            int b = FirstValid(rows, invalid);
            uint[] s = (uint[])rows[b].Own.Shares.Clone();
            s[1] += 5;
            CounterBallot[] copy = (CounterBallot[])rows.Clone();
            copy[b] = rows[b] with { Own = rows[b].Own with { Shares = s } };
            return copy;
        }), $"share column {cheater} does not open");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CounterThatDropsABallotIsNamed(int cheater)
    {
        await AssertNamed(cheater, invalid => new Cheat(AlterCounted: counted =>
        {
            counted[Enumerable.Range(0, counted.Length).First(i => !invalid.Contains(i))] = false;
            return counted;
        }), "does not open the voters' commitments");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CounterThatAddsTheSharesOfAnExcludedBallotIsNamed(int cheater)
    {
        await AssertNamed(cheater, invalid => new Cheat(AlterCounted: counted =>
        {
            counted[invalid[0]] = true;
            return counted;
        }), "does not open the voters' commitments");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CounterThatMisreportsAPartialSumIsNamed(int cheater)
    {
        await AssertNamed(cheater, _ => new Cheat(AlterReport: report =>
        {
            ulong[] sums = (ulong[])report.Columns[1].Sums.Clone();
            sums[0] += 1;
            return report with { Columns = [report.Columns[0], report.Columns[1] with { Sums = sums }] };
        }), $"share column {(cheater + 2) % 3} does not open");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task CounterThatReportsOtherCommitmentsIsNamed(int cheater)
    {
        await AssertNamed(cheater, _ => new Cheat(AlterReport: report => report with { CommitmentsDigest = new string('0', 64) }), "commitments it reports holding differ");
    }

    [Fact]
    public async Task SumPreservingAlterationIsSeenByTheCoHolderAndCannotChangeTheTally()
    {
        (CounterData[] data, uint[] expected, _, int[] invalid) = Scenario();
        const int cheater = 1;
        var cheat = new Cheat(AlterRows: rows =>
        {
            int[] valid = [.. Enumerable.Range(0, rows.Length).Where(i => !invalid.Contains(i)).Take(2)];
            CounterBallot[] copy = (CounterBallot[])rows.Clone();
            uint[] a = (uint[])rows[valid[0]].Own.Shares.Clone(), b = (uint[])rows[valid[1]].Own.Shares.Clone();
            a[0] += 5;
            b[0] -= 5;
            copy[valid[0]] = rows[valid[0]] with { Own = rows[valid[0]].Own with { Shares = a } };
            copy[valid[1]] = rows[valid[1]] with { Own = rows[valid[1]].Own with { Shares = b } };
            return copy;
        });
        CountRun.Result r = await CountRun.RunInProcessAsync(Round, data, new Dictionary<int, Cheat> { [cheater] = cheat });
        TallyOutcome coHolder = r.Outcomes[2]; // column 1 is held by counters 1 and 2
        Assert.Contains(coHolder.Notes, n => n.Contains("counter 1's copy of share column 1 differs", StringComparison.Ordinal));
        Assert.Empty(r.Outcomes[0].Notes);
        Assert.All(r.Outcomes.Where(o => o.Judge != cheater), o => Assert.Equal(expected, o.Tally));
    }

    [Fact]
    public async Task ValidityBitsThatDifferStopTheCountWithoutNamingAnyone()
    {
        (CounterData[] data, _, _, _) = Scenario();
        CountRun.Result r = await CountRun.RunInProcessAsync(Round, data, new Dictionary<int, Cheat> { [0] = new Cheat(AlterReport: rep => rep with { ValidityDigest = new string('1', 64) }) });
        foreach (TallyOutcome o in r.Outcomes.Where(o => o.Judge != 0))
        {
            Assert.Null(o.Tally);
            Assert.Empty(o.Named);
            Assert.Contains(o.Notes, n => n.Contains("the count stops", StringComparison.Ordinal));
        }
    }
}
