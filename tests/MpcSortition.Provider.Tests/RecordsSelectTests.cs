using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MpcSortition.Core;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;
using MpcSortition.Selection.Verification;
using Xunit.Abstractions;
using static MpcSortition.Provider.Tests.SelectFailureTests;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// Design 2 in the provider service (issue 13): three in-process services with real mutual-TLS MPC links, each holding
/// its part of the tax office's records (<c>records-i.shares</c>, made with the library from a small generated town).
/// <c>POST /operator/select</c> joins the records to the checked pool by invitation code, selects on the joined rows and
/// opens the panel's contacts: the analyser's panel equals <see cref="PanelSelector"/> on the plaintext joined data with the
/// same committed test tape, the band counts reach the analyser only, and providers with different records files are
/// refused with what differs.
/// </summary>
public sealed class RecordsSelectTests(ITestOutputHelper output)
{
    private static readonly AttributeBands Income = AttributeBands.Create("income", "income band", [20_000, 45_000], [(0, 2), (0, 2), (1, 2), (0, 1)]);

    [Fact]
    public async Task TheServiceJoinsTheTaxRecordsByCodeAndSelectsTheReferencePanelWithStatisticsAtTheAnalyserOnly()
    {
        string dir = Directory.CreateTempSubdirectory("intake-records-").FullName;
        byte[] seed = Encoding.UTF8.GetBytes("design2 testtape");
        SignupRound plain = TestRounds.Small(TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)));
        var round = new SignupRound(Convert.FromHexString(plain.RoundId), plain.Title, plain.DeadlineUtc, 4, plain.Features, plain.ContactFields,
            RandomNumberGenerator.GetBytes(16), plain.SignupUrl, plain.CommitTestSeed(seed));

        // The town: 80 invited citizens; the tax office has records for the first 72; 30 sign up (citizens 0-25 and 74-77,
        // so 4 without a record), each with their letter's code, respelled as volunteers type it.
        var random = new Random(13);
        var codes = Enumerable.Range(0, 80).Select(_ => InvitationCode.Generate()).ToArray();
        uint[] incomes = codes.Select(_ => (uint)random.Next(5_000, 90_000)).ToArray();
        var csv = new StringBuilder("code,income,children\n");
        for (int i = 0; i < 72; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{codes[i]},{incomes[i]},{i % 4}\n");
        }

        TaxRecords records = TaxRecords.Parse(new StringReader(csv.ToString()), "town.csv", Convert.FromHexString(round.RoundId), round.CodeSalt);
        int[] signedUp = [.. Enumerable.Range(0, 26), .. Enumerable.Range(74, 4)];
        var answers = signedUp.ToDictionary(i => i, i => new[] { i % 2, (i / 2) % 3, (i / 3) % 2 });
        Submission[][] pool = signedUp.Select(i => IntakeContribution.Create(round, codes[i], answers[i], [$"P{i}", $"p{i}@example.org"])).ToArray();

        // The same town without citizen 71's record: another records file of the same round.
        TaxRecords other = TaxRecords.Parse(new StringReader(string.Join('\n', csv.ToString().Split('\n')[..^2]) + "\n"), "other.csv", Convert.FromHexString(round.RoundId), round.CodeSalt);
        string Shares(int p) => Path.Combine(dir, $"records-{p}.shares");
        RecordShares[] parts = records.Share();
        RecordShares[] otherParts = other.Share();
        for (int p = 0; p < 3; p++)
        {
            RecordShareFile.WriteFile(Shares(p), p == 2 ? otherParts[p] : parts[p]);
        }

        SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(10), pool,
            p => new RecordsConfig(Shares(p), RecordMatching.Code, [Income], OpenStatistics: true));
        try
        {
            // Provider 2 holds another records file: named at all three, nothing drawn.
            var refused = await Task.WhenAll(providers.Select(async p => await Error(await Select(p, Body(seed)))));
            output.WriteLine(refused[0].Message);
            Assert.All(refused, e => Assert.Equal((HttpStatusCode.Conflict, "records_mismatch"), (e.Status, e.Code)));
            Assert.Contains("Provider 2 holds a records file with 71 records, this provider one with 72", refused[0].Message);
            Assert.Contains("Provider 2 holds a records file with 71 records, this provider one with 72", refused[1].Message);
            Assert.Matches("Provider [01] holds a records file with 72 records, this provider one with 71", refused[2].Message);
            Assert.All(providers, p => Assert.False(File.Exists(Path.Combine(dir, $"p{p.Config.Party}", "selection-result.json"))));

            // The tax office's right file at provider 2: the selection runs (run 1: the refusal drew nothing).
            RecordShareFile.WriteFile(Shares(2), parts[2]);
            HttpResponseMessage[] answered = await Task.WhenAll(providers.Select(p => Select(p, Body(seed))));
            var results = new JsonElement[3];
            for (int p = 0; p < 3; p++)
            {
                string text = await answered[p].Content.ReadAsStringAsync();
                Assert.True(answered[p].StatusCode == HttpStatusCode.OK, $"provider {p}: {(int)answered[p].StatusCode} {text}");
                results[p] = JsonDocument.Parse(text).RootElement.Clone();
            }

            output.WriteLine(results[0].GetProperty("records").ToString());

            // The plaintext reference: the joined data (answers and income band, "unknown" without a record), in pool
            // order (by code hash), with the same committed test tape.
            string Hash(int i) => InvitationCode.Hash(round.CodeSalt, codes[i]);
            string Band(int i) => Income.Feature.Values[i < 72 ? Income.BandOf(incomes[i]) : Income.BandCount].Name;
            var byHash = signedUp.ToDictionary(Hash, i => i);
            string[] poolOrder = byHash.Keys.Order(StringComparer.Ordinal).ToArray();
            var problem = new SelectionProblem([.. round.ToFeatures(), Income.Feature],
                poolOrder.Select(h => new Candidate(h, [.. answers[byHash[h]].Select((a, f) => round.Features[f].Values[a].Name), Band(byHash[h])])), round.PanelSize);
            SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);
            string[] expected = reference.Panel.Select(j => poolOrder[j]).Order(StringComparer.Ordinal).ToArray();

            JsonElement[] panel = results[0].GetProperty("panel").EnumerateArray().ToArray();
            Assert.Equal(expected, panel.Select(m => m.GetProperty("codeHash").GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(reference.Attempts, results[0].GetProperty("attempts").GetInt32());
            foreach (JsonElement m in panel)
            {
                int i = byHash[m.GetProperty("codeHash").GetString()!];
                Assert.Equal($"P{i}", m.GetProperty("name").GetString());
                Assert.Equal($"p{i}@example.org", m.GetProperty("email").GetString());
            }

            // The band feature's quotas are enforced like any other and reported with the others.
            JsonElement[] bandQuotas = results[0].GetProperty("quotas").EnumerateArray().Where(q => q.GetProperty("feature").GetString() == "income band").ToArray();
            Assert.Equal(Income.Feature.Values.Select(v => v.Name), bandQuotas.Select(q => q.GetProperty("value").GetString()));
            Assert.Equal(Income.Feature.Values.Select(v => (v.Min, v.Max)), bandQuotas.Select(q => (q.GetProperty("min").GetInt32(), q.GetProperty("max").GetInt32())));
            Assert.All(bandQuotas, q => Assert.Equal(JsonValueKind.Null, q.GetProperty("selected").ValueKind)); // the composition is not opened unless asked
            Assert.InRange(panel.Count(m => Band(byHash[m.GetProperty("codeHash").GetString()!]) == "45000 and above"), 1, 2);

            // The statistics: at the analyser the plaintext band counts over all 72 records and over the 30 candidates.
            JsonElement stats = results[0].GetProperty("records").GetProperty("statistics").EnumerateArray().Single();
            Assert.Equal("income band", stats.GetProperty("feature").GetString());
            JsonElement[] values = stats.GetProperty("values").EnumerateArray().ToArray();
            for (int b = 0; b < Income.BandCount; b++)
            {
                Assert.Equal(Enumerable.Range(0, 72).Count(i => Income.BandOf(incomes[i]) == b), values[b].GetProperty("invited").GetInt32());
            }

            Assert.Equal(JsonValueKind.Null, values[^1].GetProperty("invited").ValueKind);
            Assert.Equal(Income.Feature.Values.Select(v => v.Name), values.Select(v => v.GetProperty("value").GetString()));
            Assert.Equal(Income.Feature.Values.Select(v => signedUp.Count(i => Band(i) == v.Name)), values.Select(v => v.GetProperty("candidates").GetInt32()));
            Assert.Equal(4, values[^1].GetProperty("candidates").GetInt32());

            // Providers 1 and 2: no panel, no statistics; the public facts of the join are the same at all three.
            foreach (JsonElement r in results)
            {
                JsonElement rec = r.GetProperty("records");
                Assert.Equal(72, rec.GetProperty("count").GetInt32());
                Assert.Equal(26, rec.GetProperty("matchedByCode").GetInt32());
                Assert.Equal("records-" + r.GetProperty("party").GetInt32() + ".shares", rec.GetProperty("file").GetString());
                Assert.Equal(1, r.GetProperty("run").GetInt32());
                Assert.Equal(3, r.GetProperty("signatures").GetArrayLength());
            }

            for (int p = 1; p < 3; p++)
            {
                Assert.Equal(JsonValueKind.Null, results[p].GetProperty("panel").ValueKind);
                Assert.Equal(JsonValueKind.Null, results[p].GetProperty("records").GetProperty("statistics").ValueKind);
                Assert.False(File.Exists(Path.Combine(dir, $"p{p}", "panel.csv")));
            }

            // The run's evidence audits clean against the joined round definition (band feature included).
            RoundDefinition definition;
            using (FileStream f = File.OpenRead(Path.Combine(dir, "p0", "round-run-1.json")))
            {
                definition = RoundDefinition.Load(f);
            }

            Assert.Contains(definition.Features, f => f.Name == "income band");
            var certs = TestRounds.Certificates.Select(TestRounds.PublicOnly).ToArray();
            for (int p = 0; p < 3; p++)
            {
                using FileStream e = File.OpenRead(Path.Combine(dir, $"p{p}", "evidence-run-1.json"));
                AuditReport report = RunAudit.Check(definition, RunEvidence.Load(e), certs);
                Assert.True(report.IsClean, string.Join("\n", report.Findings.Select(x => x.Message)));
            }

            // One round, one draw holds on this path too.
            var again = await Task.WhenAll(providers.Select(async p => await Error(await Select(p, Body(seed)))));
            Assert.All(again, e => Assert.Equal((HttpStatusCode.Conflict, "already_run"), (e.Status, e.Code)));

            // Every file the selection wrote is owner-only.
            if (!OperatingSystem.IsWindows())
            {
                foreach (string file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".cer", StringComparison.Ordinal)))
                {
                    Assert.True((File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0, $"{file} is {File.GetUnixFileMode(file)}");
                }
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
    public async Task AMissingRecordsFileOrAPeerWithoutRecordsIsRefusedWithWhatDiffers()
    {
        string dir = Directory.CreateTempSubdirectory("intake-records-peer-").FullName;
        SignupRound round = TestRounds.Small(TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)));
        Submission[][] pool = Enumerable.Range(0, 6).Select(i => IntakeContribution.Create(round, InvitationCode.Generate(), [i % 2, i % 3, i % 2], [$"P{i}", $"p{i}@example.org"])).ToArray();
        string csv = "code,income\n" + string.Join("\n", pool.Select((s, i) => $"{s[0].Code},{10_000 * (i + 1)}")) + "\n";
        RecordShares[] parts = TaxRecords.Parse(new StringReader(csv), "town.csv", Convert.FromHexString(round.RoundId), round.CodeSalt).Share();
        RecordShareFile.WriteFile(Path.Combine(dir, "records-0.shares"), parts[0]);
        RecordShareFile.WriteFile(Path.Combine(dir, "records-1.shares"), parts[0]); // provider 0's part at provider 1: refused by party
        SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(5), pool,
            p => p == 2 ? null : new RecordsConfig(Path.Combine(dir, $"records-{p}.shares"), RecordMatching.Code, [Income], true));
        try
        {
            (HttpStatusCode status, string code, string message) = await Error(await Select(providers[1]));
            output.WriteLine(message);
            Assert.Equal((HttpStatusCode.Conflict, "records_file"), (status, code));
            Assert.Contains("records-1.shares", message);
            Assert.Contains("nothing was connected", message);

            // Provider 2 has no "records" section: the two others and provider 2 say so.
            RecordShareFile.WriteFile(Path.Combine(dir, "records-1.shares"), parts[1]);
            var errors = await Task.WhenAll(providers.Select(async p => await Error(await Select(p))));
            output.WriteLine(string.Join("\n", errors.Select(e => e.Message)));
            Assert.All(errors, e => Assert.Equal((HttpStatusCode.Conflict, "records_mismatch"), (e.Status, e.Code)));
            Assert.Contains("Provider 2 runs without the tax office's records", errors[0].Message);
            Assert.Matches("Provider [01] joins the tax office's records to the pool", errors[2].Message);
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

    private static string Body(byte[] seed) => $"{{\"testSeed\":\"{Convert.ToHexStringLower(seed)}\"}}";
}
