using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;
using Xunit.Abstractions;

namespace MpcSortition.Ballot.Tests;

/// <summary>
/// The counters' <c>"engine"</c> setting (issue 14): the count's validity check runs on the configured black box and
/// gives the same validity bits and tally on both; counters that name different engines stop before any share is used,
/// each naming both engines (in process, and over HTTPS and mutual TLS at <c>POST /operator/count</c>, where a refused
/// count leaves the MPC port free for the next); a bad value is refused when the configuration is read, naming the field.
/// </summary>
public sealed class EngineTests(ITestOutputHelper output)
{
    private static readonly BallotRound Round = Counters.NewRound(m: 3);

    /// <summary>24 voters: 20 one-hot ballots and 4 that are not (an entry 2, two ones, none, 2^31).</summary>
    private static (CounterData[] Data, uint[] Expected, int[] Invalid) Scenario()
    {
        var random = new Random(14); // test data only
        uint[][] invalid = [[2, 0, 0], [1, 1, 0], [0, 0, 0], [1u << 31, 0, 0]];
        var ballots = new List<(BallotPart[] Parts, uint[] Vote)>();
        for (int v = 0; v < 24; v++)
        {
            int choice = random.Next(3);
            uint[] x = v >= 20 ? invalid[v - 20] : [.. Enumerable.Range(0, 3).Select(k => k == choice ? 1u : 0u)];
            ballots.Add((BallotContribution.CreateRaw(Round, InvitationCode.Generate(), x), x));
        }

        bool Valid(uint[] x) => x.All(e => e <= 1) && x.Sum(e => (long)e) == 1;
        uint[] expected = [.. Enumerable.Range(0, 3).Select(k => (uint)ballots.Where(b => Valid(b.Vote)).Sum(b => b.Vote[k]))];
        CounterData[] data = [.. Enumerable.Range(0, 3).Select(p => new CounterData(p, Round.Hash,
            [.. ballots.Select((b, seq) => new CounterBallot(InvitationCode.Hash(Round.CodeSalt, b.Parts[p].Code), b.Parts[p].SubmissionId, b.Parts[p].CommitDigest, seq, b.Parts[p].Own, b.Parts[p].Previous, b.Parts[p].Commitments))]))];
        ReconciledPool pool = BallotCount.Pool([.. data.Select(d => d.History)]);
        var byHash = ballots.ToDictionary(b => InvitationCode.Hash(Round.CodeSalt, b.Parts[0].Code), b => b.Vote);
        int[] invalidPositions = [.. pool.Rows.Select((r, i) => (r, i)).Where(t => !Valid(byHash[t.r.CodeHash])).Select(t => t.i)];
        return (data, expected, invalidPositions);
    }

    [Fact]
    public async Task BothEnginesGiveTheSameValidityBitsAndTally()
    {
        (CounterData[] data, uint[] expected, int[] invalid) = Scenario();
        Assert.Equal(4, invalid.Length);
        var bytes = new Dictionary<BlackBoxEngine, long>();
        foreach (BlackBoxEngine engine in new[] { BlackBoxEngine.Beaver, BlackBoxEngine.Replicated })
        {
            CountRun.Result r = await CountRun.RunInProcessAsync(Round, data, engines: [engine, engine, engine]);
            Assert.Equal(invalid, r.Valid.Select((v, i) => (v, i)).Where(t => !t.v).Select(t => t.i).ToArray());
            foreach (TallyOutcome o in r.Outcomes)
            {
                Assert.Equal(expected, o.Tally);
                Assert.Equal(20, o.CountedBallots);
                Assert.Empty(o.Named);
                Assert.Empty(o.Notes);
            }

            bytes[engine] = r.Costs[0].BytesSent;
            output.WriteLine($"{engine}: tally {string.Join(", ", expected)}, counter 0 sent {r.Costs[0].BytesSent} bytes in {r.Costs[0].Rounds} rounds");
        }

        // The configured engine really ran: the same check costs Beaver more bytes than the replicated engine.
        Assert.True(bytes[BlackBoxEngine.Beaver] > bytes[BlackBoxEngine.Replicated], $"Beaver {bytes[BlackBoxEngine.Beaver]} bytes, replicated {bytes[BlackBoxEngine.Replicated]}");
    }

    [Fact]
    public async Task ACounterOnAnotherEngineStopsTheCountNamingBothEngines()
    {
        (CounterData[] data, _, _) = Scenario();
        BlackBoxEngine[] engines = [BlackBoxEngine.Replicated, BlackBoxEngine.Beaver, BlackBoxEngine.Replicated];
        ITransport[] network = InMemoryNetwork.Create(3);
        try
        {
            CountException[] errors = await Task.WhenAll(Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
                await Assert.ThrowsAsync<CountException>(() => CounterSession.RunAsync(network[p], p, Round, data[p].Ballots, engines[p])))));
            output.WriteLine(string.Join("\n", errors.Select(e => e.Message)));
            Assert.All(errors, e => Assert.Equal("peer_engine", e.Code));
            Assert.Equal("Counter 1 runs the beaver engine, this counter the replicated engine: all three counters must set the same \"engine\" in their configuration (leaving it out means replicated). The count stops before any share is used.", errors[0].Message);
            Assert.StartsWith("Counter 1 runs the beaver engine, this counter the replicated engine", errors[2].Message);
            Assert.StartsWith("Counter 0 runs the replicated engine, this counter the beaver engine", errors[1].Message);
        }
        finally
        {
            foreach (ITransport t in network)
            {
                await t.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task OverTlsARefusedCountNamesBothEnginesAndCanBeAskedAgain()
    {
        await using Counters c = await Counters.StartAsync(Round, codes: 4, engines: [BlackBoxEngine.Beaver, BlackBoxEngine.Replicated, BlackBoxEngine.Replicated]);
        foreach (string code in c.Codes)
        {
            Assert.Equal(new[] { 201, 201, 201 }, await c.CastAsync(BallotContribution.Create(c.Round, code, 1)));
        }

        for (int p = 0; p < 3; p++)
        {
            (await c.Operators[p].PostAsync("/operator/close", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }

        for (int attempt = 1; attempt <= 2; attempt++)
        {
            (HttpStatusCode Status, string Code, string Message)[] answers = await Task.WhenAll(c.Operators.Select(async op =>
            {
                using HttpResponseMessage r = await op.PostAsync("/operator/count", new StringContent("{}", Encoding.UTF8, "application/json"));
                using JsonDocument d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                JsonElement e = d.RootElement.GetProperty("error");
                return (r.StatusCode, e.GetProperty("code").GetString()!, e.GetProperty("message").GetString()!);
            }));
            output.WriteLine($"attempt {attempt}:\n" + string.Join("\n", answers.Select(a => a.Message)));
            Assert.All(answers, a => Assert.Equal((HttpStatusCode.Conflict, "peer_engine"), (a.Status, a.Code)));
            Assert.Matches("^Counter [12] runs the replicated engine, this counter the beaver engine", answers[0].Message);
            Assert.StartsWith("Counter 0 runs the beaver engine, this counter the replicated engine", answers[1].Message);
            Assert.StartsWith("Counter 0 runs the beaver engine, this counter the replicated engine", answers[2].Message);
        }

        Assert.All(Enumerable.Range(0, 3), p => Assert.False(File.Exists(Path.Combine(c.Directory, $"counter-{p}", "count-result.json"))));
    }

    [Fact]
    public void TheConfigReadsTheEngineAndRefusesABadValueNamingTheField()
    {
        string dir = Directory.CreateTempSubdirectory("ballot-engine-config-").FullName;
        try
        {
            Round.Save(Path.Combine(dir, "round.json"));
            using X509Certificate2 cert = TlsCertificates.CreateSelfSigned("engine-config-test", TimeSpan.FromHours(1));
            File.WriteAllBytes(Path.Combine(dir, "counter-0.pfx"), cert.Export(X509ContentType.Pfx));
            File.WriteAllText(Path.Combine(dir, "code-hashes.txt"), new string('a', 64) + "\n");
            string config = Path.Combine(dir, "counter-0.json");
            string Write(string engine)
            {
                File.WriteAllText(config, $"{{\"party\":0,\"round\":\"round.json\",\"listen\":[\"https://127.0.0.1:7443\"],\"certificate\":\"counter-0.pfx\",\"database\":\"data/ballots.db\",\"voterCodes\":\"code-hashes.txt\",\"operatorTokenSha256\":\"{Convert.ToHexStringLower(SHA256.HashData([1]))}\"{engine}}}");
                return config;
            }

            // The reader is the provider's too (samples/Shared/EngineSetting.cs; its cases are tested there): here, that the
            // counter's configuration goes through it.
            Assert.Equal(BlackBoxEngine.Replicated, BallotConfig.Load(Write("")).Engine); // the library's default
            Assert.Equal(BlackBoxEngine.Beaver, BallotConfig.Load(Write(",\"engine\":\"beaver\"")).Engine);
            Assert.Equal($"{config}: \"engine\" must be \"beaver\" or \"replicated\" (got 'beavr'); leave it out for the default, replicated.",
                Assert.Throws<BallotFileException>(() => BallotConfig.Load(Write(",\"engine\":\"beavr\""))).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
