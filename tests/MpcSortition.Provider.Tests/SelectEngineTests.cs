using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;
using Xunit.Abstractions;
using static MpcSortition.Provider.Tests.SelectFailureTests;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// The provider service's <c>"engine"</c> setting (issue 14): <c>POST /operator/select</c> (the intake check, the
/// selection and the contact opening) runs on the configured black box and gives the plaintext reference's panel on
/// both; three providers that name different engines are refused before any secret is used, each naming both
/// engines; a bad value is refused when the configuration is read, naming the field. Three in-process services with
/// real mutual-TLS MPC links.
/// </summary>
public sealed class SelectEngineTests(ITestOutputHelper output)
{
    /// <summary>16 volunteers and 2 hand-crafted malformed rows (an entry 2; two answers to one question).</summary>
    private static (SignupRound Round, byte[] Seed, Submission[][] Pool, string[] Codes, int[][] Answers, string[] Malformed) Scenario()
    {
        byte[] id = RandomNumberGenerator.GetBytes(16), seed = RandomNumberGenerator.GetBytes(16);
        SignupRound round = TestRounds.Small(TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)), id, RoundDefinition.CommitSeed(id, seed));
        string[] codes = [.. Enumerable.Range(0, 18).Select(_ => InvitationCode.Generate())];
        int[][] answers = [.. Enumerable.Range(0, 18).Select(i => new[] { i % 2, (i / 2) % 3, (i / 3) % 2 })];
        var pool = new Submission[18][];
        for (int i = 0; i < 18; i++)
        {
            pool[i] = IntakeContribution.Create(round, codes[i], answers[i], [$"P{i}", $"p{i}@example.org"]);
        }

        pool[16][0] = Add(pool[16][0], answers[16][0], 1); // the chosen gender entry becomes 2
        pool[17][1] = Add(pool[17][1], 1 - answers[17][0], 1); // both genders answered
        return (round, seed, pool, codes, answers, [InvitationCode.Hash(round.CodeSalt, codes[16]), InvitationCode.Hash(round.CodeSalt, codes[17])]);
    }

    private static Submission Add(Submission s, int entry, uint add)
    {
        uint[] row = s.Row.ToArray();
        row[entry] += add;
        return new Submission(s.RoundId, s.Party, s.Code, s.SubmissionId, row, s.Contact);
    }

    [Fact]
    public async Task BothEnginesSelectThePlaintextReferencesPanelAndSayWhichRan()
    {
        (SignupRound round, byte[] seed, Submission[][] pool, string[] codes, int[][] answers, string[] malformed) = Scenario();

        // The plaintext reference on the well-formed rows, in pool order (by code hash).
        string[] hashes = [.. codes.Take(16).Select(c => InvitationCode.Hash(round.CodeSalt, c)).Order(StringComparer.Ordinal)];
        var byHash = Enumerable.Range(0, 16).ToDictionary(i => InvitationCode.Hash(round.CodeSalt, codes[i]), i => i);
        var problem = new SelectionProblem(round.ToFeatures(), hashes.Select(h => new Candidate(h, answers[byHash[h]].Select((a, f) => round.Features[f].Values[a].Name))), round.PanelSize);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);
        string[] expected = [.. reference.Panel.Select(i => hashes[i]).Order(StringComparer.Ordinal)];

        var bytes = new Dictionary<BlackBoxEngine, long>();
        foreach (BlackBoxEngine engine in new[] { BlackBoxEngine.Beaver, BlackBoxEngine.Replicated })
        {
            string dir = Directory.CreateTempSubdirectory($"intake-engine-{engine}-").FullName;
            SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(20), pool, engines: [engine, engine, engine]);
            try
            {
                string body = $"{{\"testSeed\":\"{Convert.ToHexStringLower(seed)}\"}}";
                HttpResponseMessage[] answered = await Task.WhenAll(providers.Select(p => Select(p, body)));
                var results = new JsonElement[3];
                for (int p = 0; p < 3; p++)
                {
                    string text = await answered[p].Content.ReadAsStringAsync();
                    Assert.True(answered[p].StatusCode == HttpStatusCode.OK, $"{engine}, provider {p}: {(int)answered[p].StatusCode} {text}");
                    results[p] = JsonDocument.Parse(text).RootElement.Clone();
                    Assert.Equal(engine == BlackBoxEngine.Beaver ? "beaver" : "replicated", results[p].GetProperty("engine").GetString());
                    Assert.Equal(malformed.Order(StringComparer.Ordinal), results[p].GetProperty("excluded").GetProperty("codeHashes").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
                    Assert.Equal(16, results[p].GetProperty("candidates").GetInt32());
                }

                JsonElement[] panel = [.. results[0].GetProperty("panel").EnumerateArray()];
                Assert.Equal(expected, panel.Select(m => m.GetProperty("codeHash").GetString()!).Order(StringComparer.Ordinal));
                Assert.All(panel, m => Assert.Equal($"P{byHash[m.GetProperty("codeHash").GetString()!]}", m.GetProperty("name").GetString()));
                Assert.Equal(reference.Attempts, results[0].GetProperty("attempts").GetInt32());
                bytes[engine] = results[0].GetProperty("traffic").GetProperty("bytesSent").GetInt64();
                output.WriteLine($"{engine}: panel {string.Join(", ", expected.Select(h => h[..8]))}, {bytes[engine]} bytes sent by provider 0, {results[0].GetProperty("seconds")}");
            }
            finally
            {
                foreach (SelectFailureTests.Provider p in providers)
                {
                    await p.DisposeAsync();
                }

                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dir, true);
            }
        }

        // The configured engine really ran: the same computation costs Beaver more bytes than the replicated engine.
        Assert.True(bytes[BlackBoxEngine.Beaver] > bytes[BlackBoxEngine.Replicated], $"Beaver {bytes[BlackBoxEngine.Beaver]} bytes, replicated {bytes[BlackBoxEngine.Replicated]}");
    }

    [Fact]
    public async Task AProviderOnAnotherEngineIsRefusedNamingBothEnginesBeforeAnySecretIsUsed()
    {
        (SignupRound round, _, Submission[][] pool, _, _, _) = Scenario();
        string dir = Directory.CreateTempSubdirectory("intake-engine-mismatch-").FullName;
        SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(20), pool,
            engines: [BlackBoxEngine.Replicated, BlackBoxEngine.Replicated, BlackBoxEngine.Beaver]);
        try
        {
            var errors = await Task.WhenAll(providers.Select(async p => await Error(await Select(p))));
            output.WriteLine(string.Join("\n", errors.Select(e => e.Message)));
            Assert.All(errors, e => Assert.Equal((HttpStatusCode.Conflict, "peer_engine"), (e.Status, e.Code)));
            Assert.StartsWith("Provider 2 runs the beaver engine, this provider the replicated engine: all three providers must set the same \"engine\"", errors[0].Message);
            Assert.StartsWith("Provider 2 runs the beaver engine, this provider the replicated engine", errors[1].Message);
            Assert.Matches("^Provider [01] runs the replicated engine, this provider the beaver engine", errors[2].Message);
            Assert.All(errors, e => Assert.EndsWith("Nothing was computed.", e.Message));

            // Nothing was drawn or computed: no tape, no result, no evidence; the run number is not used up.
            for (int p = 0; p < 3; p++)
            {
                using FileStream f = File.OpenRead(Path.Combine(dir, $"p{p}", $"run-log-{round.RoundId}.jsonl"));
                RunLog log = RunLog.Read(f, Convert.FromHexString(round.RoundId));
                Assert.All(log.Runs, r => Assert.False(r.Drawn));
                Assert.Equal(1, log.NextRun);
                Assert.False(File.Exists(Path.Combine(dir, $"p{p}", "selection-result.json")));
                Assert.Empty(Directory.GetFiles(Path.Combine(dir, $"p{p}"), "evidence-*"));
            }
        }
        finally
        {
            foreach (SelectFailureTests.Provider p in providers)
            {
                await p.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheConfigReadsTheEngineAndRefusesABadValueNamingTheField()
    {
        string dir = Directory.CreateTempSubdirectory("intake-engine-config-").FullName;
        try
        {
            using (FileStream fs = File.Create(Path.Combine(dir, "round.json")))
            {
                TestRounds.Small().Save(fs);
            }

            File.WriteAllBytes(Path.Combine(dir, "p.pfx"), TestRounds.Certificates[0].Export(X509ContentType.Pkcs12));
            string config = Path.Combine(dir, "provider.json");
            string Write(string engine)
            {
                File.WriteAllText(config, $"{{\"party\":0,\"round\":\"round.json\",\"listen\":[\"https://127.0.0.1:7443\"],\"certificate\":\"p.pfx\",\"database\":\"db/intake.db\",\"operatorTokenSha256\":\"{new string('a', 64)}\"{engine}}}");
                return config;
            }

            Assert.Equal(BlackBoxEngine.Replicated, ProviderConfig.Load(Write("")).Engine); // the library's default
            Assert.Equal(BlackBoxEngine.Replicated, ProviderConfig.Load(Write(",\"engine\":null")).Engine);
            Assert.Equal(BlackBoxEngine.Beaver, ProviderConfig.Load(Write(",\"engine\":\"beaver\"")).Engine);
            Assert.Equal(BlackBoxEngine.Replicated, ProviderConfig.Load(Write(",\"engine\":\"Replicated\"")).Engine);
            ConfigException bad = Assert.Throws<ConfigException>(() => ProviderConfig.Load(Write(",\"engine\":\"fast\"")));
            Assert.Equal($"{config}: \"engine\" must be \"beaver\" or \"replicated\" (got 'fast'); leave it out for the default, replicated.", bad.Message);
            Assert.Contains("\"engine\" must be \"beaver\" or \"replicated\" (got number)", Assert.Throws<ConfigException>(() => ProviderConfig.Load(Write(",\"engine\":2"))).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
