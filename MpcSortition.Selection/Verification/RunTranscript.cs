using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Verification;

/// <summary>
/// What one provider states about one run of a round, and signs: the round, the run number, the settings, the three
/// tape commitments and the opened contributions, the digest of every message it sent and received, the success bits and
/// the analyser's panel commitment. Its canonical form (<see cref="ToText"/>) is the text that is signed.
/// </summary>
/// <remarks>
/// <para>Canonical text (UTF-8, every line ends with '\n', in this order): <c>MpcSortition.run-transcript.v1</c>;
/// <c>party=</c>i; <c>round=</c>32 hex digits; <c>roundHash=</c>64 (<see cref="RoundHash"/>); <c>run=</c>the run number;
/// <c>strategy=</c>name; <c>maxAttempts=</c>; <c>analyser=</c>; <c>composition=</c>true/false; <c>tape=</c>joint/public;
/// <c>publicSeed=</c>32 hex digits or -; <c>commitment.0..2=</c>64 hex digits or -; <c>contribution.0..2=</c>32 hex
/// digits or -; <c>successBits=</c>one 0/1 per attempt (empty when no attempt ran); <c>panelCommitment=</c>64 hex
/// digits or -; <c>logHead=</c>64 hex digits or -; then per peer in ascending order <c>sent.j=</c> and
/// <c>received.j=</c> "messages bytes digest". Hex digits are upper case.</para>
/// </remarks>
public sealed class RunTranscript
{
    private const string Header = "MpcSortition.run-transcript.v1";

    /// <summary>The provider that states this.</summary>
    public required int Party { get; init; }

    /// <summary>The round id (32 hex digits).</summary>
    public required string RoundId { get; init; }

    /// <summary>The round definition's hash (<see cref="HashRound"/>, 64 hex digits).</summary>
    public required string RoundHash { get; init; }

    /// <summary>The 1-based run number of this round at this provider (<see cref="RunLog"/>); 1 without a log.</summary>
    public required int Run { get; init; }

    /// <summary>The secure strategy's name.</summary>
    public required string Strategy { get; init; }

    /// <summary>The attempt limit.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The analyser's provider.</summary>
    public required int Analyser { get; init; }

    /// <summary>Whether the composition was opened to the analyser.</summary>
    public required bool RevealComposition { get; init; }

    /// <summary>The public test seed (32 hex digits), or <see langword="null"/> with joint randomness.</summary>
    public string? PublicSeed { get; init; }

    /// <summary>The three tape commitments in party order (64 hex digits each), or <see langword="null"/> entries with a public tape.</summary>
    public required IReadOnlyList<string?> Commitments { get; init; }

    /// <summary>The three opened contributions in party order (32 hex digits each), or <see langword="null"/> entries when not opened.</summary>
    public required IReadOnlyList<string?> Contributions { get; init; }

    /// <summary>The success bit of every attempt in order ('0' failed, '1' found a panel); every provider learns them.</summary>
    public required string SuccessBits { get; init; }

    /// <summary>The analyser's commitment to the panel (<see cref="CommitPanel"/>), or <see langword="null"/> when there is no panel.</summary>
    public string? PanelCommitment { get; init; }

    /// <summary>The hash of this provider's last run-log entry before the transcript (<see cref="RunLog.Head"/>), or <see langword="null"/> without a log.</summary>
    public string? LogHead { get; init; }

    /// <summary>The message digests: per peer, sent and received (<see cref="TranscriptTransport.Digests"/>).</summary>
    public required IReadOnlyList<MessageDigest> Messages { get; init; }

    /// <summary>The 1-based number of the attempt that found the panel, or 0 when none did.</summary>
    public int SuccessfulAttempt => SuccessBits.EndsWith('1') ? SuccessBits.Length : 0;

    /// <summary>The round definition's hash: SHA-256 of "MpcSortition.round-definition.v1", the 16-byte round id, the
    /// 32-byte layout hash (which covers ids, features, quotas, k and address groups), the creation time as UTF-8 with
    /// a 4-byte little-endian length, and the 32-byte seed commitment (zeros when there is none).</summary>
    /// <param name="round">The round.</param>
    /// <returns>64 hex digits.</returns>
    public static string HashRound(RoundDefinition round)
    {
        ArgumentNullException.ThrowIfNull(round);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.round-definition.v1"u8);
        hash.AppendData(round.RoundIdBytes);
        hash.AppendData(round.LayoutHashBytes);
        byte[] created = Encoding.UTF8.GetBytes(round.CreatedUtc);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, created.Length);
        hash.AppendData(length);
        hash.AppendData(created);
        hash.AppendData(round.SeedCommitment is null ? new byte[32] : Convert.FromHexString(round.SeedCommitment));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The analyser's commitment to a panel: SHA-256 of "MpcSortition.panel-commitment.v1", the 16-byte round
    /// id, the 32-byte salt, the member count and every pool index (4 bytes little-endian each, pool order). The salt is
    /// fresh and kept by the analyser, so the other providers cannot test guesses of the panel against the commitment.</summary>
    /// <param name="roundId">The 16-byte round id.</param>
    /// <param name="salt">32 random bytes.</param>
    /// <param name="panel">The pool indexes in pool order.</param>
    /// <returns>64 hex digits.</returns>
    public static string CommitPanel(ReadOnlySpan<byte> roundId, ReadOnlySpan<byte> salt, IReadOnlyList<int> panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        if (salt.Length != 32)
        {
            throw new ArgumentException("The panel salt has 32 bytes.", nameof(salt));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.panel-commitment.v1"u8);
        hash.AppendData(roundId);
        hash.AppendData(salt);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, panel.Count);
        hash.AppendData(number);
        foreach (int i in panel)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, i);
            hash.AppendData(number);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The canonical text (see the remarks of the class), which is what is signed.</summary>
    /// <returns>The text.</returns>
    /// <exception cref="InvalidOperationException">The strategy name contains a control character (it must stay on one line).</exception>
    public string ToText()
    {
        if (Strategy.Any(char.IsControl))
        {
            throw new InvalidOperationException("A strategy name in a transcript must not contain control characters such as line breaks.");
        }

        var b = new StringBuilder();
        void Line(string key, string value) => b.Append(key).Append('=').Append(value).Append('\n');
        static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
        b.Append(Header).Append('\n');
        Line("party", Inv(Party));
        Line("round", RoundId);
        Line("roundHash", RoundHash);
        Line("run", Inv(Run));
        Line("strategy", Strategy);
        Line("maxAttempts", Inv(MaxAttempts));
        Line("analyser", Inv(Analyser));
        Line("composition", RevealComposition ? "true" : "false");
        Line("tape", PublicSeed is null ? "joint" : "public");
        Line("publicSeed", PublicSeed ?? "-");
        for (int p = 0; p < ProviderRun.Parties; p++)
        {
            Line(Inv2("commitment", p), Commitments[p] ?? "-");
        }

        for (int p = 0; p < ProviderRun.Parties; p++)
        {
            Line(Inv2("contribution", p), Contributions[p] ?? "-");
        }

        Line("successBits", SuccessBits);
        Line("panelCommitment", PanelCommitment ?? "-");
        Line("logHead", LogHead ?? "-");
        foreach (MessageDigest m in Messages.OrderBy(m => m.Peer).ThenBy(m => m.Direction))
        {
            Line(Inv2(m.Direction == TraceDirection.Sent ? "sent" : "received", m.Peer), string.Create(CultureInfo.InvariantCulture, $"{m.Messages} {m.Bytes} {m.Digest}"));
        }

        return b.ToString();
    }

    /// <summary>Parses the canonical text back; the result's <see cref="ToText"/> equals <paramref name="text"/>.</summary>
    /// <param name="text">A transcript's canonical text.</param>
    /// <returns>The transcript.</returns>
    /// <exception cref="VerificationException">The text is not a canonical transcript (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static RunTranscript Parse(string text) => Parse(text, "The transcript");

    /// <summary>As <see cref="Parse(string)"/>, with the refusal naming the transcript as <paramref name="what"/> (for
    /// example "The evidence file's transcript 2"), so that a reader of three transcripts learns which one is damaged.</summary>
    internal static RunTranscript Parse(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        VerificationException Bad(string why) => new(VerificationProblem.Malformed, $"{what} is malformed: {why}.");
        string[] lines = text.Split('\n');
        if (lines.Length < 2 || lines[0] != Header || lines[^1].Length != 0)
        {
            throw Bad($"it does not start with {Header} or does not end with a line break");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var messages = new List<MessageDigest>();
        foreach (string line in lines[1..^1])
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Bad($"the line '{Clip(line)}' has no key");
            }

            string key = line[..eq], value = line[(eq + 1)..];
            if (key.StartsWith("sent.", StringComparison.Ordinal) || key.StartsWith("received.", StringComparison.Ordinal))
            {
                string[] parts = value.Split(' ');
                if (parts.Length != 3 || !int.TryParse(key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int peer)
                    || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long count)
                    || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) || !IsHex(parts[2], 64))
                {
                    throw Bad($"the line '{Clip(line)}' is not 'sent.j=messages bytes digest'");
                }

                messages.Add(new MessageDigest(peer, key[0] == 's' ? TraceDirection.Sent : TraceDirection.Received, count, bytes, parts[2]));
            }
            else if (!values.TryAdd(key, value))
            {
                throw Bad($"the key '{Clip(key)}' appears twice");
            }
        }

        string Get(string key) => values.TryGetValue(key, out string? v) ? v : throw Bad($"it has no '{key}'");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : throw Bad($"'{key}' is not a number");
        string? Hex(string key, int digits)
        {
            string v = Get(key);
            return v == "-" ? null : IsHex(v, digits) ? v : throw Bad($"'{key}' is not {digits} hex digits or -");
        }

        var transcript = new RunTranscript
        {
            Party = Int("party"),
            RoundId = Hex("round", 32) ?? throw Bad("'round' is missing"),
            RoundHash = Hex("roundHash", 64) ?? throw Bad("'roundHash' is missing"),
            Run = Int("run"),
            // ToText refuses a strategy name with a control character (it would break the line structure); refuse it
            // here as the malformed transcript it is rather than let ToText below throw InvalidOperationException.
            Strategy = Get("strategy") is var strategy && !strategy.Any(char.IsControl) ? strategy : throw Bad("'strategy' contains a control character"),
            MaxAttempts = Int("maxAttempts"),
            Analyser = Int("analyser"),
            RevealComposition = Get("composition") == "true",
            PublicSeed = Hex("publicSeed", 32),
            Commitments = [Hex("commitment.0", 64), Hex("commitment.1", 64), Hex("commitment.2", 64)],
            Contributions = [Hex("contribution.0", 32), Hex("contribution.1", 32), Hex("contribution.2", 32)],
            SuccessBits = Get("successBits"),
            PanelCommitment = Hex("panelCommitment", 64),
            LogHead = Hex("logHead", 64),
            Messages = messages,
        };
        if (transcript.SuccessBits.Any(c => c is not ('0' or '1')) || transcript.ToText() != text)
        {
            throw Bad("it is not in canonical form (keys out of order, unknown keys, or values written differently)");
        }

        return transcript;
    }

    /// <summary>SHA-256 of the canonical text (64 hex digits): the transcript digest the run log records.</summary>
    /// <returns>64 hex digits.</returns>
    public string Digest() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToText())));

    /// <summary>Describes the transcript without its contents.</summary>
    /// <returns>Party, round prefix and run.</returns>
    public override string ToString() => $"RunTranscript(party {Party}, round {RoundId[..Math.Min(8, RoundId.Length)]}…, run {Run})";

    internal static bool IsHex(string s, int digits) => s.Length == digits && s.All(c => c is (>= '0' and <= '9') or (>= 'A' and <= 'F'));

    private static string Inv2(string key, int p) => key + "." + p.ToString(CultureInfo.InvariantCulture);

    private static string Clip(string s) => new((s.Length > 60 ? s[..60] + "…" : s).Select(c => char.IsControl(c) ? '?' : c).ToArray());

}

/// <summary>A <see cref="RunTranscript"/> with its provider's signature.</summary>
/// <remarks>The signature is over the UTF-8 canonical text: ECDSA with SHA-256 (IEEE P1363 r‖s) for an ECDSA certificate,
/// RSA-PSS with SHA-256 for an RSA certificate — the key of the provider's TLS certificate.</remarks>
public sealed class SignedTranscript
{
    private readonly byte[] _signature;

    /// <summary>Wraps a transcript and its signature (for example read from an evidence file).</summary>
    /// <param name="transcript">The transcript.</param>
    /// <param name="signature">The signature; empty when unsigned.</param>
    public SignedTranscript(RunTranscript transcript, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        Transcript = transcript;
        _signature = signature.ToArray();
    }

    /// <summary>The transcript.</summary>
    public RunTranscript Transcript { get; }

    /// <summary>The signature (empty when the provider had no signing key).</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>Signs <paramref name="transcript"/> with the private key of <paramref name="certificate"/>.</summary>
    /// <param name="transcript">The transcript.</param>
    /// <param name="certificate">A certificate with an ECDSA or RSA private key.</param>
    /// <returns>The signed transcript.</returns>
    /// <exception cref="ArgumentException">The certificate has no ECDSA or RSA private key.</exception>
    public static SignedTranscript Sign(RunTranscript transcript, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(certificate);
        return new SignedTranscript(transcript, ProviderSignature.Sign(Encoding.UTF8.GetBytes(transcript.ToText()), certificate));
    }

    /// <summary>Whether the signature verifies with the public key of <paramref name="certificate"/>.</summary>
    /// <param name="certificate">The provider's pinned certificate.</param>
    /// <returns>True when it verifies.</returns>
    public bool Verify(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (_signature.Length == 0)
        {
            return false;
        }

        return ProviderSignature.Verify(Encoding.UTF8.GetBytes(Transcript.ToText()), _signature, certificate);
    }

    /// <summary>Describes the signed transcript.</summary>
    /// <returns>The transcript's description and whether it is signed.</returns>
    public override string ToString() => $"{Transcript} {(_signature.Length == 0 ? "unsigned" : "signed")}";
}

/// <summary>Signatures with a provider's certificate key: ECDSA with SHA-256 (IEEE P1363 r‖s) or RSA-PSS with SHA-256.</summary>
internal static class ProviderSignature
{
    internal static byte[] Sign(byte[] data, X509Certificate2 certificate)
    {
        using ECDsa? ec = certificate.GetECDsaPrivateKey();
        if (ec is not null)
        {
            return ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using RSA? rsa = certificate.GetRSAPrivateKey();
        return rsa is not null
            ? rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            : throw new ArgumentException("The certificate has no ECDSA or RSA private key to sign with.", nameof(certificate));
    }

    internal static bool Verify(byte[] data, ReadOnlySpan<byte> signature, X509Certificate2 certificate)
    {
        if (signature.IsEmpty)
        {
            return false;
        }

        using ECDsa? ec = certificate.GetECDsaPublicKey();
        if (ec is not null)
        {
            return ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using RSA? rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
    }
}
