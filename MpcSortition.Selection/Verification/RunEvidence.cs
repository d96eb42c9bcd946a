using System.Text.Json;
using System.Text.Json.Serialization;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Verification;

/// <summary>
/// The evidence of one run that a provider keeps and hands to an auditor (<c>evidence.json</c>): the three providers'
/// signed transcripts and, at the analyser, the opening of the panel commitment (the panel and its salt).
/// </summary>
/// <remarks>Format (UTF-8 JSON, camelCase): <c>format</c> (1), <c>transcripts</c> (three objects in party order, each
/// <c>text</c>, the canonical transcript, and <c>signature</c>, hex), <c>panel</c> (pool indexes in pool order, or absent)
/// and <c>panelSalt</c> (64 hex digits, or absent). It holds nothing secret: the contributions in it were opened after the
/// draw.</remarks>
public sealed class RunEvidence
{
    /// <summary>The format version written and read.</summary>
    public const int FormatVersion = 1;

    /// <summary>Creates the evidence.</summary>
    /// <param name="transcripts">The three signed transcripts in party order.</param>
    /// <param name="panel">The panel (pool indexes), at the analyser; otherwise null.</param>
    /// <param name="panelSalt">The panel commitment's 32-byte salt, at the analyser; otherwise null.</param>
    public RunEvidence(IReadOnlyList<SignedTranscript> transcripts, IReadOnlyList<int>? panel = null, byte[]? panelSalt = null)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        if (transcripts.Count != ProviderRun.Parties)
        {
            throw new ArgumentException($"The evidence has one transcript per provider ({ProviderRun.Parties}), not {transcripts.Count}.", nameof(transcripts));
        }

        Transcripts = transcripts.ToArray();
        Panel = panel?.ToArray();
        PanelSalt = panelSalt?.ToArray();
    }

    /// <summary>The evidence a run's result gives: its three transcripts, and at the analyser the panel and its salt.</summary>
    /// <param name="result">A provider run's result.</param>
    /// <returns>The evidence.</returns>
    public static RunEvidence From(ProviderRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RunEvidence(result.Transcripts, result.Panel, result.PanelSalt);
    }

    /// <summary>The three signed transcripts in party order.</summary>
    public IReadOnlyList<SignedTranscript> Transcripts { get; }

    /// <summary>The panel as pool indexes in pool order, when this is the analyser's evidence.</summary>
    public IReadOnlyList<int>? Panel { get; }

    /// <summary>The panel commitment's salt, when this is the analyser's evidence.</summary>
    public byte[]? PanelSalt { get; }

    /// <summary>Writes the evidence as JSON. The stream is left open.</summary>
    /// <param name="stream">The destination.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var json = new EvidenceJson
        {
            Format = FormatVersion,
            Transcripts = Transcripts.Select(t => new TranscriptJson { Text = t.Transcript.ToText(), Signature = Convert.ToHexString(t.Signature.Span) }).ToArray(),
            Panel = Panel?.ToArray(),
            PanelSalt = PanelSalt is null ? null : Convert.ToHexString(PanelSalt),
        };
        JsonSerializer.Serialize(stream, json, EvidenceJsonContext.Default.EvidenceJson);
    }

    /// <summary>Reads evidence written by <see cref="Save"/>. The stream is left open.</summary>
    /// <param name="stream">The source.</param>
    /// <returns>The evidence (signatures not yet checked: see <see cref="RunAudit"/>).</returns>
    /// <exception cref="VerificationException">It is not evidence of this format (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static RunEvidence Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EvidenceJson? json;
        try
        {
            json = JsonSerializer.Deserialize(stream, EvidenceJsonContext.Default.EvidenceJson);
        }
        catch (JsonException e)
        {
            throw new VerificationException(VerificationProblem.Malformed, $"The evidence file is not valid JSON: {e.Message}");
        }

        if (json?.Format != FormatVersion || json.Transcripts is not { Length: ProviderRun.Parties } transcripts)
        {
            throw new VerificationException(VerificationProblem.Malformed, $"The evidence file is not of format {FormatVersion} with three transcripts.");
        }

        var signed = new SignedTranscript[ProviderRun.Parties];
        for (int p = 0; p < signed.Length; p++)
        {
            TranscriptJson? t = transcripts[p];
            if (t?.Text is null || t.Signature is null || t.Signature.Length % 2 != 0 || !t.Signature.All(char.IsAsciiHexDigit))
            {
                throw new VerificationException(VerificationProblem.Malformed, $"The evidence file's transcript {p} has no text or no hex signature.");
            }

            signed[p] = new SignedTranscript(RunTranscript.Parse(t.Text, $"The evidence file's transcript {p}"), Convert.FromHexString(t.Signature));
        }

        byte[]? salt = null;
        if (json.PanelSalt is not null)
        {
            salt = RunTranscript.IsHex(json.PanelSalt, 64) ? Convert.FromHexString(json.PanelSalt) : throw new VerificationException(VerificationProblem.Malformed, "The evidence file's panelSalt is not 64 hex digits.");
        }

        return new RunEvidence(signed, json.Panel, salt);
    }
}

internal sealed class EvidenceJson
{
    public int? Format { get; set; }

    public TranscriptJson?[]? Transcripts { get; set; }

    public int[]? Panel { get; set; }

    public string? PanelSalt { get; set; }
}

internal sealed class TranscriptJson
{
    public string? Text { get; set; }

    public string? Signature { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EvidenceJson))]
internal sealed partial class EvidenceJsonContext : JsonSerializerContext;
