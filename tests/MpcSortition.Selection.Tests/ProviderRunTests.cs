using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>The peers' agreement and one provider run, three parties in one process over the in-memory network.</summary>
public sealed class ProviderRunTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Three_providers_with_a_committed_public_seed_return_the_reference_panel_at_the_analyser_only()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        byte[] seed = RandomTape.SeedFromString("provider-run");
        RoundDefinition round = ProviderTestData.Round(problem, seed);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed, 20);

        ProviderRunResult[] results = await RunAsync(round, problem, _ => new ProviderRunOptions { MaxAttempts = 20, PublicSeed = seed });

        Assert.Equal(reference.Attempts, results[0].Attempts);
        Assert.Equal(reference.Panel.Order(), results[0].Panel);
        Assert.Equal(reference.Panel.Order().Select(i => problem.Candidates[i].Id), results[0].PanelIds);
        Assert.True(problem.IsValidPanel(results[0].Panel!.ToArray()));
        Assert.All(results.Skip(1), r => Assert.False(r.HasPanel));
        Assert.All(results.Skip(1), r => Assert.Null(r.PanelIds));

        // The composition stays closed unless asked for.
        Assert.All(results, r => Assert.Null(r.Composition));
        Assert.False(results[0].Quotas.HasSelected);

        // A public tape has no contributions or commitments.
        Assert.All(results, r => Assert.Null(r.TapeContribution));
        Assert.All(results, r => Assert.Null(r.TapeCommitments));
        Assert.True(results[0].Cost.Rounds > 0);

        var csv = new StringWriter();
        results[0].WritePanelCsv(csv);
        Assert.Equal(["id,pool_index", .. reference.Panel.Order().Select(i => $"c{i},{i}")], csv.ToString().TrimEnd('\n').Split('\n'));
        Assert.Throws<InvalidOperationException>(() => results[1].WritePanelCsv(new StringWriter()));
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver)]
    [InlineData(BlackBoxEngine.Replicated)]
    public async Task Both_engines_return_the_reference_panel_and_the_replicated_one_sends_less(BlackBoxEngine engine)
    {
        SelectionProblem problem = ProviderTestData.Problem();
        byte[] seed = RandomTape.SeedFromString("provider-engine");
        RoundDefinition round = ProviderTestData.Round(problem, seed);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed, 20);

        ProviderRunResult[] results = await RunAsync(round, problem, _ => new ProviderRunOptions { MaxAttempts = 20, PublicSeed = seed, Engine = engine });
        ProviderRunResult[] other = await RunAsync(round, problem, _ => new ProviderRunOptions
        {
            MaxAttempts = 20,
            PublicSeed = seed,
            Engine = engine == BlackBoxEngine.Beaver ? BlackBoxEngine.Replicated : BlackBoxEngine.Beaver,
        });

        Assert.Equal(reference.Panel.Order(), results[0].Panel);
        Assert.Equal(reference.Attempts, results[0].Attempts);
        Assert.Equal(results[0].Panel, other[0].Panel);
        (ProviderRunResult replicated, ProviderRunResult beaver) = engine == BlackBoxEngine.Replicated ? (results[0], other[0]) : (other[0], results[0]);
        // At most one more round per attempt on the replicated engine: the pool's masked re-sharing (docs/secure-selection.md).
        Assert.True(replicated.Cost.Rounds <= beaver.Cost.Rounds + replicated.Attempts, $"replicated {replicated.Cost.Rounds} rounds, Beaver {beaver.Cost.Rounds}");
        long mine = results.Sum(r => r.Cost.BytesSent), theirs = other.Sum(r => r.Cost.BytesSent);
        Assert.True(engine == BlackBoxEngine.Replicated ? mine < theirs : mine > theirs, $"{engine}: {mine} bytes, the other engine {theirs}");
    }

    [Fact]
    public async Task With_joint_randomness_the_composition_when_asked_and_the_commitments_open()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        RoundDefinition round = ProviderTestData.Round(problem);
        var progress = new List<ProviderProgress>[3];
        ProviderRunResult[] results = await RunAsync(round, problem, p =>
        {
            progress[p] = [];
            List<ProviderProgress> mine = progress[p];
            return new ProviderRunOptions { MaxAttempts = 50, RevealComposition = true, Progress = new Collect(mine) };
        });

        int[] panel = results[0].Panel!.ToArray();
        Assert.True(problem.IsValidPanel(panel));
        Assert.Equal(problem.CountByValue(panel), results[0].Composition);
        Assert.True(results[0].Quotas.AllMet);
        Assert.Null(results[1].Composition);

        for (int p = 0; p < 3; p++)
        {
            byte[] contribution = results[p].TapeContribution!.Value.ToArray();
            Assert.Equal(16, contribution.Length);
            byte[] commitment = ContributionTape.Commit(Convert.FromHexString(round.RoundId), p, contribution);
            Assert.All(results, r => Assert.Equal(commitment, r.TapeCommitments![p].ToArray()));
            Assert.Equal(ProviderStage.Agreed, progress[p][0].Stage);
            // Every attempt that started is reported: with batches of m, the whole batch of the first success.
            int m = ProviderAgreement.ParallelAttempts(round, new ProviderRunOptions { MaxAttempts = 50 });
            int started = Math.Min((((results[p].Attempts - 1) / m) + 1) * m, 50);
            Assert.Equal(Enumerable.Range(1, started), progress[p].Skip(1).Select(x => x.Attempt));
        }
    }

    [Theory]
    [InlineData("round")]
    [InlineData("attempts")]
    [InlineData("strategy")]
    [InlineData("composition")]
    [InlineData("tape")]
    [InlineData("engine")]
    public async Task The_agreement_refuses_a_peer_with_another_round_or_other_settings(string difference)
    {
        SelectionProblem problem = ProviderTestData.Problem();
        byte[] seed = RandomTape.SeedFromString("agree");
        RoundDefinition round = ProviderTestData.Round(problem, seed);
        RoundDefinition other = difference == "round" ? ProviderTestData.Round(problem, seed) : round;
        ProviderRunOptions Options(int p) => p < 2 ? new ProviderRunOptions() : difference switch
        {
            "attempts" => new ProviderRunOptions { MaxAttempts = 50 },
            "strategy" => new ProviderRunOptions { Strategy = new SecureLegacyGreedy(clamped: true) },
            "composition" => new ProviderRunOptions { RevealComposition = true },
            "engine" => new ProviderRunOptions { Engine = BlackBoxEngine.Beaver },
            _ => new ProviderRunOptions(),
        };
        ReadOnlyMemory<byte> Commitment(int p) => difference == "tape" && p == 2 ? ReadOnlyMemory<byte>.Empty : new byte[32];

        ITransport[] transports = InMemoryNetwork.Create(3, Bound);
        Task<IReadOnlyList<ReadOnlyMemory<byte>>>[] runs = transports
            .Select(t => Task.Run(() => ProviderAgreement.AgreeAsync(t, t.PartyIndex == 2 ? other : round, Options(t.PartyIndex), Commitment(t.PartyIndex))))
            .ToArray();
        Exception?[] failures = new Exception?[3];
        for (int p = 0; p < 3; p++)
        {
            failures[p] = await Record.ExceptionAsync(() => runs[p]);
        }

        foreach (ITransport t in transports)
        {
            await t.DisposeAsync();
        }

        // Every provider sees the odd one out: parties 0 and 1 name party 2, party 2 names party 0 first.
        for (int p = 0; p < 3; p++)
        {
            ProviderMismatchException e = Assert.IsType<ProviderMismatchException>(failures[p]);
            Assert.Equal(p == 2 ? 0 : 2, e.Peer);
            Assert.Contains("runs another session", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_run_refuses_a_peer_with_other_settings_before_any_secret_is_used()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        RoundDefinition round = ProviderTestData.Round(problem);
        uint[][] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values));
        ITransport[] transports = InMemoryNetwork.Create(3, Bound);
        Task<ProviderRunResult>[] runs = transports
            .Select(t => Task.Run(() => ProviderRun.RunAsync(t, round, shares[t.PartyIndex], new ProviderRunOptions { MaxAttempts = t.PartyIndex == 1 ? 7 : 8 })))
            .ToArray();
        for (int p = 0; p < 3; p++)
        {
            Exception? e = await Record.ExceptionAsync(() => runs[p]);
            Assert.True(e is ProviderMismatchException or PeerException, $"party {p}: {e}");
        }

        Assert.Contains(runs, r => r.Exception?.InnerException is ProviderMismatchException);
    }

    [Fact]
    public async Task A_run_checks_its_arguments_and_the_seed_commitment_before_connecting()
    {
        RoundDefinition round = ProviderTestData.Round(testSeed: RandomTape.SeedFromString("committed"));
        ITransport[] transports = InMemoryNetwork.Create(3, Bound);
        await Assert.ThrowsAsync<ArgumentException>(() => ProviderRun.RunAsync(transports[0], round, new uint[3]));
        ProviderFileException e = await Assert.ThrowsAsync<ProviderFileException>(() => ProviderRun.RunAsync(
            transports[1], round, new uint[round.CandidateIds.Count * round.ValueCount], new ProviderRunOptions { PublicSeed = RandomTape.SeedFromString("another") }));
        Assert.Equal(ProviderFileProblem.SeedCommitmentMismatch, e.Problem);
        await transports[2].DisposeAsync();
    }

    private static async Task<ProviderRunResult[]> RunAsync(RoundDefinition round, SelectionProblem problem, Func<int, ProviderRunOptions> options)
    {
        uint[][] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values));

        // Each provider holds only its own file: write and read it back as a provider would.
        ITransport[] transports = InMemoryNetwork.Create(3, Bound);
        Task<ProviderRunResult>[] runs = transports.Select(t =>
        {
            int p = t.PartyIndex;
            RoundDefinition own = ProviderTestData.Load(ProviderTestData.Save(round));
            uint[] mine = ProviderTestData.ReadShares(ProviderTestData.WriteShares(round, p, shares[p]), own, p);
            ProviderRunOptions o = options(p);
            return Task.Run(() => ProviderRun.RunAsync(t, own, mine, o));
        }).ToArray();
        return await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(5));
    }

    private sealed class Collect(List<ProviderProgress> list) : IProgress<ProviderProgress>
    {
        public void Report(ProviderProgress value) => list.Add(value);
    }
}
