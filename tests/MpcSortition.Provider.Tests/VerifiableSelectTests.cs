using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;
using Xunit.Abstractions;
using static MpcSortition.Provider.Tests.SelectFailureTests;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// Issue 17 in the provider service, three in-process services with real mutual-TLS MPC links: one round, one draw by the
/// run log (a rerun refused, a new run only when all three operators ask, recorded as run 2), the signed submission root
/// (the same at all three) with inclusion proofs for volunteers, and a run without a panel closed with signed transcripts.
/// </summary>
public sealed class VerifiableSelectTests(ITestOutputHelper output)
{
    private static X509Certificate2[] Certs => TestRounds.Certificates.Select(TestRounds.PublicOnly).ToArray();

    [Fact]
    public async Task OneRoundOneDrawSameRootAtAllThreeReceiptsAndANewRunOnlyWhenAllThreeAsk()
    {
        string dir = Directory.CreateTempSubdirectory("intake-verifiable-").FullName;
        SignupRound round = TestRounds.Small(TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)));
        var codes = Enumerable.Range(0, 12).Select(_ => InvitationCode.Generate()).ToList();
        var pool = codes.Select((c, i) => IntakeContribution.Create(round, c, [i % 2, i % 3, (i / 2) % 2], [$"P{i}", $"p{i}@example.org"])).ToList();
        Submission[] superseded = pool[3];
        pool.Add(IntakeContribution.Create(round, codes[3], [1, 2, 1], ["P3", "p3-new@example.org"])); // a correction of code 3
        SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(5), pool.ToArray());
        try
        {
            // Before the pool is reconciled there is no root and no proof.
            Assert.Equal((HttpStatusCode.NotFound, "no_root"), Short(await Error(await providers[0].Client.GetAsync("/api/v1/root"))));

            // Run 1.
            JsonElement[] first = await SelectAll(providers, "");
            Assert.All(first, r => Assert.Equal(1, r.GetProperty("run").GetInt32()));
            Assert.All(first, r => Assert.Equal(3, r.GetProperty("signatures").GetArrayLength()));
            Assert.StartsWith($"run 1 of round {round.RoundId.ToUpperInvariant()}", first[0].GetProperty("runHistory").GetString());

            // The same root at all three, each signed by its provider.
            var roots = new SignedRoot[3];
            for (int p = 0; p < 3; p++)
            {
                roots[p] = SignedRoot.Parse(await providers[p].Client.GetStringAsync("/api/v1/root"));
                Assert.Equal(p, roots[p].Party);
                Assert.True(roots[p].Verify(Certs[p]));
                Assert.False(roots[p].Verify(Certs[(p + 1) % 3]));
                Assert.Equal(roots[p].Root, first[p].GetProperty("submissionRoot").GetProperty("root").GetString());
            }

            Assert.Equal(12, roots[0].TreeSize);
            Assert.Equal(roots[0].Root, roots[1].Root);
            Assert.Equal(roots[0].Root, roots[2].Root);
            Assert.Equal(roots[0].Root, SubmissionTree.FromPool(round.RoundId, Reconcile(round, pool)).Root); // recomputable from the public histories

            // A volunteer's proof, by submission id and by code (in the body), at every provider.
            Submission[] mine = pool[5];
            for (int p = 0; p < 3; p++)
            {
                SubmissionReceipt proof = SubmissionReceipt.Parse(await providers[p].Client.GetStringAsync($"/api/v1/receipts/{mine[p].SubmissionId}"));
                SubmissionTree.VerifyReceipt(proof, roots[p], Certs[p]);
                Assert.Equal(InvitationCode.Hash(round.CodeSalt, codes[5]), proof.CodeHash);
                var byCode = await providers[p].Client.PostAsync("/api/v1/receipts", new StringContent($"{{\"format\":1,\"round\":\"{round.RoundId}\",\"code\":\"{codes[5]}\"}}", Encoding.UTF8, "application/json"));
                Assert.Equal(proof.ToJson(), await byCode.Content.ReadAsStringAsync());
            }

            // What is refused: a superseded submission, a code in the address, a proof not under the root, a tampered root.
            (HttpStatusCode status, string code, string message) = await Error(await providers[1].Client.GetAsync($"/api/v1/receipts/{superseded[1].SubmissionId}"));
            Assert.Equal((HttpStatusCode.NotFound, "not_accepted"), (status, code));
            Assert.Contains("replaced by a later correction", message);
            Assert.Equal((HttpStatusCode.BadRequest, "code_in_address"), Short(await Error(await providers[0].Client.GetAsync($"/api/v1/receipts/{codes[0]}"))));
            SubmissionReceipt good = SubmissionReceipt.Parse(await providers[0].Client.GetStringAsync($"/api/v1/receipts/{mine[0].SubmissionId}"));
            var notUnder = new SubmissionReceipt { RoundId = good.RoundId, SubmissionId = superseded[0].SubmissionId, CodeHash = good.CodeHash, LeafIndex = good.LeafIndex, TreeSize = good.TreeSize, Path = good.Path };
            VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(notUnder, roots[0], Certs[0]));
            Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
            Assert.Contains("not among the accepted submissions", e.Message);
            SignedRoot forged = SignedRoot.Parse(roots[0].ToJson().Replace(roots[0].Signature, Flip(roots[0].Signature), StringComparison.Ordinal));
            Assert.Equal(VerificationProblem.BadSignature, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(good, forged, Certs[0])).Problem);
            Assert.Equal(VerificationProblem.BadSignature, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(good, roots[1], Certs[0])).Problem);

            // The evidence of run 1 audits clean, with the three run logs.
            AssertAuditClean(dir, 1);

            // A rerun is refused at every provider, before anything is connected.
            var clock = Stopwatch.StartNew();
            var refused = await Task.WhenAll(providers.Select(async p => await Error(await Select(p))));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.All(refused, r => Assert.Equal((HttpStatusCode.Conflict, "already_run"), Short(r)));
            Assert.All(refused, r => Assert.Contains("already ran here (run 1", r.Message));
            Assert.All(refused, r => Assert.Contains("\"newRun\": true", r.Message));

            // Two of three ask for a new run: the third refuses at once, the two others find no third peer; nothing is drawn.
            Task<HttpResponseMessage>[] two = providers.Take(2).Select(p => Select(p, "{\"newRun\":true}")).ToArray();
            Assert.Equal((HttpStatusCode.Conflict, "already_run"), Short(await Error(await Select(providers[2]))));
            Assert.All(await Task.WhenAll(two.Select(async t => await Error(await t))), r => Assert.Equal((HttpStatusCode.BadGateway, "peer_failed"), Short(r)));
            Assert.All(Logs(dir, round), log => Assert.Equal(1, log.Runs.Count(r => r.Drawn)));

            // A provider that lost its log (it would start run 1 again) cannot join the others' run 2: named before anything is computed.
            string lost = Path.Combine(dir, "p2", $"run-log-{round.RoundId}.jsonl");
            File.Move(lost, lost + ".aside");
            var mismatch = await Task.WhenAll(providers.Select(async p => await Error(await Select(p, p.Config.Party == 2 ? "" : "{\"newRun\":true}"))));
            Assert.All(mismatch, r => Assert.Equal((HttpStatusCode.Conflict, "peer_run"), Short(r)));
            Assert.Contains("Provider 2 is at run 1 of this round, this provider at run 2", mismatch[0].Message);
            File.Delete(lost);
            File.Move(lost + ".aside", lost);

            // All three ask: run 2, and the report says so.
            JsonElement[] second = await SelectAll(providers, "{\"newRun\":true}");
            foreach (JsonElement r in second)
            {
                Assert.Equal(2, r.GetProperty("run").GetInt32());
                string history = r.GetProperty("runHistory").GetString()!;
                output.WriteLine(history);
                Assert.StartsWith($"run 2 of round {round.RoundId.ToUpperInvariant()}; run 1 (started ", history);
                Assert.Contains("completed with a panel", history);
                Assert.Equal(roots[0].Root, r.GetProperty("submissionRoot").GetProperty("root").GetString());
            }

            Assert.Equal(3, second[0].GetProperty("panel").GetArrayLength());
            AssertAuditClean(dir, 2);
            Assert.All(Logs(dir, round), log => Assert.Equal([1, 2], log.Runs.Where(r => r.Drawn).Select(r => r.Run)));

            // The provider's verb: the signed intake receipt, the proof and the signed root together.
            string cert = Path.Combine(dir, "party-0.cer");
            IntakeReceipt signed = IntakeReceipt.SignStored(TestRounds.Certificates[0], mine[0], good.CodeHash, DateTimeOffset.UtcNow);
            string receiptFile = Write(dir, "receipt.json", "{\"receipt\":" + Encoding.UTF8.GetString(signed.ToJson()) + "}");
            string proofFile = Write(dir, "proof.json", good.ToJson()), rootFile = Write(dir, "root.json", roots[0].ToJson());
            Assert.Equal(0, await Cli.RunAsync(["verify-receipt", "--receipt", receiptFile, "--cert", cert, "--proof", proofFile, "--root", rootFile]));
            Assert.Equal(1, await Cli.RunAsync(["verify-receipt", "--receipt", receiptFile, "--cert", cert, "--proof", Write(dir, "other.json", notUnder.ToJson()), "--root", rootFile]));
            Assert.Equal(1, await Cli.RunAsync(["verify-receipt", "--receipt", receiptFile, "--cert", cert, "--proof", proofFile, "--root", Write(dir, "forged.json", forged.ToJson())]));
            Assert.Equal(2, await Cli.RunAsync(["verify-receipt", "--receipt", receiptFile, "--cert", cert, "--proof", proofFile]));

            // A run log edited in place: the service refuses to select until it is restored, and says where it breaks.
            string logPath = Path.Combine(dir, "p0", $"run-log-{round.RoundId}.jsonl");
            string[] lines = File.ReadAllLines(logPath);
            lines[1] = lines[1].Replace("\"run\":1", "\"run\":7", StringComparison.Ordinal);
            File.WriteAllLines(logPath, lines);
            (HttpStatusCode logStatus, string logCode, string logMessage) = await Error(await Select(providers[0], "{\"newRun\":true}"));
            Assert.Equal((HttpStatusCode.InternalServerError, "run_log"), (logStatus, logCode));
            Assert.Contains("hash chain breaks at line 2", logMessage);
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
    public async Task ARunWithoutAPanelIsClosedWithThreeSignedTranscriptsAndUsesUpItsNumber()
    {
        string dir = Directory.CreateTempSubdirectory("intake-nopanel-").FullName;
        // Quotas that are publicly feasible but not in this pool: at least one "old" person, and nobody answered "old".
        SignupRound small = TestRounds.Small(TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)));
        var round = new SignupRound(RandomNumberGenerator.GetBytes(16), "No panel", small.DeadlineUtc, 3,
            [
                small.Features[0],
                new SignupFeature("age", "Age?", [new("young", "Young", 0, 3), new("mid", "Middle", 0, 3), new("old", "Old", 1, 3)]),
                small.Features[2],
            ],
            small.ContactFields, new byte[16], small.SignupUrl);
        Submission[][] pool = Enumerable.Range(0, 8).Select(i => IntakeContribution.Create(round, InvitationCode.Generate(), [i % 2, i % 2, i % 2], [$"P{i}", $"p{i}@example.org"])).ToArray();
        SelectFailureTests.Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(5), pool);
        try
        {
            var errors = await Task.WhenAll(providers.Select(async p => await Error(await Select(p, "{\"maxAttempts\":2}"))));
            output.WriteLine(errors[0].Message);
            Assert.All(errors, r => Assert.Equal((HttpStatusCode.Conflict, "no_panel"), Short(r)));
            Assert.All(errors, r => Assert.Contains("Run 1 of this round is used up", r.Message));
            Assert.All(errors, r => Assert.Contains("evidence-run-1.json", r.Message));

            // Every provider holds the three signed transcripts of the failed run: all attempts failed, no panel.
            for (int p = 0; p < 3; p++)
            {
                RunEvidence evidence = LoadEvidence(dir, p, 1);
                for (int q = 0; q < 3; q++)
                {
                    Assert.True(evidence.Transcripts[q].Verify(Certs[q]), $"provider {p}'s copy of provider {q}'s transcript");
                    Assert.Equal("00", evidence.Transcripts[q].Transcript.SuccessBits);
                    Assert.Null(evidence.Transcripts[q].Transcript.PanelCommitment);
                }

                Assert.Null(evidence.Panel);
            }

            AssertAuditClean(dir, 1);
            Assert.All(Logs(dir, round), log => Assert.Equal("completed without a panel after 2 attempts", log.Runs.Single(r => r.Drawn).Outcome));

            // A changed signed failure transcript is caught by the audit.
            string path = Path.Combine(dir, "p0", "evidence-run-1.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace("successBits=00", "successBits=01", StringComparison.Ordinal));
            using (FileStream f = File.OpenRead(Path.Combine(dir, "p0", "round-run-1.json")))
            {
                AuditReport report = RunAudit.Check(RoundDefinition.Load(f), LoadEvidence(dir, 0, 1), Certs);
                Assert.False(report.IsClean);
                Assert.Contains(report.Findings, x => x.Problem == VerificationProblem.BadSignature);
            }

            // The number is used up: a rerun needs all three operators.
            Assert.All(await Task.WhenAll(providers.Select(async p => await Error(await Select(p)))), r => Assert.Equal((HttpStatusCode.Conflict, "already_run"), Short(r)));
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

    private static (HttpStatusCode, string) Short((HttpStatusCode Status, string Code, string Message) e) => (e.Status, e.Code);

    private static async Task<JsonElement[]> SelectAll(SelectFailureTests.Provider[] providers, string body)
    {
        HttpResponseMessage[] answers = await Task.WhenAll(providers.Select(p => Select(p, body)));
        var results = new JsonElement[3];
        for (int p = 0; p < 3; p++)
        {
            string text = await answers[p].Content.ReadAsStringAsync();
            Assert.True(answers[p].StatusCode == HttpStatusCode.OK, $"provider {p}: {(int)answers[p].StatusCode} {text}");
            results[p] = JsonDocument.Parse(text).RootElement.Clone();
        }

        return results;
    }

    private static ReconciledPool Reconcile(SignupRound round, List<Submission[]> pool)
    {
        var history = pool.Select((s, i) => new HistoryEntry(InvitationCode.Hash(round.CodeSalt, s[0].Code), s[0].SubmissionId, i + 1)).ToList();
        return Reconciliation.Reconcile([history, history, history]);
    }

    private static RunLog[] Logs(string dir, SignupRound round) => Enumerable.Range(0, 3).Select(p =>
    {
        using FileStream f = File.OpenRead(Path.Combine(dir, $"p{p}", $"run-log-{round.RoundId}.jsonl"));
        return RunLog.Read(f, Convert.FromHexString(round.RoundId));
    }).ToArray();

    private static RunEvidence LoadEvidence(string dir, int party, int run)
    {
        using FileStream f = File.OpenRead(Path.Combine(dir, $"p{party}", $"evidence-run-{run}.json"));
        return RunEvidence.Load(f);
    }

    private static void AssertAuditClean(string dir, int run)
    {
        // Each provider writes the run's round file on its own: the three must be the same file (same creation time,
        // the deadline), or the transcripts would name three different round hashes.
        byte[][] files = Enumerable.Range(0, 3).Select(p => File.ReadAllBytes(Path.Combine(dir, $"p{p}", $"round-run-{run}.json"))).ToArray();
        Assert.Equal(files[0], files[1]);
        Assert.Equal(files[0], files[2]);

        RoundDefinition definition;
        using (FileStream f = File.OpenRead(Path.Combine(dir, "p0", $"round-run-{run}.json")))
        {
            definition = RoundDefinition.Load(f);
        }

        RunLog[] logs = Enumerable.Range(0, 3).Select(p =>
        {
            using FileStream f = File.OpenRead(Path.Combine(dir, $"p{p}", $"run-log-{definition.RoundId.ToLowerInvariant()}.jsonl"));
            return RunLog.Read(f, Convert.FromHexString(definition.RoundId));
        }).ToArray();
        for (int p = 0; p < 3; p++)
        {
            AuditReport report = RunAudit.Check(definition, LoadEvidence(dir, p, run), Certs, logs);
            Assert.True(report.IsClean, string.Join("\n", report.Findings.Select(x => x.Message)));
        }
    }

    private static string Flip(string hex) => (hex[0] == 'A' ? 'B' : 'A') + hex[1..];

    private static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
