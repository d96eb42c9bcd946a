using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>Issue 17 on three in-process providers: one round, one draw; signed transcripts; reveal, audit and replay.</summary>
public sealed class VerificationRunTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("mpcsortition-verify-").FullName;
    private readonly X509Certificate2[] _certs = Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"party-{p}", TimeSpan.FromDays(1))).ToArray();
    private readonly SelectionProblem _problem = ProviderTestData.Problem();
    private readonly RoundDefinition _round;
    private readonly uint[][] _shares;

    public VerificationRunTests()
    {
        _round = ProviderTestData.Round(_problem);
        _shares = ContributorEncoding.ShareRows(_round.Features, _problem.Candidates.Select(c => c.Values));
    }

    public void Dispose()
    {
        foreach (X509Certificate2 c in _certs)
        {
            c.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_honest_run_audits_clean_and_replays_to_the_same_panel()
    {
        ProviderRunResult[] results = await RunAsync(_ => false);

        Assert.All(results, r => Assert.Equal(1, r.Run));
        Assert.All(results, r => Assert.StartsWith($"run 1 of round {_round.RoundId}", r.RunHistory, StringComparison.Ordinal));
        Assert.NotNull(results[0].PanelSalt);
        Assert.Null(results[1].PanelSalt);

        // Every provider holds the same three signed transcripts.
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(results[0].Transcripts[p].Transcript.ToText(), results[1].Transcripts[p].Transcript.ToText());
            Assert.Equal(results[0].Transcripts[p].Transcript.ToText(), results[2].Transcripts[p].Transcript.ToText());
            Assert.True(results[0].Transcripts[p].Verify(_certs[p]));
        }

        RunTranscript t = results[0].Transcripts[0].Transcript;
        Assert.Equal(new string('0', results[0].Attempts - 1) + "1", t.SuccessBits);
        Assert.All(t.Contributions, c => Assert.NotNull(c));
        Assert.Equal(Convert.ToHexString(results[1].TapeContribution!.Value.Span), t.Contributions[1]);
        Assert.Equal(4, t.Messages.Count);
        // Every link carries messages both ways; on the replicated engine (the default) most go to the previous party,
        // so one direction of a link may carry only the agreement, the seeds and the closing exchange.
        Assert.All(t.Messages, m => Assert.True(m.Messages > 0, $"{m}"));
        Assert.True(t.Messages.Sum(m => m.Messages) > 200, string.Join("; ", t.Messages));

        // The analyser's evidence, written and read back as a file, audits clean with the logs, and replays to the same panel.
        RunEvidence evidence = RoundTrip(RunEvidence.From(results[0]));
        RunLog[] logs = Logs();
        AuditReport audit = RunAudit.Check(_round, evidence, _certs, logs);
        Assert.True(audit.IsClean, string.Join("\n", audit.Findings));
        Assert.Contains(audit.Passed, s => s.Contains("what one sent equals what the other received", StringComparison.Ordinal));
        Assert.Contains(audit.Passed, s => s.Contains("opens the panel commitment", StringComparison.Ordinal));
        Assert.Equal(3, audit.Passed.Count(s => s.Contains("run log is intact", StringComparison.Ordinal)));

        AuditReport replay = RunAudit.Replay(_round, evidence, _certs, _shares.Select(s => (ReadOnlyMemory<uint>)s).ToArray(), logs);
        Assert.True(replay.IsClean, string.Join("\n", replay.Findings));
        Assert.Equal(results[0].Panel, replay.ReplayedPanel);

        // Another provider's evidence (no panel) audits clean too.
        Assert.True(RunAudit.Check(_round, RoundTrip(RunEvidence.From(results[2])), _certs).IsClean);
    }

    [Fact]
    public async Task A_second_run_is_refused_unless_all_three_ask_and_is_then_recorded_as_run_2()
    {
        ProviderRunResult[] first = await RunAsync(_ => false);

        // Again without --new-run: every provider refuses before it connects.
        Exception?[] again = await RunFailuresAsync(_ => false);
        Assert.All(again, e => Assert.Equal(VerificationProblem.RoundAlreadyRun, Assert.IsType<VerificationException>(e).Problem));
        Assert.Contains("already ran here (run 1", again[0]!.Message, StringComparison.Ordinal);
        Assert.Contains("--new-run", again[0]!.Message, StringComparison.Ordinal);

        // Only two of three ask: the third refuses, the others lose their link to it before agreeing; nothing is drawn,
        // so the start is logged but does not use up run 2.
        Exception?[] partly = await RunFailuresAsync(p => p != 2);
        Assert.Equal(VerificationProblem.RoundAlreadyRun, Assert.IsType<VerificationException>(partly[2]).Problem);
        Assert.IsType<PeerException>(partly[0]);
        Assert.Contains(Logs()[0].Runs, r => r.Run == 2 && !r.Drawn && r.Outcome.StartsWith("stopped before the providers agreed", StringComparison.Ordinal));

        // All three ask: run 2, and every report says what happened to the earlier runs.
        ProviderRunResult[] second = await RunAsync(_ => true);
        Assert.All(second, r => Assert.Equal(2, r.Run));
        Assert.Contains($"run 2 of round {_round.RoundId}; run 1 (started", second[0].RunHistory, StringComparison.Ordinal);
        Assert.Contains("completed with a panel at attempt", second[0].RunHistory, StringComparison.Ordinal);
        Assert.Equal(2, second[0].Transcripts[0].Transcript.Run);
        Assert.NotEqual(first[0].Transcripts[0].Transcript.Contributions[0], second[0].Transcripts[0].Transcript.Contributions[0]);
        RunLog log = Logs()[1];
        Assert.Equal(new[] { 1, 2 }, log.Runs.Where(r => r.Drawn).Select(r => r.Run));
        Assert.True(log.Entries.Last(e => e.Kind == "start").NewRun);
        Assert.True(RunAudit.Check(_round, RunEvidence.From(second[0]), _certs, Logs()).IsClean);

        // A provider that lost (or threw away) its log starts at run 1 again; its peers at run 3 refuse it by name.
        File.Delete(LogPath(2));
        Exception?[] lost = await RunFailuresAsync(p => p != 2);
        ProviderMismatchException m = Assert.IsType<ProviderMismatchException>(lost[0]);
        Assert.Equal(2, m.Peer);
        Assert.Contains("party 2 is at run 1", m.Message, StringComparison.Ordinal);
        Assert.Contains("this provider at run 3", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_contribution_changed_after_committing_is_detected()
    {
        ProviderRunResult[] results = await RunAsync(_ => false);
        RunTranscript honest = results[0].Transcripts[2].Transcript;
        byte[] roundId = Convert.FromHexString(_round.RoundId);
        byte[] commitment = Convert.FromHexString(honest.Commitments[2]!);
        byte[] other = RandomNumberGenerator.GetBytes(16);

        // At the reveal (what every provider runs on each peer's opening).
        TapeReveal.Check(roundId, 2, commitment, Convert.FromHexString(honest.Contributions[2]!));
        VerificationException e = Assert.Throws<VerificationException>(() => TapeReveal.Check(roundId, 2, commitment, other));
        Assert.Equal(VerificationProblem.ContributionMismatch, e.Problem);
        Assert.Contains("Provider 2's opened tape contribution does not match the commitment", e.Message, StringComparison.Ordinal);

        // In an audit: provider 2 later signs a transcript that claims another contribution.
        RunTranscript lie = With(honest, contributions: [honest.Contributions[0], honest.Contributions[1], Convert.ToHexString(other)]);
        RunEvidence evidence = Replace(RunEvidence.From(results[0]), 2, SignedTranscript.Sign(lie, _certs[2]));
        AuditReport audit = RunAudit.Check(_round, evidence, _certs);
        Assert.Contains(audit.Findings, f => f.Problem == VerificationProblem.ContributionMismatch && f.Message.Contains("Provider 2's", StringComparison.Ordinal));
        Assert.Contains(audit.Findings, f => f.Problem == VerificationProblem.TranscriptMismatch && f.Message.Contains("opened contributions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_signature_and_a_transcript_that_differs_in_one_message_are_detected()
    {
        ProviderRunResult[] results = await RunAsync(_ => false);
        RunEvidence honest = RunEvidence.From(results[0]);

        // Certificates pinned in the wrong order: no signature verifies.
        AuditReport swapped = RunAudit.Check(_round, honest, [_certs[1], _certs[2], _certs[0]]);
        Assert.Equal(3, swapped.Findings.Count(f => f.Problem == VerificationProblem.BadSignature));

        // A transcript edited after signing (provider 1's success bits): its signature fails, and it disagrees.
        RunTranscript t1 = honest.Transcripts[1].Transcript;
        RunTranscript edited = With(t1, successBits: t1.SuccessBits + "0");
        AuditReport tampered = RunAudit.Check(_round, Replace(honest, 1, new SignedTranscript(edited, honest.Transcripts[1].Signature.Span)), _certs);
        AuditFinding bad = Assert.Single(tampered.Findings, f => f.Problem == VerificationProblem.BadSignature);
        Assert.Contains("Provider 1's transcript signature does not verify with its pinned certificate", bad.Message, StringComparison.Ordinal);

        // Provider 1 states (and signs) that one message from provider 2 was different: the pair no longer matches.
        MessageDigest received = t1.Messages.Single(m => m.Peer == 2 && m.Direction == TraceDirection.Received);
        MessageDigest[] messages = t1.Messages.Select(m => m == received ? m with { Digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(m.Digest))) } : m).ToArray();
        RunTranscript oneMessage = With(t1, messages: messages);
        AuditReport differs = RunAudit.Check(_round, Replace(honest, 1, SignedTranscript.Sign(oneMessage, _certs[1])), _certs);
        AuditFinding mismatch = Assert.Single(differs.Findings);
        Assert.Equal(VerificationProblem.TranscriptMismatch, mismatch.Problem);
        Assert.Contains("What provider 2 says it sent to provider 1", mismatch.Message, StringComparison.Ordinal);

        // The analyser's panel must open the signed commitment.
        int[] otherPanel = [.. results[0].Panel!.Skip(1), Enumerable.Range(0, _round.CandidateIds.Count).First(i => !results[0].Panel!.Contains(i))];
        AuditReport panel = RunAudit.Check(_round, new RunEvidence(honest.Transcripts, otherPanel.Order().ToArray(), honest.PanelSalt), _certs);
        Assert.Equal(VerificationProblem.PanelMismatch, Assert.Single(panel.Findings).Problem);
    }

    [Fact]
    public async Task A_tampered_or_truncated_log_is_detected()
    {
        ProviderRunResult[] results = await RunAsync(_ => false);
        string path = LogPath(1);
        string[] lines = File.ReadAllLines(path);
        Assert.True(lines.Length >= 5, string.Join("\n", lines));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnlyFile.FileMode, File.GetUnixFileMode(path));
        }

        // An entry edited in place.
        string[] edited = lines.ToArray();
        edited[2] = edited[2].Replace("\"run\":1", "\"run\":7", StringComparison.Ordinal);
        Assert.Equal(VerificationProblem.LogTampered, ReadLog(edited).Problem);

        // An entry removed from the middle.
        Assert.Equal(VerificationProblem.LogTampered, ReadLog([.. lines[..2], .. lines[3..]]).Problem);

        // The last line cut in half.
        VerificationException half = Assert.Throws<VerificationException>(() => RunLog.Read(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines)[..^10])), Convert.FromHexString(_round.RoundId)));
        Assert.Equal(VerificationProblem.LogTruncated, half.Problem);

        // Whole entries cut off the end: the chain is intact, but the signed transcript names a head the log lacks.
        RunLog cut = RunLog.Read(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("", lines[..^3].Select(l => l + "\n")))), Convert.FromHexString(_round.RoundId));
        AuditReport audit = RunAudit.Check(_round, RunEvidence.From(results[0]), _certs, [null, cut, null]);
        AuditFinding finding = Assert.Single(audit.Findings);
        Assert.Equal(VerificationProblem.LogTruncated, finding.Problem);
        Assert.StartsWith("Provider 1's run log:", finding.Message, StringComparison.Ordinal);

        // Opening a tampered log for a new run fails too, so a provider cannot quietly run on.
        File.WriteAllLines(path, edited);
        Assert.Equal(VerificationProblem.LogTampered, Assert.Throws<VerificationException>(() => RunLog.Open(path, _round)).Problem);
    }

    [Fact]
    public async Task The_transcript_transport_gives_equal_digests_on_both_ends_and_different_ones_when_a_message_changes()
    {
        foreach (bool flip in new[] { false, true })
        {
            ITransport[] links = InMemoryNetwork.Create(2, Bound);
            var a = new TranscriptTransport(links[0]);
            var b = new TranscriptTransport(flip ? new FlipThird(links[1]) : links[1]);
            byte[][] messages = Enumerable.Range(1, 5).Select(i => Enumerable.Range(0, i * 7).Select(x => (byte)(x * i)).ToArray()).ToArray();
            Task send = Task.Run(async () =>
            {
                foreach (byte[] m in messages)
                {
                    await a.SendAsync(1, m);
                }
            });
            foreach (byte[] m in messages)
            {
                await b.ReceiveAsync(0, new byte[m.Length]);
            }

            await send;
            MessageDigest sent = a.Digests().Single(d => d.Direction == TraceDirection.Sent);
            MessageDigest received = b.Digests().Single(d => d.Direction == TraceDirection.Received);
            Assert.Equal(5, sent.Messages);
            Assert.Equal(messages.Sum(m => m.Length), received.Bytes);
            Assert.Equal(!flip, sent.Digest == received.Digest);
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public void A_transcript_round_trips_through_its_canonical_text_and_refuses_anything_else()
    {
        var t = new RunTranscript
        {
            Party = 1, RoundId = new string('A', 32), RoundHash = new string('B', 64), Run = 2, Strategy = "legacy", MaxAttempts = 100, Analyser = 0,
            RevealComposition = false, Commitments = [new string('C', 64), new string('D', 64), new string('E', 64)], Contributions = [null, null, null],
            SuccessBits = "001", PanelCommitment = null, LogHead = new string('F', 64),
            Messages = [new MessageDigest(0, TraceDirection.Sent, 3, 12, new string('1', 64)), new MessageDigest(0, TraceDirection.Received, 4, 16, new string('2', 64))],
        };
        string text = t.ToText();
        Assert.Equal(text, RunTranscript.Parse(text).ToText());
        Assert.Contains("run=2\n", text, StringComparison.Ordinal);
        Assert.Contains("sent.0=3 12 ", text, StringComparison.Ordinal);
        Assert.Equal(3, RunTranscript.Parse(text).SuccessfulAttempt);
        Assert.Equal(VerificationProblem.Malformed, Assert.Throws<VerificationException>(() => RunTranscript.Parse(text.Replace("run=2", "run=02", StringComparison.Ordinal))).Problem);
        Assert.Equal(VerificationProblem.Malformed, Assert.Throws<VerificationException>(() => RunTranscript.Parse(text.Replace("successBits=001", "successBits=0x1", StringComparison.Ordinal))).Problem);
        Assert.Equal(VerificationProblem.Malformed, Assert.Throws<VerificationException>(() => RunTranscript.Parse(text + "extra=1\n")).Problem);

        // RSA certificates sign too (RSA-PSS); a signature by another key fails.
        using RSA rsa = RSA.Create(2048);
        using X509Certificate2 rsaCert = new CertificateRequest("CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        SignedTranscript signed = SignedTranscript.Sign(t, rsaCert);
        Assert.True(signed.Verify(rsaCert));
        Assert.False(signed.Verify(_certs[1]));
        Assert.False(new SignedTranscript(t, []).Verify(rsaCert));
    }

    private static RunTranscript With(RunTranscript t, IReadOnlyList<string?>? contributions = null, string? successBits = null, IReadOnlyList<MessageDigest>? messages = null) => new()
    {
        Party = t.Party, RoundId = t.RoundId, RoundHash = t.RoundHash, Run = t.Run, Strategy = t.Strategy, MaxAttempts = t.MaxAttempts, Analyser = t.Analyser,
        RevealComposition = t.RevealComposition, PublicSeed = t.PublicSeed, Commitments = t.Commitments, Contributions = contributions ?? t.Contributions,
        SuccessBits = successBits ?? t.SuccessBits, PanelCommitment = t.PanelCommitment, LogHead = t.LogHead, Messages = messages ?? t.Messages,
    };

    private static RunEvidence Replace(RunEvidence e, int party, SignedTranscript transcript) =>
        new(e.Transcripts.Select((t, p) => p == party ? transcript : t).ToArray(), e.Panel, e.PanelSalt);

    private static RunEvidence RoundTrip(RunEvidence e)
    {
        using var stream = new MemoryStream();
        e.Save(stream);
        stream.Position = 0;
        return RunEvidence.Load(stream);
    }

    private VerificationException ReadLog(string[] lines) => Assert.Throws<VerificationException>(
        () => RunLog.Read(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("", lines.Select(l => l + "\n")))), Convert.FromHexString(_round.RoundId)));

    private string LogPath(int p) => Path.Combine(_dir, $"run-log-{p}.jsonl");

    private RunLog[] Logs() => Enumerable.Range(0, 3).Select(p =>
    {
        using FileStream f = File.OpenRead(LogPath(p));
        return RunLog.Read(f, Convert.FromHexString(_round.RoundId));
    }).ToArray();

    private Task<ProviderRunResult>[] Start(Func<int, bool> newRun)
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Bound);
        return transports.Select(t =>
        {
            int p = t.PartyIndex;
            return Task.Run(() => ProviderRun.RunAsync(t, _round, _shares[p], new ProviderRunOptions
            {
                MaxAttempts = 50,
                RunLog = RunLog.Open(LogPath(p), _round),
                NewRun = newRun(p),
                SigningCertificate = _certs[p],
            }));
        }).ToArray();
    }

    private async Task<ProviderRunResult[]> RunAsync(Func<int, bool> newRun) =>
        await Task.WhenAll(Start(newRun)).WaitAsync(TimeSpan.FromMinutes(5));

    private async Task<Exception?[]> RunFailuresAsync(Func<int, bool> newRun)
    {
        Task<ProviderRunResult>[] runs = Start(newRun);
        var failures = new Exception?[3];
        for (int p = 0; p < 3; p++)
        {
            failures[p] = await Record.ExceptionAsync(() => runs[p].WaitAsync(TimeSpan.FromMinutes(2)));
        }

        return failures;
    }

    /// <summary>Flips one bit of the third message received (a link that alters a message).</summary>
    private sealed class FlipThird(ITransport inner) : ITransport
    {
        private int _count;

        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => inner.SendAsync(peer, payload, cancellationToken);

        public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            await inner.ReceiveAsync(peer, destination, cancellationToken);
            if (++_count == 3)
            {
                destination.Span[0] ^= 1;
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
