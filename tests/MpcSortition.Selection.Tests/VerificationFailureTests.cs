using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>Issue 17: a run without a panel is closed like a successful one — contributions opened, transcripts signed
/// and exchanged, an end entry in the log — and its evidence audits and replays clean; an edited copy does not.</summary>
public sealed class VerificationFailureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpcsortition-verify-fail-").FullName;
    private readonly X509Certificate2[] _certs = Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"party-{p}", TimeSpan.FromDays(1))).ToArray();

    public void Dispose()
    {
        foreach (X509Certificate2 c in _certs)
        {
            c.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_run_without_a_panel_is_signed_by_all_three_audits_and_replays_clean_and_uses_up_its_number()
    {
        // The quotas ask for at least one "old" person and nobody in the pool is old: publicly feasible, so the secure
        // selector tries; every attempt fails.
        Feature[] features =
        [
            new("gender", [new FeatureValue("f", 1, 3), new FeatureValue("m", 1, 3)]),
            new("age", [new FeatureValue("young", 0, 3), new FeatureValue("old", 1, 3)]),
        ];
        var problem = new SelectionProblem(features, Enumerable.Range(0, 10).Select(i => new Candidate($"c{i}", [i % 2 == 0 ? "f" : "m", "young"])), 3);
        RoundDefinition round = RoundDefinition.Create(problem, false);
        uint[][] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values));
        var evidence = new RunEvidence?[3];
        var logs = new RunLog[3];
        ITransport[] transports = InMemoryNetwork.Create(3, TimeSpan.FromSeconds(60));
        Task<ProviderRunResult>[] runs = transports.Select(t =>
        {
            int p = t.PartyIndex;
            logs[p] = RunLog.Open(Path.Combine(_dir, $"log-{p}.jsonl"), round);
            return Task.Run(() => ProviderRun.RunAsync(t, round, shares[p], new ProviderRunOptions
            {
                MaxAttempts = 3,
                RunLog = logs[p],
                SigningCertificate = _certs[p],
                FailureEvidence = e => evidence[p] = e,
            }));
        }).ToArray();
        for (int p = 0; p < 3; p++)
        {
            SecureSelectionFailedException e = await Assert.ThrowsAsync<SecureSelectionFailedException>(() => runs[p].WaitAsync(TimeSpan.FromMinutes(2)));
            Assert.Equal(3, e.Attempts);
        }

        // The three providers hold the same three signed failure transcripts.
        for (int p = 0; p < 3; p++)
        {
            RunEvidence mine = Assert.IsType<RunEvidence>(evidence[p]);
            for (int q = 0; q < 3; q++)
            {
                Assert.Equal(evidence[0]!.Transcripts[q].Transcript.ToText(), mine.Transcripts[q].Transcript.ToText());
                Assert.True(mine.Transcripts[q].Verify(_certs[q]));
                Assert.Equal("000", mine.Transcripts[q].Transcript.SuccessBits);
                Assert.Null(mine.Transcripts[q].Transcript.PanelCommitment);
                Assert.All(mine.Transcripts[q].Transcript.Contributions, c => Assert.NotNull(c));
            }
        }

        // The logs end the run with an end entry (not "failed"): run 1 is used up.
        RunLog[] read = Enumerable.Range(0, 3).Select(p =>
        {
            using FileStream f = File.OpenRead(Path.Combine(_dir, $"log-{p}.jsonl"));
            return RunLog.Read(f, Convert.FromHexString(round.RoundId));
        }).ToArray();
        Assert.All(read, l => Assert.Equal("end", l.Entries[^1].Kind));
        Assert.All(read, l => Assert.Equal("completed without a panel after 3 attempts", l.Runs.Single().Outcome));
        Assert.Equal(VerificationProblem.RoundAlreadyRun, Assert.Throws<VerificationException>(() => logs[1].BeginRun(false)).Problem);

        // The audit and the replay accept the failed run: the pool in the clear cannot meet the quotas.
        AuditReport audit = RunAudit.Check(round, evidence[2]!, _certs, read);
        Assert.True(audit.IsClean, string.Join("\n", audit.Findings));
        AuditReport replay = RunAudit.Replay(round, evidence[0]!, _certs, shares.Select(s => (ReadOnlyMemory<uint>)s).ToArray(), read);
        Assert.True(replay.IsClean, string.Join("\n", replay.Findings));
        Assert.Contains(replay.Passed, s => s.Contains("cannot meet the quotas at all", StringComparison.Ordinal));
        Assert.Null(replay.ReplayedPanel);

        // A failure transcript edited to claim a success no longer verifies.
        RunTranscript t = evidence[0]!.Transcripts[1].Transcript;
        RunTranscript forged = RunTranscript.Parse(t.ToText().Replace("successBits=000", "successBits=001", StringComparison.Ordinal));
        var edited = new RunEvidence([evidence[0]!.Transcripts[0], new SignedTranscript(forged, evidence[0]!.Transcripts[1].Signature.Span), evidence[0]!.Transcripts[2]]);
        AuditReport bad = RunAudit.Check(round, edited, _certs);
        Assert.Contains(bad.Findings, f => f.Problem == VerificationProblem.BadSignature);
    }
}
