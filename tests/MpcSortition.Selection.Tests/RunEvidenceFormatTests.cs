using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;
using static MpcSortition.Selection.Tests.EvidenceByHand;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// <see cref="RunEvidence.Load"/> on <c>evidence.json</c> files written by hand in the documented format
/// (docs/verifiability.md, "Evidence": <c>format</c> 1, three <c>{text, signature}</c> in party order, and at the analyser
/// <c>panel</c> and <c>panelSalt</c>): a well-formed file is read member by member, and each damaged one is refused as
/// <see cref="VerificationProblem.Malformed"/> with the member and the transcript named — never another exception.
/// </summary>
public sealed class RunEvidenceFormatTests
{
    private static readonly string Salt = Hex('5');

    [Fact]
    public void The_analysers_evidence_is_read_member_by_member()
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        JsonObject file = Evidence(cert);
        RunEvidence e = Load(file);

        Assert.Equal([0, 1, 2], e.Transcripts.Select(t => t.Transcript.Party));
        for (int p = 0; p < 3; p++)
        {
            string text = Text(TranscriptLines(p));
            Assert.Equal(text, e.Transcripts[p].Transcript.ToText());
            Assert.Equal(Convert.FromHexString((string)file["transcripts"]![p]!["signature"]!), e.Transcripts[p].Signature.ToArray());
        }

        Assert.True(e.Transcripts[0].Verify(cert));
        Assert.Equal([3, 5, 8], e.Panel);
        Assert.Equal(Convert.FromHexString(Salt), e.PanelSalt);
    }

    [Fact]
    public void Another_providers_evidence_has_no_panel_and_a_lower_case_signature_is_read_as_hex()
    {
        using X509Certificate2 cert = EcCertificate("party-1");
        JsonObject file = Evidence(cert);
        file.Remove("panel");
        file.Remove("panelSalt");
        string signature = ((string)file["transcripts"]![1]!["signature"]!).ToLowerInvariant();
        file["transcripts"]![1]!["signature"] = signature;
        RunEvidence e = Load(file);
        Assert.Null(e.Panel);
        Assert.Null(e.PanelSalt);
        Assert.Equal(Convert.FromHexString(signature), e.Transcripts[1].Signature.ToArray());

        // An unsigned transcript (a provider without a signing key) is read; the audit reports it as not signed.
        file["transcripts"]![2]!["signature"] = string.Empty;
        Assert.True(Load(file).Transcripts[2].Signature.IsEmpty);
    }

    [Fact]
    public void Saving_writes_the_documented_members_and_leaves_the_panel_out_at_the_other_providers()
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        RunEvidence e = Load(Evidence(cert));
        JsonObject saved = Save(e);
        Assert.Equal(["format", "transcripts", "panel", "panelSalt"], saved.Select(m => m.Key));
        Assert.Equal(1, (int)saved["format"]!);
        Assert.Equal(Text(TranscriptLines(2)), (string)saved["transcripts"]![2]!["text"]!);
        Assert.Equal(Convert.ToHexString(e.Transcripts[2].Signature.Span), (string)saved["transcripts"]![2]!["signature"]!);
        Assert.Equal([3, 5, 8], saved["panel"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(Salt, (string)saved["panelSalt"]!);

        JsonObject other = Save(new RunEvidence(e.Transcripts));
        Assert.Equal(["format", "transcripts"], other.Select(m => m.Key));
        Assert.Equal("transcripts", Assert.Throws<ArgumentException>(() => new RunEvidence(e.Transcripts.Take(2).ToArray())).ParamName);
        Assert.Equal("transcripts", Assert.Throws<ArgumentException>(() => new RunEvidence([.. e.Transcripts, e.Transcripts[0]])).ParamName);
        Assert.Equal("transcripts", Assert.Throws<ArgumentNullException>(() => new RunEvidence(null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => e.Save(null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => RunEvidence.Load(null!)).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentNullException>(() => RunEvidence.From(null!)).ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"format\": 1,}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"format\": \"1\"}")]
    [InlineData("{\"format\": 1, \"panel\": [1.5]}")]
    [InlineData("{\"format\": 1, \"panel\": \"3 5 8\"}")]
    [InlineData("{\"format\": 1, \"transcripts\": {\"text\": \"x\"}}")]
    public void A_file_that_is_not_json_of_the_documented_shape_is_refused_as_not_valid_json(string json)
    {
        Assert.StartsWith("The evidence file is not valid JSON: ", Refused(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_a_malformed_file_not_a_decoder_exception()
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        byte[] good = Encoding.UTF8.GetBytes(Evidence(cert).ToJsonString());
        int strategy = Encoding.UTF8.GetString(good).IndexOf("legacy", StringComparison.Ordinal);
        byte[] bad = [.. good[..strategy], 0xFF, 0xFE, .. good[strategy..]];
        Assert.Equal(VerificationProblem.Malformed, Assert.Throws<VerificationException>(() => RunEvidence.Load(new MemoryStream(bad))).Problem);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"transcripts\": [null, null, null]}")]
    public void A_file_without_format_or_transcripts_is_refused(string json)
    {
        Assert.Equal("The evidence file is not of format 1 with three transcripts.", Refused(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 2)]
    [InlineData(1, 4)]
    [InlineData(1, 0)]
    public void Another_format_or_another_number_of_transcripts_is_refused(int format, int transcripts)
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        JsonObject file = Evidence(cert);
        file["format"] = format;
        JsonArray list = file["transcripts"]!.AsArray();
        while (list.Count > transcripts)
        {
            list.RemoveAt(list.Count - 1);
        }

        while (list.Count < transcripts)
        {
            list.Add(list[0]!.DeepClone());
        }

        Assert.Equal("The evidence file is not of format 1 with three transcripts.", Refused(file));
    }

    [Theory]
    [InlineData(0, "null transcript")]
    [InlineData(1, "no text")]
    [InlineData(2, "no signature")]
    [InlineData(0, "text null")]
    [InlineData(1, "odd signature")]
    [InlineData(2, "signature not hex")]
    [InlineData(1, "signature with a space")]
    [InlineData(0, "signature a number")]
    public void A_transcript_without_text_or_hex_signature_is_named_by_its_position(int party, string damage)
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        JsonObject file = Evidence(cert);
        JsonArray list = file["transcripts"]!.AsArray();
        JsonObject t = list[party]!.AsObject();
        string signature = (string)t["signature"]!;
        switch (damage)
        {
            case "null transcript": list[party] = null; break;
            case "no text": t.Remove("text"); break;
            case "no signature": t.Remove("signature"); break;
            case "text null": t["text"] = null; break;
            case "odd signature": t["signature"] = signature[..^1]; break;
            case "signature not hex": t["signature"] = "ZZ" + signature[2..]; break;
            case "signature with a space": t["signature"] = signature[..10] + " " + signature[11..]; break;
            case "signature a number": t["signature"] = 1234; break;
        }

        string message = Refused(file);
        if (damage == "signature a number")
        {
            Assert.StartsWith("The evidence file is not valid JSON: ", message);
        }
        else
        {
            Assert.Equal($"The evidence file's transcript {party} has no text or no hex signature.", message);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_malformed_transcript_is_named_by_its_position_and_its_field(int party)
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        JsonObject file = Evidence(cert);
        file["transcripts"]![party]!["text"] = TranscriptWith("run", "two", party);
        Assert.Equal($"The evidence file's transcript {party} is malformed: 'run' is not a number.", Refused(file));
    }

    [Theory]
    [InlineData("55555555555555555555555555555555555555555555555555555555555555")]
    [InlineData("555555555555555555555555555555555555555555555555555555555555555555")]
    [InlineData("5555555555555555555555555555555555555555555555555555555555555g55")]
    [InlineData("")]
    public void A_panel_salt_that_is_not_64_hex_digits_is_refused(string salt)
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        JsonObject file = Evidence(cert);
        file["panelSalt"] = salt;
        Assert.Equal("The evidence file's panelSalt is not 64 hex digits.", Refused(file));
    }

    [Theory]
    [InlineData("strategy", "random")]
    [InlineData("maxAttempts", "0")]
    [InlineData("maxAttempts", "-5")]
    public void Evidence_that_loads_but_names_no_replayable_run_is_a_finding_of_the_replay_not_an_argument_exception(string key, string value)
    {
        // Found by this test: RunAudit.Replay passed the transcripts' strategy name and attempt limit straight to
        // ReferenceStrategy and PanelSelector.Select, so such evidence threw ArgumentException and the report with the
        // signature findings of Check was lost.
        RoundDefinition round = ProviderTestData.Round();
        SelectionProblem problem = ProviderTestData.Problem();
        ReadOnlyMemory<uint>[] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values)).Select(s => (ReadOnlyMemory<uint>)s).ToArray();
        X509Certificate2[] certs = [EcCertificate("party-0"), EcCertificate("party-1"), EcCertificate("party-2")];
        try
        {
            var transcripts = Enumerable.Range(0, 3).Select(p =>
            {
                string text = TranscriptWith(key, value, p);
                return new SignedTranscript(RunTranscript.Parse(text), Sign(text, certs[p]));
            }).ToArray();
            AuditReport report = RunAudit.Replay(round, new RunEvidence(transcripts), certs, shares);
            Assert.Null(report.ReplayedPanel);
            Assert.Contains(report.Findings, f => f.Problem == VerificationProblem.TranscriptMismatch && f.Message.Contains("not of this round file", StringComparison.Ordinal));
            AuditFinding finding = Assert.Single(report.Findings, f => f.Problem == VerificationProblem.Malformed);
            Assert.Contains(key == "strategy" ? "strategy 'random'" : $"attempt limit {value}", finding.Message);
            Assert.Contains("cannot be replayed", finding.Message);
        }
        finally
        {
            Array.ForEach(certs, c => c.Dispose());
        }
    }

    /// <summary>The three transcripts of one run, party 0's signed with <paramref name="cert"/> (the others with fresh keys),
    /// and the analyser's panel and salt.</summary>
    private static JsonObject Evidence(X509Certificate2 cert)
    {
        var transcripts = new JsonArray();
        for (int p = 0; p < 3; p++)
        {
            string text = Text(TranscriptLines(p));
            using X509Certificate2? own = p == 0 ? null : EcCertificate($"party-{p}");
            transcripts.Add(new JsonObject { ["text"] = text, ["signature"] = Convert.ToHexString(Sign(text, own ?? cert)) });
        }

        return new JsonObject { ["format"] = 1, ["transcripts"] = transcripts, ["panel"] = new JsonArray(3, 5, 8), ["panelSalt"] = Salt };
    }

    private static RunEvidence Load(JsonObject file) => RunEvidence.Load(new MemoryStream(Encoding.UTF8.GetBytes(file.ToJsonString())));

    private static JsonObject Save(RunEvidence e)
    {
        using var stream = new MemoryStream();
        e.Save(stream);
        return JsonNode.Parse(stream.ToArray())!.AsObject();
    }

    private static string Refused(JsonObject file) => Refused(Encoding.UTF8.GetBytes(file.ToJsonString()));

    private static string Refused(byte[] bytes)
    {
        VerificationException e = Assert.Throws<VerificationException>(() => RunEvidence.Load(new MemoryStream(bytes)));
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        return e.Message;
    }
}
