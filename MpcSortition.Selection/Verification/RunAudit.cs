using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Verification;

/// <summary>One thing an audit found wrong.</summary>
/// <param name="Problem">What kind of problem.</param>
/// <param name="Message">What exactly, naming providers and fields; never a secret.</param>
public sealed record AuditFinding(VerificationProblem Problem, string Message);

/// <summary>The outcome of an audit: the checks that passed, and the findings.</summary>
public sealed class AuditReport
{
    internal AuditReport(IReadOnlyList<string> passed, IReadOnlyList<AuditFinding> findings, IReadOnlyList<int>? replayedPanel)
    {
        Passed = passed;
        Findings = findings;
        ReplayedPanel = replayedPanel;
    }

    /// <summary>The checks that passed, in words.</summary>
    public IReadOnlyList<string> Passed { get; }

    /// <summary>What is wrong; empty when the audit is clean.</summary>
    public IReadOnlyList<AuditFinding> Findings { get; }

    /// <summary>Whether every check passed.</summary>
    public bool IsClean => Findings.Count == 0;

    /// <summary>With a replay: the panel the plaintext reference selected (pool indexes, pool order).</summary>
    public IReadOnlyList<int>? ReplayedPanel { get; }

    /// <summary>Describes the outcome.</summary>
    /// <returns>Counts of passed checks and findings.</returns>
    public override string ToString() => $"AuditReport({Passed.Count} checks passed, {Findings.Count} findings)";
}

/// <summary>
/// Checks the evidence of a run (<see cref="RunEvidence"/>): the three signatures against the pinned certificates, that
/// the three transcripts are of this round and agree on everything all providers saw, that every opened contribution
/// opens its commitment, that what each provider sent to another is what that one received, the analyser's panel against
/// its commitment, and optionally the run logs. <see cref="Replay"/> goes further for a trusted auditor who holds the three
/// share files.
/// </summary>
public static class RunAudit
{
    /// <summary>Audits the evidence of one run.</summary>
    /// <param name="round">The round file.</param>
    /// <param name="evidence">The evidence (any provider's; the analyser's also opens the panel commitment).</param>
    /// <param name="certificates">The three providers' pinned certificates in party order.</param>
    /// <param name="logs">Optionally the providers' run logs in party order (null entries are skipped).</param>
    /// <returns>The report; <see cref="AuditReport.IsClean"/> when every check passed.</returns>
    public static AuditReport Check(RoundDefinition round, RunEvidence evidence, IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<RunLog?>? logs = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count != ProviderRun.Parties)
        {
            throw new ArgumentException($"Give the {ProviderRun.Parties} providers' certificates in party order.", nameof(certificates));
        }

        var passed = new List<string>();
        var findings = new List<AuditFinding>();
        CheckCore(round, evidence, certificates, logs, passed, findings);
        return new AuditReport(passed, findings, null);
    }

    /// <summary>
    /// Everything <see cref="Check"/> does, then the replay: reconstructs the pool from the three share files, rebuilds the
    /// tape (the XOR of the AES-CTR expansions of the three opened contributions, word by word as
    /// <see cref="ContributionTape"/> produces them, or the public test seed's tape), reruns the plaintext reference of the
    /// transcripts' strategy with their attempt limit, and compares the attempt that succeeded with the success bits and
    /// the panel with the evidence's panel and the panel commitment. Only a trusted auditor may hold all three share files:
    /// together they are the pool's features in the clear.
    /// </summary>
    /// <param name="round">The round file.</param>
    /// <param name="evidence">The analyser's evidence (with the panel and its salt) or any provider's.</param>
    /// <param name="certificates">The three providers' pinned certificates in party order.</param>
    /// <param name="shares">The three providers' n·V shares in party order (<see cref="ShareFile.Read"/>).</param>
    /// <param name="logs">Optionally the providers' run logs in party order.</param>
    /// <returns>The report with <see cref="AuditReport.ReplayedPanel"/>.</returns>
    public static AuditReport Replay(RoundDefinition round, RunEvidence evidence, IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<ReadOnlyMemory<uint>> shares, IReadOnlyList<RunLog?>? logs = null)
    {
        ArgumentNullException.ThrowIfNull(shares);
        AuditReport checks = Check(round, evidence, certificates, logs);
        var passed = checks.Passed.ToList();
        var findings = checks.Findings.ToList();
        RunTranscript t = evidence.Transcripts[0].Transcript;

        // The strategy name and attempt limit come from the evidence: a name without a reference or a limit below 1 is
        // a finding (the run cannot be replayed), not an ArgumentException that would lose the report of Check.
        ISelectionStrategy strategy;
        try
        {
            strategy = ReferenceStrategy(t.Strategy);
        }
        catch (ArgumentException)
        {
            findings.Add(new AuditFinding(VerificationProblem.Malformed, $"The transcripts name the strategy '{t.Strategy}', which has no plaintext reference (legacy, legacy-clamped, two-phase): the run cannot be replayed."));
            return new AuditReport(passed, findings, null);
        }

        if (t.MaxAttempts < 1)
        {
            findings.Add(new AuditFinding(VerificationProblem.Malformed, Inv($"The transcripts state an attempt limit {t.MaxAttempts}, below 1: the run cannot be replayed.")));
            return new AuditReport(passed, findings, null);
        }

        SelectionProblem problem = Reconstruct(round, shares);
        IRandomTape tape;
        if (t.PublicSeed is not null)
        {
            tape = new RandomTape(Convert.FromHexString(t.PublicSeed));
        }
        else if (t.Contributions.Any(c => c is null))
        {
            findings.Add(new AuditFinding(VerificationProblem.TranscriptMismatch, "The transcripts do not hold the three opened contributions, so the tape cannot be rebuilt."));
            return new AuditReport(passed, findings, null);
        }
        else
        {
            tape = new JointTapeReplay(t.Contributions.Select(c => Convert.FromHexString(c!)).ToArray());
        }

        int[]? panel = null;
        int attempts = 0;
        string? infeasible = null;
        try
        {
            SelectionResult result = PanelSelector.Select(problem, strategy, tape, t.MaxAttempts);
            panel = result.Panel.Order().ToArray();
            attempts = result.Attempts;
        }
        catch (SelectionFailedException)
        {
            attempts = 0;
        }
        catch (InfeasibleQuotasException e)
        {
            // The pool in the clear cannot meet the quotas (the secure selector could not know it without opening the
            // pool's counts): every attempt of the run had to fail.
            attempts = 0;
            infeasible = e.Message;
        }
        finally
        {
            (tape as IDisposable)?.Dispose();
        }

        if (attempts != t.SuccessfulAttempt)
        {
            findings.Add(new AuditFinding(VerificationProblem.PanelMismatch, Inv($"The replay finds a panel at attempt {attempts} (0 = none), but the providers' success bits '{t.SuccessBits}' say attempt {t.SuccessfulAttempt}: the run did not follow the published algorithm on this pool and tape.")));
        }
        else if (infeasible is not null)
        {
            passed.Add($"replay: the reconstructed pool cannot meet the quotas at all ({infeasible.TrimEnd('.')}), so every attempt had to fail, as the success bits say");
        }
        else
        {
            passed.Add(Inv($"replay: the plaintext reference ({t.Strategy}) on the reconstructed pool and the rebuilt tape succeeds at attempt {attempts} (0 = every attempt failed), as the success bits say"));
        }

        if (panel is not null && evidence.Panel is { } claimed)
        {
            if (!claimed.SequenceEqual(panel))
            {
                findings.Add(new AuditFinding(VerificationProblem.PanelMismatch, "The replayed panel differs from the analyser's panel: the panel reported is not the one the published algorithm selects with this tape."));
            }
            else
            {
                passed.Add("replay: the replayed panel equals the analyser's panel");
            }
        }

        if (panel is not null && evidence.PanelSalt is { } salt && t.PanelCommitment is not null)
        {
            if (RunTranscript.CommitPanel(round.RoundIdBytes, salt, panel) != t.PanelCommitment)
            {
                findings.Add(new AuditFinding(VerificationProblem.PanelMismatch, "The replayed panel does not open the panel commitment that all three providers signed."));
            }
            else
            {
                passed.Add("replay: the replayed panel opens the panel commitment all three providers signed");
            }
        }

        return new AuditReport(passed, findings, panel);
    }

    /// <summary>The plaintext reference of a secure strategy's name.</summary>
    /// <param name="name">legacy, legacy-clamped or two-phase.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentException">No reference strategy has that name.</exception>
    public static ISelectionStrategy ReferenceStrategy(string name) => name switch
    {
        "legacy" => new LegacyGreedy(),
        "legacy-clamped" => new LegacyGreedy(clamped: true),
        "two-phase" => new TwoPhaseGreedy(),
        _ => throw new ArgumentException($"No plaintext reference strategy is named '{name}'.", nameof(name)),
    };

    /// <summary>Reconstructs the pool from the three providers' shares: entry j·V + v is the sum of the three shares mod
    /// 2^32 and must form a one-hot row per candidate; addresses are the round's address groups.</summary>
    /// <param name="round">The round.</param>
    /// <param name="shares">The three providers' n·V shares in party order.</param>
    /// <returns>The problem (plaintext: only for a trusted auditor).</returns>
    /// <exception cref="VerificationException">The shares do not add up to one-hot rows (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static SelectionProblem Reconstruct(RoundDefinition round, IReadOnlyList<ReadOnlyMemory<uint>> shares)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(shares);
        int n = round.CandidateIds.Count, v = round.ValueCount;
        if (shares.Count != ProviderRun.Parties || shares.Any(s => s.Length != (long)n * v))
        {
            throw new ArgumentException($"Give the three providers' n·V = {(long)n * v} shares in party order.", nameof(shares));
        }

        var candidates = new Candidate[n];
        var answers = new string[round.Features.Count];
        for (int j = 0; j < n; j++)
        {
            int offset = 0;
            for (int f = 0; f < round.Features.Count; f++)
            {
                Feature feature = round.Features[f];
                int chosen = -1;
                for (int x = 0; x < feature.Values.Count; x++)
                {
                    int i = (j * v) + offset + x;
                    uint word = unchecked(shares[0].Span[i] + shares[1].Span[i] + shares[2].Span[i]);
                    if (word > 1 || (word == 1 && chosen >= 0))
                    {
                        chosen = -2;
                        break;
                    }

                    if (word == 1)
                    {
                        chosen = x;
                    }
                }

                if (chosen < 0)
                {
                    throw new VerificationException(VerificationProblem.Malformed, Inv($"Candidate {j}'s shares do not add up to a one-hot row for feature '{feature.Name}': the share files are not the three files of this deal."));
                }

                answers[f] = feature.Values[chosen].Name;
                offset += feature.Values.Count;
            }

            string? address = round.Households is { } h && h[j] >= 0 ? "household-" + h[j].ToString(CultureInfo.InvariantCulture) : null;
            candidates[j] = new Candidate(round.CandidateIds[j], answers, address);
        }

        return new SelectionProblem(round.Features, candidates, round.PanelSize);
    }

    private static void CheckCore(RoundDefinition round, RunEvidence evidence, IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<RunLog?>? logs, List<string> passed, List<AuditFinding> findings)
    {
        IReadOnlyList<SignedTranscript> signed = evidence.Transcripts;
        RunTranscript[] t = signed.Select(s => s.Transcript).ToArray();
        void Fail(VerificationProblem problem, string message) => findings.Add(new AuditFinding(problem, message));
        int before = findings.Count;

        // 1. Who and what round.
        for (int p = 0; p < t.Length; p++)
        {
            if (t[p].Party != p)
            {
                Fail(VerificationProblem.TranscriptMismatch, Inv($"Transcript {p} says it is provider {t[p].Party}'s."));
            }

            if (t[p].RoundId != round.RoundId || t[p].RoundHash != RunTranscript.HashRound(round))
            {
                Fail(VerificationProblem.TranscriptMismatch, Inv($"Provider {p}'s transcript is of round {t[p].RoundId[..8]}… with round hash {t[p].RoundHash[..16]}…, not of this round file ({round.RoundId[..8]}…, {RunTranscript.HashRound(round)[..16]}…)."));
            }
        }

        if (findings.Count == before)
        {
            passed.Add("the three transcripts are the three providers' and of this round file");
        }

        // 2. Signatures.
        before = findings.Count;
        for (int p = 0; p < t.Length; p++)
        {
            if (!signed[p].Verify(certificates[p]))
            {
                string thumb = Convert.ToHexString(SHA256.HashData(certificates[p].RawData))[..16];
                Fail(VerificationProblem.BadSignature, signed[p].Signature.IsEmpty
                    ? Inv($"Provider {p}'s transcript is not signed.")
                    : Inv($"Provider {p}'s transcript signature does not verify with its pinned certificate (SHA-256 {thumb}…): the transcript was changed after signing, or signed with another key."));
            }
        }

        if (findings.Count == before)
        {
            passed.Add("the three signatures verify with the pinned certificates");
        }

        // 3. What every provider saw must be the same in all three.
        before = findings.Count;
        (string Name, Func<RunTranscript, string> Value)[] shared =
        [
            ("run number", x => Inv($"{x.Run}")),
            ("strategy", x => x.Strategy),
            ("attempt limit", x => Inv($"{x.MaxAttempts}")),
            ("analyser", x => Inv($"{x.Analyser}")),
            ("composition setting", x => x.RevealComposition ? "on" : "off"),
            ("public seed", x => x.PublicSeed ?? "-"),
            ("tape commitments", x => string.Join(',', x.Commitments.Select(c => c ?? "-"))),
            ("opened contributions", x => string.Join(',', x.Contributions.Select(c => c ?? "-"))),
            ("success bits", x => x.SuccessBits),
            ("panel commitment", x => x.PanelCommitment ?? "-"),
        ];
        foreach ((string name, Func<RunTranscript, string> value) in shared)
        {
            for (int p = 1; p < t.Length; p++)
            {
                if (value(t[p]) != value(t[0]))
                {
                    Fail(VerificationProblem.TranscriptMismatch, Inv($"Providers 0 and {p} state different {name}."));
                }
            }
        }

        if (findings.Count == before)
        {
            passed.Add(Inv($"the three transcripts agree on run {t[0].Run}, the settings, the commitments, the opened contributions, the success bits '{t[0].SuccessBits}' and the panel commitment"));
        }

        // 4. The tape: every contribution opens its commitment (each as its own provider states it), or the public seed is the committed one.
        before = findings.Count;
        if (t[0].PublicSeed is { } seed)
        {
            try
            {
                round.VerifySeed(Convert.FromHexString(seed));
                passed.Add("the public test seed is the one the round file commits to (a test run: every provider knew the tape)");
            }
            catch (ProviderFileException e)
            {
                Fail(VerificationProblem.ContributionMismatch, e.Message);
            }
        }
        else
        {
            for (int p = 0; p < t.Length; p++)
            {
                string? commitment = t[p].Commitments[p], contribution = t[p].Contributions[p];
                if (commitment is null || contribution is null)
                {
                    Fail(VerificationProblem.ContributionMismatch, Inv($"Provider {p}'s transcript does not hold its commitment and opened contribution."));
                    continue;
                }

                try
                {
                    TapeReveal.Check(round.RoundIdBytes, p, Convert.FromHexString(commitment), Convert.FromHexString(contribution));
                }
                catch (VerificationException e)
                {
                    Fail(e.Problem, e.Message);
                }
            }

            if (findings.Count == before)
            {
                passed.Add("every opened tape contribution matches the commitment its provider published before the draw");
            }
        }

        // 5. Messages: what a sent to b is what b received from a.
        before = findings.Count;
        for (int a = 0; a < t.Length; a++)
        {
            for (int b = 0; b < t.Length; b++)
            {
                if (a == b)
                {
                    continue;
                }

                MessageDigest? sent = t[a].Messages.FirstOrDefault(m => m.Peer == b && m.Direction == TraceDirection.Sent);
                MessageDigest? received = t[b].Messages.FirstOrDefault(m => m.Peer == a && m.Direction == TraceDirection.Received);
                if (sent is null || received is null)
                {
                    Fail(VerificationProblem.TranscriptMismatch, Inv($"The transcripts lack the digest of the messages from provider {a} to provider {b}."));
                }
                else if (sent.Digest != received.Digest || sent.Messages != received.Messages || sent.Bytes != received.Bytes)
                {
                    Fail(VerificationProblem.TranscriptMismatch, Inv($"What provider {a} says it sent to provider {b} ({sent.Messages} messages, {sent.Bytes} bytes, digest {sent.Digest[..16]}…) differs from what provider {b} says it received from provider {a} ({received.Messages} messages, {received.Bytes} bytes, digest {received.Digest[..16]}…): one of them misstates the transcript, or a message was altered on the way."));
                }
            }
        }

        if (findings.Count == before)
        {
            long messages = t.Sum(x => x.Messages.Where(m => m.Direction == TraceDirection.Sent).Sum(m => m.Messages));
            passed.Add(Inv($"for every pair of providers, what one sent equals what the other received ({messages} messages in all)"));
        }

        // 6. The panel against the commitment (analyser's evidence only).
        if (evidence.Panel is { } panel)
        {
            if (evidence.PanelSalt is not { } salt || t[0].PanelCommitment is not { } commitment)
            {
                Fail(VerificationProblem.PanelMismatch, "The evidence holds a panel but no panel salt, or the transcripts hold no panel commitment.");
            }
            else if (panel.Count != round.PanelSize || RunTranscript.CommitPanel(round.RoundIdBytes, salt, panel) != commitment)
            {
                Fail(VerificationProblem.PanelMismatch, "The analyser's panel does not open the panel commitment that all three providers signed at the end of the run: it is not the panel of this run.");
            }
            else
            {
                passed.Add(Inv($"the analyser's panel of {panel.Count} opens the panel commitment all three providers signed"));
            }
        }

        // 7. The run logs.
        for (int p = 0; p < (logs?.Count ?? 0); p++)
        {
            if (logs![p] is not { } log)
            {
                continue;
            }

            try
            {
                if (t[p].LogHead is not { } head)
                {
                    throw new VerificationException(VerificationProblem.LogTruncated, Inv($"Provider {p}'s transcript names no run log head, but a log was given."));
                }

                log.RequireHead(head);
                string digest = t[p].Digest();
                if (!log.Entries.Any(e => e.Kind == "end" && e.Run == t[p].Run && e.Transcript == digest))
                {
                    throw new VerificationException(VerificationProblem.LogTruncated, Inv($"Provider {p}'s run log has no end entry of run {t[p].Run} with this transcript's digest: the log was cut short or belongs to another run."));
                }

                passed.Add(Inv($"provider {p}'s run log is intact and records this run: {log.Describe(t[p].Run)}"));
            }
            catch (VerificationException e)
            {
                Fail(e.Problem, $"Provider {p}'s run log: {e.Message}");
            }
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The joint tape rebuilt from the three opened contributions, for a replay: word i is the XOR of word i of the three
/// AES-128-CTR expansions (each word the keystream bytes [8i, 8i + 8) little-endian), exactly the words the providers'
/// <see cref="ContributionTape"/> shares held.
/// </summary>
public sealed class JointTapeReplay : IRandomTape, IDisposable
{
    private readonly RandomTape[] _tapes;

    /// <summary>Rebuilds the tape.</summary>
    /// <param name="contributions">The three 16-byte contributions in party order.</param>
    /// <exception cref="ArgumentException">Not three contributions of 16 bytes.</exception>
    public JointTapeReplay(IReadOnlyList<byte[]> contributions)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        if (contributions.Count != ProviderRun.Parties || contributions.Any(c => c is null || c.Length != 16))
        {
            throw new ArgumentException("Give the three 16-byte contributions in party order.", nameof(contributions));
        }

        _tapes = contributions.Select(c => new RandomTape(c)).ToArray();
    }

    /// <inheritdoc/>
    public ulong NextUInt64()
    {
        ulong word = 0;
        foreach (RandomTape t in _tapes)
        {
            word ^= t.NextUInt64();
        }

        return word;
    }

    /// <summary>Clears the expansions' keys.</summary>
    public void Dispose()
    {
        foreach (RandomTape t in _tapes)
        {
            t.Dispose();
        }
    }

    /// <summary>Describes the tape without the contributions.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "JointTapeReplay";
}
