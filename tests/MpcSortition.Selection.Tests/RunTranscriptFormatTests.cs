using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;
using static MpcSortition.Selection.Tests.EvidenceByHand;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// <see cref="RunTranscript.Parse"/> and <see cref="SignedTranscript"/> on transcripts written by hand in the documented
/// canonical form (docs/verifiability.md, "Transcript"): a well-formed one is read field by field, and each damaged one is
/// refused as <see cref="VerificationProblem.Malformed"/> with the line or key named — what an auditor reading a provider's
/// <c>evidence.json</c> sees. Signatures are made here with .NET's ECDSA and RSA, not with the code under test.
/// </summary>
public sealed class RunTranscriptFormatTests
{
    [Fact]
    public void A_documented_transcript_is_read_field_by_field_and_is_its_own_canonical_text()
    {
        string text = Text(TranscriptLines(party: 1));
        RunTranscript t = RunTranscript.Parse(text);

        Assert.Equal(1, t.Party);
        Assert.Equal(Round, t.RoundId);
        Assert.Equal(Hex('B'), t.RoundHash);
        Assert.Equal(2, t.Run);
        Assert.Equal("legacy", t.Strategy);
        Assert.Equal(100, t.MaxAttempts);
        Assert.Equal(0, t.Analyser);
        Assert.False(t.RevealComposition);
        Assert.Null(t.PublicSeed);
        Assert.Equal([Hex('C'), Hex('D'), Hex('E')], t.Commitments);
        Assert.Equal([Hex('1', 32), Hex('2', 32), Hex('3', 32)], t.Contributions);
        Assert.Equal("0001", t.SuccessBits);
        Assert.Equal(4, t.SuccessfulAttempt);
        Assert.Equal(Hex('A'), t.PanelCommitment);
        Assert.Equal(Hex('F'), t.LogHead);
        Assert.Equal(
            [
                new MessageDigest(0, TraceDirection.Sent, 10, 1000, Hex('4')),
                new MessageDigest(0, TraceDirection.Received, 20, 2000, Hex('7')),
                new MessageDigest(2, TraceDirection.Sent, 12, 1002, Hex('6')),
                new MessageDigest(2, TraceDirection.Received, 22, 2002, Hex('9')),
            ],
            t.Messages);
        Assert.Equal(text, t.ToText());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))), t.Digest());
        Assert.Equal("RunTranscript(party 1, round 00112233…, run 2)", t.ToString());
    }

    [Fact]
    public void A_public_tape_run_without_attempts_panel_or_log_reads_its_dashes_as_absent()
    {
        List<string> lines = TranscriptLines(party: 0);
        string[] replaced =
        [
            "party=0", "composition=true", "tape=public", $"publicSeed={Hex('9', 32)}", "commitment.0=-", "commitment.1=-", "commitment.2=-",
            "contribution.0=-", "contribution.1=-", "contribution.2=-", "successBits=", "panelCommitment=-", "logHead=-",
        ];
        foreach (string line in replaced)
        {
            string key = line[..line.IndexOf('=', StringComparison.Ordinal)];
            lines[lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal))] = line;
        }

        string text = Text(lines);
        RunTranscript t = RunTranscript.Parse(text);
        Assert.Equal(0, t.Party);
        Assert.True(t.RevealComposition);
        Assert.Equal(Hex('9', 32), t.PublicSeed);
        Assert.Equal([null, null, null], t.Commitments);
        Assert.Equal([null, null, null], t.Contributions);
        Assert.Equal(string.Empty, t.SuccessBits);
        Assert.Equal(0, t.SuccessfulAttempt);
        Assert.Null(t.PanelCommitment);
        Assert.Null(t.LogHead);
        Assert.Equal(text, t.ToText());
    }

    [Theory]
    [InlineData("000", 0)]
    [InlineData("0010", 0)]
    [InlineData("1", 1)]
    [InlineData("00000001", 8)]
    public void The_successful_attempt_is_the_last_bit_when_it_is_one(string bits, int attempt)
    {
        Assert.Equal(attempt, RunTranscript.Parse(TranscriptWith("successBits", bits)).SuccessfulAttempt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MpcSortition.run-transcript.v1")]
    [InlineData("MpcSortition.run-transcript.v2\nparty=1\n")]
    [InlineData("\nMpcSortition.run-transcript.v1\n")]
    public void A_text_without_the_header_line_or_the_last_line_break_is_refused(string text)
    {
        Assert.Contains("it does not start with MpcSortition.run-transcript.v1 or does not end with a line break", Refused(text));
    }

    [Fact]
    public void A_transcript_cut_anywhere_is_refused_and_a_missing_last_line_break_is_named()
    {
        string text = Text(TranscriptLines());
        Assert.Equal("The transcript is malformed: it has no 'party'.", Refused("MpcSortition.run-transcript.v1\n"));
        Assert.Contains("does not end with a line break", Refused(text[..^1]));
        Assert.Contains("does not end with a line break", Refused(text.Replace("\n", "\r\n", StringComparison.Ordinal)));
        // Every cut before the message lines (which are optional: the audit reports a missing one) loses a field or a line end.
        for (int cut = text.IndexOf('\n', StringComparison.Ordinal) + 1; cut < text.IndexOf("sent.", StringComparison.Ordinal); cut += 7)
        {
            Assert.Equal(VerificationProblem.Malformed, Assert.Throws<VerificationException>(() => RunTranscript.Parse(text[..cut])).Problem);
        }
    }

    [Theory]
    [InlineData("party")]
    [InlineData("round")]
    [InlineData("roundHash")]
    [InlineData("run")]
    [InlineData("strategy")]
    [InlineData("maxAttempts")]
    [InlineData("analyser")]
    [InlineData("composition")]
    [InlineData("publicSeed")]
    [InlineData("commitment.0")]
    [InlineData("commitment.1")]
    [InlineData("commitment.2")]
    [InlineData("contribution.0")]
    [InlineData("contribution.1")]
    [InlineData("contribution.2")]
    [InlineData("successBits")]
    [InlineData("panelCommitment")]
    [InlineData("logHead")]
    public void A_missing_field_is_named(string key)
    {
        Assert.Equal($"The transcript is malformed: it has no '{key}'.", Refused(TranscriptWith(key, null)));
    }

    [Fact]
    public void A_missing_tape_line_breaks_the_canonical_form()
    {
        Assert.Contains("it is not in canonical form", Refused(TranscriptWith("tape", null)));
    }

    [Fact]
    public void A_missing_message_digest_line_is_read_as_absent_for_the_audit_to_report()
    {
        // A transcript may lack a peer's digest (RunAudit reports "lack the digest of the messages"); the reader keeps the rest.
        RunTranscript t = RunTranscript.Parse(TranscriptWith("sent.2", null));
        Assert.Equal(3, t.Messages.Count);
        Assert.DoesNotContain(t.Messages, m => m.Peer == 2 && m.Direction == TraceDirection.Sent);
    }

    [Theory]
    [InlineData("run", "two", "'run' is not a number")]
    [InlineData("run", "", "'run' is not a number")]
    [InlineData("party", "1.0", "'party' is not a number")]
    [InlineData("maxAttempts", "99999999999", "'maxAttempts' is not a number")]
    [InlineData("analyser", "zero", "'analyser' is not a number")]
    [InlineData("round", "00112233445566778899aabbccddeeff", "'round' is not 32 hex digits or -")]
    [InlineData("round", "00112233445566778899AABBCCDDEE", "'round' is not 32 hex digits or -")]
    [InlineData("round", "-", "'round' is missing")]
    [InlineData("roundHash", "-", "'roundHash' is missing")]
    [InlineData("roundHash", "BBBB", "'roundHash' is not 64 hex digits or -")]
    [InlineData("publicSeed", "GG112233445566778899AABBCCDDEEFF", "'publicSeed' is not 32 hex digits or -")]
    [InlineData("commitment.1", "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD", "'commitment.1' is not 64 hex digits or -")]
    [InlineData("contribution.2", "33333333333333333333333333333333333333333333333333333333333333333", "'contribution.2' is not 32 hex digits or -")]
    [InlineData("panelCommitment", "", "'panelCommitment' is not 64 hex digits or -")]
    [InlineData("logHead", "f", "'logHead' is not 64 hex digits or -")]
    public void A_field_of_the_wrong_shape_is_named(string key, string value, string why)
    {
        Assert.Equal($"The transcript is malformed: {why}.", Refused(TranscriptWith(key, value)));
    }

    [Theory]
    [InlineData("sent.0", "10 1000")]
    [InlineData("sent.0", "10 1000 4444 4")]
    [InlineData("sent.0", "-10 1000 HASH")]
    [InlineData("sent.0", "10 +1000 HASH")]
    [InlineData("sent.0", "ten 1000 HASH")]
    [InlineData("sent.0", "10 1000 hash")]
    [InlineData("received.2", "22 2002 HASH0")]
    [InlineData("received.2", "22  HASH")]
    public void A_message_digest_line_of_the_wrong_shape_is_named(string key, string value)
    {
        value = value.Replace("HASH", Hex('5'), StringComparison.Ordinal).Replace("hash", new string('a', 64), StringComparison.Ordinal);
        string line = $"{key}={value}";
        Assert.Equal($"The transcript is malformed: the line '{Quoted(line)}' is not 'sent.j=messages bytes digest'.", Refused(TranscriptWith(key, value)));
    }

    [Theory]
    [InlineData("sent.x")]
    [InlineData("sent.-1")]
    [InlineData("received.")]
    [InlineData("sent.99999999999")]
    public void A_message_digest_line_whose_peer_is_not_a_number_is_named(string key)
    {
        List<string> lines = TranscriptLines();
        string line = $"{key}=1 2 {Hex('5')}";
        lines.Add(line);
        Assert.Equal($"The transcript is malformed: the line '{Quoted(line)}' is not 'sent.j=messages bytes digest'.", Refused(Text(lines)));
    }

    [Theory]
    [InlineData("no key here")]
    [InlineData("=value without a key")]
    [InlineData("")]
    public void A_line_without_a_key_is_quoted(string line)
    {
        List<string> lines = TranscriptLines();
        lines.Insert(5, line);
        Assert.Equal($"The transcript is malformed: the line '{line}' has no key.", Refused(Text(lines)));
    }

    [Fact]
    public void A_long_or_unprintable_line_is_quoted_clipped_and_without_control_characters()
    {
        List<string> lines = TranscriptLines();
        lines.Insert(3, "x\ty" + new string('z', 100));
        string message = Refused(Text(lines));
        Assert.Equal($"The transcript is malformed: the line 'x?y{new string('z', 57)}…' has no key.", message);

        lines = TranscriptLines();
        lines.Insert(3, new string('q', 60));
        Assert.Contains($"the line '{new string('q', 60)}' has no key", Refused(Text(lines)));
    }

    [Fact]
    public void A_repeated_key_is_named()
    {
        List<string> lines = TranscriptLines();
        lines.Insert(5, "run=2");
        Assert.Equal("The transcript is malformed: the key 'run' appears twice.", Refused(Text(lines)));
    }

    [Theory]
    [InlineData("run", "02")]
    [InlineData("run", "+2")]
    [InlineData("party", "01")]
    [InlineData("composition", "yes")]
    [InlineData("composition", "False")]
    [InlineData("tape", "public")]
    [InlineData("tape", "JOINT")]
    [InlineData("successBits", "0x1")]
    [InlineData("successBits", "0021")]
    [InlineData("successBits", "000 1")]
    public void A_value_written_another_way_than_the_canonical_one_is_refused(string key, string value)
    {
        Assert.Equal("The transcript is malformed: it is not in canonical form (keys out of order, unknown keys, or values written differently).", Refused(TranscriptWith(key, value)));
    }

    [Fact]
    public void Lines_out_of_order_or_an_unknown_key_break_the_canonical_form()
    {
        List<string> lines = TranscriptLines();
        (lines[4], lines[5]) = (lines[5], lines[4]);
        Assert.Contains("not in canonical form", Refused(Text(lines)));

        lines = TranscriptLines();
        int sent = lines.FindIndex(l => l.StartsWith("sent.0=", StringComparison.Ordinal));
        (lines[sent], lines[sent + 1]) = (lines[sent + 1], lines[sent]);
        Assert.Contains("not in canonical form", Refused(Text(lines)));

        lines = TranscriptLines();
        lines.Add("comment=hello");
        Assert.Contains("not in canonical form", Refused(Text(lines)));
    }

    [Theory]
    [InlineData("leg\racy")]
    [InlineData("legacy\t")]
    [InlineData("\u0085legacy")]
    public void A_strategy_name_with_a_control_character_is_a_malformed_transcript_not_an_invalid_operation(string strategy)
    {
        // Found by this test: the reader accepted the line and then failed in ToText with InvalidOperationException,
        // which the audit verb does not catch (a stack trace instead of "the evidence file is malformed").
        Assert.Equal("The transcript is malformed: 'strategy' contains a control character.", Refused(TranscriptWith("strategy", strategy)));
    }

    [Fact]
    public void A_writer_refuses_to_sign_a_strategy_name_that_would_break_the_line_structure()
    {
        RunTranscript t = RunTranscript.Parse(Text(TranscriptLines()));
        var broken = new RunTranscript
        {
            Party = t.Party, RoundId = t.RoundId, RoundHash = t.RoundHash, Run = t.Run, Strategy = "legacy\nrun=3", MaxAttempts = t.MaxAttempts,
            Analyser = t.Analyser, RevealComposition = t.RevealComposition, Commitments = t.Commitments, Contributions = t.Contributions,
            SuccessBits = t.SuccessBits, Messages = t.Messages,
        };
        Assert.Throws<InvalidOperationException>(broken.ToText);
        using X509Certificate2 ec = EcCertificate("party-1");
        Assert.Throws<InvalidOperationException>(() => SignedTranscript.Sign(broken, ec));
    }

    [Fact]
    public void A_strategy_name_with_spaces_or_other_letters_is_kept_as_written()
    {
        Assert.Equal("légacy two", RunTranscript.Parse(TranscriptWith("strategy", "légacy two")).Strategy);
        Assert.Equal("a=b", RunTranscript.Parse(TranscriptWith("strategy", "a=b")).Strategy);
    }

    [Fact]
    public void A_signature_made_with_the_documented_algorithms_verifies_and_one_over_anything_else_does_not()
    {
        using X509Certificate2 ec = EcCertificate("party-1");
        X509Certificate2 rsa = RsaCertificate;
        using X509Certificate2 ecPublic = PublicOnly(ec);
        using X509Certificate2 rsaPublic = PublicOnly(rsa);
        string text = Text(TranscriptLines());
        RunTranscript t = RunTranscript.Parse(text);

        Assert.True(new SignedTranscript(t, Sign(text, ec)).Verify(ecPublic));
        Assert.True(new SignedTranscript(t, Sign(text, rsa)).Verify(rsaPublic));

        // The same key over other text, another key, another encoding, a cut signature, no signature.
        Assert.False(new SignedTranscript(t, Sign(TranscriptWith("run", "3"), ec)).Verify(ecPublic));
        Assert.False(new SignedTranscript(t, Sign(text, ec)).Verify(rsaPublic));
        Assert.False(new SignedTranscript(t, Sign(text, rsa)).Verify(ecPublic));
        using (ECDsa key = ec.GetECDsaPrivateKey()!)
        {
            byte[] der = key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            Assert.False(new SignedTranscript(t, der).Verify(ecPublic));
        }

        using (RSA key = rsa.GetRSAPrivateKey()!)
        {
            byte[] pkcs1 = key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            Assert.False(new SignedTranscript(t, pkcs1).Verify(rsaPublic));
        }

        Assert.False(new SignedTranscript(t, Sign(text, ec)[..^1]).Verify(ecPublic));
        Assert.False(new SignedTranscript(t, Sign(text, rsa)[..^1]).Verify(rsaPublic));
        Assert.False(new SignedTranscript(t, []).Verify(ecPublic));
        Assert.Equal("RunTranscript(party 1, round 00112233…, run 2) unsigned", new SignedTranscript(t, []).ToString());
        Assert.Equal("RunTranscript(party 1, round 00112233…, run 2) signed", new SignedTranscript(t, Sign(text, ec)).ToString());
    }

    [Fact]
    public void Signing_gives_a_signature_that_the_documented_verification_accepts_and_needs_a_private_key()
    {
        using X509Certificate2 ec = EcCertificate("party-2");
        X509Certificate2 rsa = RsaCertificate;
        using X509Certificate2 ecPublic = PublicOnly(ec);
        string text = Text(TranscriptLines(party: 2));
        RunTranscript t = RunTranscript.Parse(text);

        byte[] ecSignature = SignedTranscript.Sign(t, ec).Signature.ToArray();
        Assert.Equal(64, ecSignature.Length);
        using (ECDsa key = ec.GetECDsaPublicKey()!)
        {
            Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(text), ecSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }

        byte[] rsaSignature = SignedTranscript.Sign(t, rsa).Signature.ToArray();
        using (RSA key = rsa.GetRSAPublicKey()!)
        {
            Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(text), rsaSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        }

        Assert.Equal("certificate", Assert.Throws<ArgumentException>(() => SignedTranscript.Sign(t, ecPublic)).ParamName);
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => SignedTranscript.Sign(t, null!)).ParamName);
        Assert.Equal("transcript", Assert.Throws<ArgumentNullException>(() => SignedTranscript.Sign(null!, ec)).ParamName);
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => new SignedTranscript(t, ecSignature).Verify(null!)).ParamName);
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => new SignedTranscript(t, []).Verify(null!)).ParamName);
        Assert.Equal("transcript", Assert.Throws<ArgumentNullException>(() => new SignedTranscript(null!, ecSignature)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => RunTranscript.Parse(null!)).ParamName);
    }

    [Fact]
    public void The_panel_commitment_is_the_documented_hash_and_needs_a_32_byte_salt()
    {
        byte[] roundId = Convert.FromHexString(Round);
        byte[] salt = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        int[] panel = [3, 17, 1_000_000];
        var expected = new List<byte>([.. "MpcSortition.panel-commitment.v1"u8, .. roundId, .. salt]);
        foreach (int x in (int[])[panel.Length, .. panel])
        {
            byte[] le = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(le, x);
            expected.AddRange(le);
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(expected.ToArray())), RunTranscript.CommitPanel(roundId, salt, panel));
        Assert.NotEqual(RunTranscript.CommitPanel(roundId, salt, panel), RunTranscript.CommitPanel(roundId, salt, [3, 17]));
        Assert.Equal("salt", Assert.Throws<ArgumentException>(() => RunTranscript.CommitPanel(roundId, salt[..31], panel)).ParamName);
        Assert.Equal("salt", Assert.Throws<ArgumentException>(() => RunTranscript.CommitPanel(roundId, [.. salt, 0], panel)).ParamName);
        Assert.Equal("panel", Assert.Throws<ArgumentNullException>(() => RunTranscript.CommitPanel(roundId, salt, null!)).ParamName);
    }

    /// <summary>A line as a refusal quotes it: its first 60 characters and an ellipsis when longer.</summary>
    private static string Quoted(string line) => line.Length > 60 ? line[..60] + "…" : line;

    [Fact]
    public void The_round_hash_is_the_documented_hash_of_the_round_files_public_fields()
    {
        RoundDefinition joint = ProviderTestData.Round();
        RoundDefinition seeded = ProviderTestData.Round(testSeed: Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Null(joint.SeedCommitment);
        Assert.NotNull(seeded.SeedCommitment);
        foreach (RoundDefinition round in (RoundDefinition[])[joint, seeded])
        {
            byte[] created = Encoding.UTF8.GetBytes(round.CreatedUtc);
            byte[] length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, created.Length);
            byte[] expected = SHA256.HashData(
            [
                .. "MpcSortition.round-definition.v1"u8, .. Convert.FromHexString(round.RoundId), .. Convert.FromHexString(round.LayoutHash),
                .. length, .. created, .. (round.SeedCommitment is { } c ? Convert.FromHexString(c) : new byte[32]),
            ]);
            Assert.Equal(Convert.ToHexString(expected), RunTranscript.HashRound(round));
        }

        Assert.Equal("round", Assert.Throws<ArgumentNullException>(() => RunTranscript.HashRound(null!)).ParamName);
    }

    private static string Refused(string text)
    {
        VerificationException e = Assert.Throws<VerificationException>(() => RunTranscript.Parse(text));
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        return e.Message;
    }
}
