using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// A provider's signed acknowledgement of what it stored (or withdrew) for one code: round, provider, the code's salted
/// hash, the submission id, SHA-256 of the stored bytes (<see cref="Submission.StoredDigest"/>), the time (UTC) and the
/// action. Signed with the provider's certificate key (ECDSA P-256/SHA-256, IEEE P1363 signature, or RSA PKCS#1 v1.5/SHA-256)
/// over a fixed text encoding (<see cref="SignedText"/>); <see cref="Verify"/> checks it against the certificate.
/// </summary>
/// <remarks>JSON: <c>{"format":1,"action":"stored"|"withdrawn","round","party","codeHash","submission","storedSha256","timeUtc","signature":base64}</c>.
/// A receipt holds no secret: the code hash cannot be turned back into the code.</remarks>
public sealed class IntakeReceipt
{
    /// <summary>Receipt format version.</summary>
    public const int FormatVersion = 1;

    private IntakeReceipt(string action, string roundId, int party, string codeHash, string submissionId, string storedSha256, DateTimeOffset timeUtc, byte[] signature)
    {
        Action = action;
        RoundId = roundId;
        Party = party;
        CodeHash = codeHash;
        SubmissionId = submissionId;
        StoredSha256 = storedSha256;
        TimeUtc = timeUtc;
        _signature = signature;
    }

    private readonly byte[] _signature;

    /// <summary><c>stored</c> or <c>withdrawn</c>.</summary>
    public string Action { get; }

    /// <summary>The round id.</summary>
    public string RoundId { get; }

    /// <summary>The provider that signed.</summary>
    public int Party { get; }

    /// <summary>The code's salted hash.</summary>
    public string CodeHash { get; }

    /// <summary>The submission id (empty for a withdrawal).</summary>
    public string SubmissionId { get; }

    /// <summary>SHA-256 of what was stored (empty for a withdrawal).</summary>
    public string StoredSha256 { get; }

    /// <summary>When the provider stored it (UTC, whole seconds).</summary>
    public DateTimeOffset TimeUtc { get; }

    /// <summary>The signature bytes.</summary>
    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>The exact text that is signed: "MpcSortition.receipt.v1" and the fields, one per line.</summary>
    public string SignedText => $"MpcSortition.receipt.v{FormatVersion}\n{Action}\n{RoundId}\n{Party}\n{CodeHash}\n{SubmissionId}\n{StoredSha256}\n{Time(TimeUtc)}\n";

    /// <summary>Signs a receipt for a stored submission part.</summary>
    /// <param name="certificate">The provider's certificate with its private key (ECDSA or RSA).</param>
    /// <param name="submission">What was stored.</param>
    /// <param name="codeHash">The code's salted hash.</param>
    /// <param name="timeUtc">When it was stored.</param>
    /// <returns>The signed receipt.</returns>
    public static IntakeReceipt SignStored(X509Certificate2 certificate, Submission submission, string codeHash, DateTimeOffset timeUtc)
    {
        ArgumentNullException.ThrowIfNull(submission);
        return Sign(certificate, "stored", submission.RoundId, submission.Party, codeHash, submission.SubmissionId, submission.StoredDigest(codeHash), timeUtc);
    }

    /// <summary>
    /// Signs a receipt for a stored part whose stored digest the host computed itself (another wire format on the same
    /// receipts, e.g. a ballot: the host defines what <paramref name="storedSha256"/> covers).
    /// </summary>
    /// <param name="certificate">The provider's certificate with its private key (ECDSA or RSA).</param>
    /// <param name="roundId">The round id.</param>
    /// <param name="party">This provider.</param>
    /// <param name="codeHash">The code's salted hash.</param>
    /// <param name="submissionId">The submission id.</param>
    /// <param name="storedSha256">SHA-256 (64 lowercase hex digits) of exactly what was stored.</param>
    /// <param name="timeUtc">When it was stored.</param>
    /// <returns>The signed receipt.</returns>
    public static IntakeReceipt SignStored(X509Certificate2 certificate, string roundId, int party, string codeHash, string submissionId, string storedSha256, DateTimeOffset timeUtc)
    {
        ArgumentNullException.ThrowIfNull(submissionId);
        ArgumentNullException.ThrowIfNull(storedSha256);
        return Sign(certificate, "stored", roundId, party, codeHash, submissionId, storedSha256, timeUtc);
    }

    /// <summary>Signs a receipt for a withdrawal (the provider deleted every share it held for the code).</summary>
    /// <param name="certificate">The provider's certificate with its private key.</param>
    /// <param name="roundId">The round id.</param>
    /// <param name="party">This provider.</param>
    /// <param name="codeHash">The code's salted hash.</param>
    /// <param name="timeUtc">When it was withdrawn.</param>
    /// <returns>The signed receipt.</returns>
    public static IntakeReceipt SignWithdrawn(X509Certificate2 certificate, string roundId, int party, string codeHash, DateTimeOffset timeUtc) =>
        Sign(certificate, "withdrawn", roundId, party, codeHash, string.Empty, string.Empty, timeUtc);

    private static IntakeReceipt Sign(X509Certificate2 certificate, string action, string roundId, int party, string codeHash, string submissionId, string stored, DateTimeOffset timeUtc)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(roundId);
        ArgumentNullException.ThrowIfNull(codeHash);
        var time = new DateTimeOffset(timeUtc.UtcDateTime.Ticks - timeUtc.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var unsigned = new IntakeReceipt(action, roundId, party, codeHash, submissionId, stored, time, []);
        byte[] data = Encoding.UTF8.GetBytes(unsigned.SignedText);
        byte[] signature;
        using (ECDsa? ec = certificate.GetECDsaPrivateKey())
        {
            if (ec is not null)
            {
                signature = ec.SignData(data, HashAlgorithmName.SHA256);
            }
            else
            {
                using RSA rsa = certificate.GetRSAPrivateKey()
                    ?? throw new ArgumentException("The certificate has no ECDSA or RSA private key to sign receipts with.", nameof(certificate));
                signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }
        }

        return new IntakeReceipt(action, roundId, party, codeHash, submissionId, stored, time, signature);
    }

    /// <summary>Checks the signature against a provider's certificate (public key only is enough).</summary>
    /// <param name="certificate">The provider's certificate.</param>
    /// <returns>Whether this receipt, with exactly these fields, was signed by that certificate's key.</returns>
    public bool Verify(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        byte[] data = Encoding.UTF8.GetBytes(SignedText);
        using ECDsa? ec = certificate.GetECDsaPublicKey();
        if (ec is not null)
        {
            return ec.VerifyData(data, _signature, HashAlgorithmName.SHA256);
        }

        using RSA? rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(data, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The receipt as JSON (UTF-8), as the service returns it and the volunteer keeps it.</summary>
    /// <returns>The JSON bytes.</returns>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteTo(w);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the receipt as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("format", FormatVersion);
        writer.WriteString("action", Action);
        writer.WriteString("round", RoundId);
        writer.WriteNumber("party", Party);
        writer.WriteString("codeHash", CodeHash);
        writer.WriteString("submission", SubmissionId);
        writer.WriteString("storedSha256", StoredSha256);
        writer.WriteString("timeUtc", Time(TimeUtc));
        writer.WriteBase64String("signature", _signature);
        writer.WriteEndObject();
    }

    /// <summary>Reads a receipt written by <see cref="ToJson"/> (the signature is not checked here: call <see cref="Verify"/>).</summary>
    /// <param name="json">The JSON.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="InvalidDataException">Not a receipt; the message says what is missing.</exception>
    public static IntakeReceipt Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            JsonElement r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("A receipt is a JSON object.");
            }

            string S(string n) => r.TryGetProperty(n, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new InvalidDataException($"The receipt has no \"{n}\".");
            int I(string n) => r.TryGetProperty(n, out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw new InvalidDataException($"The receipt has no \"{n}\".");
            if (I("format") != FormatVersion)
            {
                throw new InvalidDataException($"The receipt has another format than {FormatVersion}.");
            }

            if (!DateTimeOffset.TryParseExact(S("timeUtc"), "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
            {
                throw new InvalidDataException("The receipt's \"timeUtc\" is not a UTC time.");
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(S("signature"));
            }
            catch (FormatException)
            {
                throw new InvalidDataException("The receipt's \"signature\" is not base64.");
            }

            return new IntakeReceipt(S("action"), S("round"), I("party"), S("codeHash"), S("submission"), S("storedSha256"), time.ToUniversalTime(), signature);
        }
        catch (JsonException)
        {
            throw new InvalidDataException("The receipt is not valid JSON.");
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Describes the receipt.</summary>
    /// <returns>Action, party and submission id.</returns>
    public override string ToString() => $"IntakeReceipt({Action}, party {Party}, submission {SubmissionId})";
}
