using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;
using static MpcSortition.Selection.Tests.EvidenceByHand;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// <see cref="RunAudit.Check"/> on evidence written by hand: three transcripts of one run in the documented canonical
/// form whose round hash, tape commitments and panel commitment are computed here from their documented formulas, signed
/// here with the providers' keys. The clean evidence must audit clean; each evidence damaged one way must give exactly the
/// finding an auditor needs — the problem, the providers and the value named — and nothing else.
/// </summary>
public sealed class RunAuditEvidenceTests : IDisposable
{
    private static readonly int[] Panel = [1, 4, 9, 12, 17, 22];
    private static readonly byte[] Salt = Enumerable.Range(40, 32).Select(i => (byte)i).ToArray();
    private readonly X509Certificate2[] _certs = [EcCertificate("party-0"), EcCertificate("party-1"), EcCertificate("party-2")];
    private readonly SelectionProblem _problem = ProviderTestData.Problem();
    private readonly RoundDefinition _round;

    public RunAuditEvidenceTests() => _round = ProviderTestData.Round(_problem);

    public void Dispose()
    {
        foreach (X509Certificate2 c in _certs)
        {
            c.Dispose();
        }
    }

    [Fact]
    public void Hand_written_evidence_of_an_honest_run_audits_clean_with_every_check_named()
    {
        AuditReport report = RunAudit.Check(_round, Evidence(withPanel: true), _certs);
        Assert.True(report.IsClean, string.Join("\n", report.Findings.Select(f => f.Message)));
        Assert.Equal(
            [
                "the three transcripts are the three providers' and of this round file",
                "the three signatures verify with the pinned certificates",
                "the three transcripts agree on run 2, the settings, the commitments, the opened contributions, the success bits '001' and the panel commitment",
                "every opened tape contribution matches the commitment its provider published before the draw",
                "for every pair of providers, what one sent equals what the other received (" + Enumerable.Range(0, 3).Sum(a => Enumerable.Range(0, 3).Where(b => b != a).Sum(b => Count(a, b))) + " messages in all)",
                "the analyser's panel of 6 opens the panel commitment all three providers signed",
            ],
            report.Passed);
        Assert.Equal("AuditReport(6 checks passed, 0 findings)", report.ToString());

        // Another provider's evidence (no panel) has one check fewer.
        Assert.Equal(5, RunAudit.Check(_round, Evidence(withPanel: false), _certs).Passed.Count);
    }

    [Fact]
    public void A_transcript_in_the_wrong_place_or_of_another_round_is_named()
    {
        AuditFinding f = Single(Evidence(edit: (p, lines) => Set(lines, "party", p == 1 ? "2" : null)));
        Assert.Equal(new AuditFinding(VerificationProblem.TranscriptMismatch, "Transcript 1 says it is provider 2's."), f);

        f = Single(Evidence(edit: (p, lines) => Set(lines, "roundHash", p == 2 ? Hex('0') : null)));
        Assert.Equal(VerificationProblem.TranscriptMismatch, f.Problem);
        Assert.StartsWith($"Provider 2's transcript is of round {_round.RoundId[..8]}… with round hash 0000000000000000…, not of this round file", f.Message);
    }

    [Fact]
    public void An_unsigned_transcript_and_one_signed_with_another_key_are_told_apart()
    {
        RunEvidence good = Evidence();
        RunEvidence unsigned = Replace(good, 1, new SignedTranscript(good.Transcripts[1].Transcript, []));
        Assert.Equal(new AuditFinding(VerificationProblem.BadSignature, "Provider 1's transcript is not signed."), Single(unsigned));

        using X509Certificate2 other = EcCertificate("mallory");
        RunEvidence foreign = Replace(good, 2, new SignedTranscript(good.Transcripts[2].Transcript, Sign(good.Transcripts[2].Transcript.ToText(), other)));
        string thumb = Convert.ToHexString(SHA256.HashData(_certs[2].RawData))[..16];
        Assert.Equal(
            new AuditFinding(VerificationProblem.BadSignature, $"Provider 2's transcript signature does not verify with its pinned certificate (SHA-256 {thumb}…): the transcript was changed after signing, or signed with another key."),
            Single(foreign));
    }

    [Theory]
    [InlineData("run", "3", "run number")]
    [InlineData("strategy", "two-phase", "strategy")]
    [InlineData("maxAttempts", "99", "attempt limit")]
    [InlineData("analyser", "1", "analyser")]
    [InlineData("composition", "true", "composition setting")]
    [InlineData("commitment.0", "0000000000000000000000000000000000000000000000000000000000000000", "tape commitments")]
    [InlineData("contribution.0", "00000000000000000000000000000000", "opened contributions")]
    [InlineData("successBits", "01", "success bits")]
    [InlineData("panelCommitment", "-", "panel commitment")]
    public void A_value_every_provider_saw_that_one_states_differently_is_named(string key, string value, string name)
    {
        foreach (int party in (int[])[1, 2])
        {
            AuditFinding f = Single(Evidence(edit: (p, lines) => Set(lines, key, p == party ? value : null)));
            Assert.Equal(new AuditFinding(VerificationProblem.TranscriptMismatch, $"Providers 0 and {party} state different {name}."), f);
        }
    }

    [Fact]
    public void A_contribution_that_does_not_open_its_commitment_or_is_not_opened_is_named()
    {
        // All three state the same wrong contribution of provider 1.
        AuditFinding f = Single(Evidence(edit: (_, lines) => Set(lines, "contribution.1", Hex('7', 32))));
        Assert.Equal(VerificationProblem.ContributionMismatch, f.Problem);
        Assert.StartsWith($"Provider 1's opened tape contribution does not match the commitment it published before the draw ({Convert.ToHexString(Commitment(1))[..16]}…)", f.Message);

        f = Single(Evidence(edit: (_, lines) => Set(lines, "contribution.2", "-")));
        Assert.Equal(new AuditFinding(VerificationProblem.ContributionMismatch, "Provider 2's transcript does not hold its commitment and opened contribution."), f);
    }

    [Fact]
    public void A_public_test_tape_is_checked_against_the_round_files_seed_commitment()
    {
        byte[] seed = Enumerable.Range(7, 16).Select(i => (byte)i).ToArray();
        RoundDefinition seeded = ProviderTestData.Round(testSeed: seed);
        RunEvidence PublicTape(byte[] s) => Evidence(round: seeded, edit: (_, lines) =>
        {
            Set(lines, "tape", "public");
            Set(lines, "publicSeed", Convert.ToHexString(s));
            for (int q = 0; q < 3; q++)
            {
                Set(lines, $"commitment.{q}", "-");
                Set(lines, $"contribution.{q}", "-");
            }
        });

        AuditReport clean = RunAudit.Check(seeded, PublicTape(seed), _certs);
        Assert.True(clean.IsClean, string.Join("\n", clean.Findings.Select(x => x.Message)));
        Assert.Contains("the public test seed is the one the round file commits to (a test run: every provider knew the tape)", clean.Passed);

        byte[] other = (byte[])seed.Clone();
        other[0] ^= 1;
        AuditFinding f = Assert.Single(RunAudit.Check(seeded, PublicTape(other), _certs).Findings);
        Assert.Equal(VerificationProblem.ContributionMismatch, f.Problem);
        Assert.Contains("does not match the seed commitment", f.Message);
    }

    [Fact]
    public void Messages_one_provider_sent_that_another_did_not_receive_are_named_with_both_sides()
    {
        AuditFinding f = Single(Evidence(edit: (p, lines) => Set(lines, "received.0", p == 2 ? $"{Count(0, 2)} {Bytes(0, 2)} {Hex('0')}" : null)));
        Assert.Equal(VerificationProblem.TranscriptMismatch, f.Problem);
        Assert.Equal(
            $"What provider 0 says it sent to provider 2 ({Count(0, 2)} messages, {Bytes(0, 2)} bytes, digest {Digest(0, 2)[..16]}…) differs from what provider 2 says it received from provider 0 ({Count(0, 2)} messages, {Bytes(0, 2)} bytes, digest 0000000000000000…): one of them misstates the transcript, or a message was altered on the way.",
            f.Message);

        // One message fewer, or one byte fewer, with the same digest: still a mismatch.
        Assert.Equal(VerificationProblem.TranscriptMismatch, Single(Evidence(edit: (p, lines) => Set(lines, "sent.1", p == 0 ? $"{Count(0, 1) - 1} {Bytes(0, 1)} {Digest(0, 1)}" : null))).Problem);
        Assert.Equal(VerificationProblem.TranscriptMismatch, Single(Evidence(edit: (p, lines) => Set(lines, "sent.1", p == 0 ? $"{Count(0, 1)} {Bytes(0, 1) - 1} {Digest(0, 1)}" : null))).Problem);

        f = Single(Evidence(edit: (p, lines) => Set(lines, "sent.0", p == 1 ? string.Empty : null)));
        Assert.Equal(new AuditFinding(VerificationProblem.TranscriptMismatch, "The transcripts lack the digest of the messages from provider 1 to provider 0."), f);
    }

    [Fact]
    public void A_panel_that_does_not_open_the_signed_commitment_is_named()
    {
        RunEvidence good = Evidence(withPanel: true);
        const string NotThisRun = "The analyser's panel does not open the panel commitment that all three providers signed at the end of the run: it is not the panel of this run.";
        Assert.Equal(new AuditFinding(VerificationProblem.PanelMismatch, NotThisRun), Single(new RunEvidence(good.Transcripts, [1, 4, 9, 12, 17, 23], Salt)));
        Assert.Equal(new AuditFinding(VerificationProblem.PanelMismatch, NotThisRun), Single(new RunEvidence(good.Transcripts, [1, 4, 9, 12, 17], Salt)));
        byte[] salt = (byte[])Salt.Clone();
        salt[31] ^= 0x80;
        Assert.Equal(new AuditFinding(VerificationProblem.PanelMismatch, NotThisRun), Single(new RunEvidence(good.Transcripts, Panel, salt)));
        Assert.Equal(
            new AuditFinding(VerificationProblem.PanelMismatch, "The evidence holds a panel but no panel salt, or the transcripts hold no panel commitment."),
            Single(new RunEvidence(good.Transcripts, Panel)));
    }

    [Fact]
    public void The_certificates_are_three_in_party_order()
    {
        Assert.Equal("certificates", Assert.Throws<ArgumentException>(() => RunAudit.Check(_round, Evidence(), _certs[..2])).ParamName);
        Assert.Equal("round", Assert.Throws<ArgumentNullException>(() => RunAudit.Check(null!, Evidence(), _certs)).ParamName);
        Assert.Equal("evidence", Assert.Throws<ArgumentNullException>(() => RunAudit.Check(_round, null!, _certs)).ParamName);
        Assert.Equal("certificates", Assert.Throws<ArgumentNullException>(() => RunAudit.Check(_round, Evidence(), null!)).ParamName);

        // Certificates in another order: every signature fails, each named.
        AuditReport swapped = RunAudit.Check(_round, Evidence(), [_certs[1], _certs[0], _certs[2]]);
        Assert.Equal([VerificationProblem.BadSignature, VerificationProblem.BadSignature], swapped.Findings.Select(f => f.Problem));
        Assert.Contains("Provider 0's", swapped.Findings[0].Message);
        Assert.Contains("Provider 1's", swapped.Findings[1].Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_replay_of_hand_written_evidence_finds_the_reference_panel_on_the_documented_tape(bool publicTape)
    {
        // Expected: the plaintext reference on the original pool with the tape built here from the documented formula
        // (XOR of the three AES-CTR expansions, or the public seed's expansion) — not with RunAudit's reconstruction.
        byte[] seed = Enumerable.Range(7, 16).Select(i => (byte)i).ToArray();
        RoundDefinition round = publicTape ? ProviderTestData.Round(_problem, testSeed: seed) : _round;
        SelectionResult expected = PanelSelector.Select(_problem, new LegacyGreedy(), publicTape ? new RandomTape(seed) : new XorTape(), 50);
        int[] panel = expected.Panel.Order().ToArray();
        RunEvidence evidence = ReplayEvidence(round, expected.Attempts, panel, publicTape ? seed : null);

        AuditReport report = RunAudit.Replay(round, evidence, _certs, Shares(round));
        Assert.True(report.IsClean, string.Join("\n", report.Findings.Select(f => f.Message)));
        Assert.Equal(panel, report.ReplayedPanel);
        Assert.Equal(
            [
                $"replay: the plaintext reference (legacy) on the reconstructed pool and the rebuilt tape succeeds at attempt {expected.Attempts} (0 = every attempt failed), as the success bits say",
                "replay: the replayed panel equals the analyser's panel",
                "replay: the replayed panel opens the panel commitment all three providers signed",
            ],
            report.Passed.TakeLast(3));
    }

    [Fact]
    public void A_replay_that_disagrees_with_the_success_bits_or_the_analysers_panel_is_named()
    {
        SelectionResult expected = PanelSelector.Select(_problem, new LegacyGreedy(), new XorTape(), 50);
        int[] panel = expected.Panel.Order().ToArray();

        // The success bits claim one attempt later.
        AuditReport late = RunAudit.Replay(_round, ReplayEvidence(_round, expected.Attempts + 1, panel), _certs, Shares(_round));
        string bits = new string('0', expected.Attempts) + "1";
        Assert.Equal(
            [new AuditFinding(VerificationProblem.PanelMismatch, $"The replay finds a panel at attempt {expected.Attempts} (0 = none), but the providers' success bits '{bits}' say attempt {expected.Attempts + 1}: the run did not follow the published algorithm on this pool and tape.")],
            late.Findings);

        // The analyser committed to another panel and reports it: the signed commitment opens, the replay does not.
        int[] other = Enumerable.Range(0, 24).Except(panel).Take(panel.Length).ToArray();
        AuditReport steered = RunAudit.Replay(_round, ReplayEvidence(_round, expected.Attempts, other), _certs, Shares(_round));
        Assert.Equal(
            [
                new AuditFinding(VerificationProblem.PanelMismatch, "The replayed panel differs from the analyser's panel: the panel reported is not the one the published algorithm selects with this tape."),
                new AuditFinding(VerificationProblem.PanelMismatch, "The replayed panel does not open the panel commitment that all three providers signed."),
            ],
            steered.Findings);
        Assert.Equal(panel, steered.ReplayedPanel);
    }

    [Fact]
    public void A_replay_without_the_opened_contributions_or_with_an_attempt_limit_of_one_is_told_apart()
    {
        RunEvidence sealedTape = Evidence(edit: (_, lines) => Set(lines, "contribution.1", "-"));
        AuditReport report = RunAudit.Replay(_round, sealedTape, _certs, Shares(_round));
        Assert.Null(report.ReplayedPanel);
        Assert.Equal(new AuditFinding(VerificationProblem.TranscriptMismatch, "The transcripts do not hold the three opened contributions, so the tape cannot be rebuilt."), report.Findings[^1]);

        // A limit of 1 is a limit: replayed (here: no panel at attempt 1, so the success bits '001' disagree).
        AuditReport one = RunAudit.Replay(_round, Evidence(edit: (_, lines) => Set(lines, "maxAttempts", "1")), _certs, Shares(_round));
        Assert.DoesNotContain(one.Findings, f => f.Problem == VerificationProblem.Malformed);
        Assert.Contains(one.Findings, f => f.Problem == VerificationProblem.PanelMismatch && f.Message.Contains("success bits '001' say attempt 3", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pool_is_reconstructed_from_the_three_shares_and_shares_that_do_not_add_up_are_named()
    {
        SelectionProblem pool = RunAudit.Reconstruct(_round, Shares(_round));
        Assert.Equal(_problem.Candidates.Select(c => string.Join(",", c.Values)), pool.Candidates.Select(c => string.Join(",", c.Values)));
        Assert.Equal(_problem.Candidates.Select(c => c.Id), pool.Candidates.Select(c => c.Id));
        Assert.Equal(_problem.PanelSize, pool.PanelSize);

        // Same address in the original pool exactly when same address in the reconstruction (the groups, not the names).
        for (int i = 0; i < 24; i++)
        {
            for (int j = 0; j < 24; j++)
            {
                Assert.Equal(_problem.Candidates[i].Address == _problem.Candidates[j].Address, pool.Candidates[i].Address == pool.Candidates[j].Address);
            }
        }

        int v = _round.ValueCount;
        foreach ((int index, uint delta, string feature) in new[] { (0, 1u, "gender"), (v + 2, uint.MaxValue, "age"), ((5 * v) + v - 1, 1u, "region") })
        {
            ReadOnlyMemory<uint>[] shares = Shares(_round);
            uint[] changed = shares[1].ToArray();
            changed[index] = unchecked(changed[index] + delta);
            shares[1] = changed;
            VerificationException e = Assert.Throws<VerificationException>(() => RunAudit.Reconstruct(_round, shares));
            Assert.Equal(VerificationProblem.Malformed, e.Problem);
            Assert.Equal($"Candidate {index / v}'s shares do not add up to a one-hot row for feature '{feature}': the share files are not the three files of this deal.", e.Message);
        }

        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => RunAudit.Reconstruct(_round, Shares(_round)[..2])).ParamName);
        Assert.Equal("round", Assert.Throws<ArgumentNullException>(() => RunAudit.Reconstruct(null!, Shares(_round))).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentNullException>(() => RunAudit.Reconstruct(_round, null!)).ParamName);
        ReadOnlyMemory<uint>[] shortOne = Shares(_round);
        shortOne[2] = shortOne[2][..^1];
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => RunAudit.Reconstruct(_round, shortOne)).ParamName);
    }

    [Fact]
    public void The_rebuilt_joint_tape_is_the_xor_of_the_three_expansions_and_needs_three_16_byte_contributions()
    {
        using var rebuilt = new JointTapeReplay(Enumerable.Range(0, 3).Select(Contribution).ToArray());
        var reference = new XorTape();
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(reference.NextUInt64(), rebuilt.NextUInt64());
        }

        Assert.Equal("JointTapeReplay", rebuilt.ToString());
        Assert.Equal("contributions", Assert.Throws<ArgumentException>(() => new JointTapeReplay([Contribution(0), Contribution(1)])).ParamName);
        Assert.Equal("contributions", Assert.Throws<ArgumentException>(() => new JointTapeReplay([Contribution(0), Contribution(1), new byte[15]])).ParamName);
        Assert.Equal("contributions", Assert.Throws<ArgumentException>(() => new JointTapeReplay([Contribution(0), null!, Contribution(2)])).ParamName);
        Assert.Equal("contributions", Assert.Throws<ArgumentNullException>(() => new JointTapeReplay(null!)).ParamName);
    }

    [Fact]
    public void The_reference_strategies_are_the_three_named_ones()
    {
        foreach (string name in (string[])["legacy", "legacy-clamped", "two-phase"])
        {
            Assert.Equal(name, RunAudit.ReferenceStrategy(name).Name);
        }

        Assert.IsType<TwoPhaseGreedy>(RunAudit.ReferenceStrategy("two-phase"));
        Assert.True(Assert.IsType<LegacyGreedy>(RunAudit.ReferenceStrategy("legacy-clamped")).Clamped);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => RunAudit.ReferenceStrategy("Legacy")).ParamName);
    }

    /// <summary>The shares of <see cref="_problem"/>'s pool under <paramref name="round"/>'s layout.</summary>
    private ReadOnlyMemory<uint>[] Shares(RoundDefinition round) =>
        ContributorEncoding.ShareRows(round.Features, _problem.Candidates.Select(c => c.Values)).Select(x => (ReadOnlyMemory<uint>)x).ToArray();

    /// <summary>The analyser's evidence of a run that found <paramref name="panel"/> at <paramref name="attempt"/>, signed.</summary>
    private RunEvidence ReplayEvidence(RoundDefinition round, int attempt, int[] panel, byte[]? publicSeed = null)
    {
        var data = new List<byte>([.. "MpcSortition.panel-commitment.v1"u8, .. Convert.FromHexString(round.RoundId), .. Salt]);
        foreach (int x in (int[])[panel.Length, .. panel])
        {
            byte[] le = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(le, x);
            data.AddRange(le);
        }

        RunEvidence e = Evidence(round: round, edit: (_, lines) =>
        {
            Set(lines, "successBits", new string('0', attempt - 1) + "1");
            Set(lines, "panelCommitment", Convert.ToHexString(SHA256.HashData(data.ToArray())));
            if (publicSeed is not null)
            {
                Set(lines, "tape", "public");
                Set(lines, "publicSeed", Convert.ToHexString(publicSeed));
                for (int q = 0; q < 3; q++)
                {
                    Set(lines, $"commitment.{q}", "-");
                    Set(lines, $"contribution.{q}", "-");
                }
            }
        });
        return new RunEvidence(e.Transcripts, panel, Salt);
    }

    private static int Count(int from, int to) => 10 + (3 * from) + to;

    private static int Bytes(int from, int to) => 1000 + (100 * from) + (7 * to);

    private static string Digest(int from, int to) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{from}->{to}")));

    private static byte[] Contribution(int party) => Enumerable.Range(16 * party, 16).Select(i => (byte)(i * 3)).ToArray();

    private byte[] Commitment(int party) => Commitment(_round, party);

    /// <summary>The documented commitment SHA-256("MpcSortition.tape-contribution.v1" ‖ round id ‖ party LE32 ‖ s_i).</summary>
    private static byte[] Commitment(RoundDefinition round, int party)
    {
        byte[] p = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(p, party);
        return SHA256.HashData([.. "MpcSortition.tape-contribution.v1"u8, .. Convert.FromHexString(round.RoundId), .. p, .. Contribution(party)]);
    }

    /// <summary>The documented round hash (see <see cref="RunTranscriptFormatTests"/>, which checks the formula against the code).</summary>
    private static string RoundHash(RoundDefinition round)
    {
        byte[] created = Encoding.UTF8.GetBytes(round.CreatedUtc);
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, created.Length);
        return Convert.ToHexString(SHA256.HashData(
        [
            .. "MpcSortition.round-definition.v1"u8, .. Convert.FromHexString(round.RoundId), .. Convert.FromHexString(round.LayoutHash),
            .. length, .. created, .. (round.SeedCommitment is { } c ? Convert.FromHexString(c) : new byte[32]),
        ]));
    }

    /// <summary>The documented panel commitment of <see cref="Panel"/> with <see cref="Salt"/>.</summary>
    private static string PanelCommitment(RoundDefinition round)
    {
        var data = new List<byte>([.. "MpcSortition.panel-commitment.v1"u8, .. Convert.FromHexString(round.RoundId), .. Salt]);
        foreach (int x in (int[])[Panel.Length, .. Panel])
        {
            byte[] le = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(le, x);
            data.AddRange(le);
        }

        return Convert.ToHexString(SHA256.HashData(data.ToArray()));
    }

    /// <summary>Party <paramref name="party"/>'s transcript lines of an honest joint-tape run that found the panel at attempt 3.</summary>
    private static List<string> Lines(RoundDefinition round, int party)
    {
        var lines = new List<string>
        {
            "MpcSortition.run-transcript.v1", $"party={party}", $"round={round.RoundId}", $"roundHash={RoundHash(round)}", "run=2",
            "strategy=legacy", "maxAttempts=50", "analyser=0", "composition=false", "tape=joint", "publicSeed=-",
        };
        lines.AddRange(Enumerable.Range(0, 3).Select(q => $"commitment.{q}={Convert.ToHexString(Commitment(round, q))}"));
        lines.AddRange(Enumerable.Range(0, 3).Select(q => $"contribution.{q}={Convert.ToHexString(Contribution(q))}"));
        lines.AddRange(["successBits=001", $"panelCommitment={PanelCommitment(round)}", "logHead=-"]);
        foreach (int peer in Enumerable.Range(0, 3).Where(q => q != party))
        {
            lines.Add($"sent.{peer}={Count(party, peer)} {Bytes(party, peer)} {Digest(party, peer)}");
            lines.Add($"received.{peer}={Count(peer, party)} {Bytes(peer, party)} {Digest(peer, party)}");
        }

        return lines;
    }

    /// <summary>Sets the line of <paramref name="key"/> to <paramref name="value"/> (null: leave it; empty: remove it for message lines).</summary>
    private static void Set(List<string> lines, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        int i = lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal));
        Assert.True(i > 0, $"no line {key}");
        if (value.Length == 0 && (key.StartsWith("sent.", StringComparison.Ordinal) || key.StartsWith("received.", StringComparison.Ordinal)))
        {
            lines.RemoveAt(i);
        }
        else
        {
            lines[i] = key + "=" + value;
        }
    }

    /// <summary>The evidence of the run, each transcript edited by <paramref name="edit"/> and then signed by its provider.</summary>
    private RunEvidence Evidence(bool withPanel = false, Action<int, List<string>>? edit = null, RoundDefinition? round = null)
    {
        round ??= _round;
        var transcripts = new SignedTranscript[3];
        for (int p = 0; p < 3; p++)
        {
            List<string> lines = Lines(round, p);
            edit?.Invoke(p, lines);
            string text = Text(lines);
            transcripts[p] = new SignedTranscript(RunTranscript.Parse(text), Sign(text, _certs[p]));
        }

        return withPanel ? new RunEvidence(transcripts, Panel, Salt) : new RunEvidence(transcripts);
    }

    private static RunEvidence Replace(RunEvidence e, int party, SignedTranscript transcript) =>
        new(e.Transcripts.Select((t, p) => p == party ? transcript : t).ToArray(), e.Panel, e.PanelSalt);

    private AuditFinding Single(RunEvidence evidence) => Assert.Single(RunAudit.Check(_round, evidence, _certs).Findings);

    /// <summary>The documented joint tape: word i is the XOR of word i of the three contributions' AES-CTR expansions.</summary>
    private sealed class XorTape : IRandomTape
    {
        private readonly RandomTape[] _tapes = Enumerable.Range(0, 3).Select(p => new RandomTape(Contribution(p))).ToArray();

        public ulong NextUInt64() => _tapes[0].NextUInt64() ^ _tapes[1].NextUInt64() ^ _tapes[2].NextUInt64();
    }
}
