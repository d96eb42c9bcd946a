using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// One provider's part of one volunteer's submission, as it travels on the wire (JSON, format version 1):
/// <c>{"format":1,"round":hex32,"party":i,"code":"…","submission":hex32,"row":[V numbers 0..2^32−1],"contact":base64}</c>.
/// <c>row</c> is this provider's additive share of the one-hot row (mod 2^32); <c>contact</c> is this provider's XOR share
/// of the fixed-length contact block. The submission id is 128 random bits chosen by the page, the same at all three
/// providers for one submission and reused when the page retries, which makes retries idempotent.
/// </summary>
public sealed class Submission
{
    /// <summary>The wire format version.</summary>
    public const int FormatVersion = 1;

    private readonly uint[] _row;
    private readonly byte[] _contact;

    /// <summary>Creates a submission part (checked).</summary>
    /// <param name="roundId">The round id, 32 hex digits.</param>
    /// <param name="party">The provider index 0..2 this part is for.</param>
    /// <param name="code">The participation code (any accepted typing; stored in canonical form).</param>
    /// <param name="submissionId">32 hex digits.</param>
    /// <param name="row">The share row.</param>
    /// <param name="contact">The contact block share.</param>
    /// <exception cref="ArgumentException">An argument is malformed.</exception>
    public Submission(string roundId, int party, string code, string submissionId, ReadOnlySpan<uint> row, ReadOnlySpan<byte> contact)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(party, 2);
        if (!IsHex32(roundId))
        {
            throw new ArgumentException("The round id must be 32 hex digits.", nameof(roundId));
        }

        if (!IsHex32(submissionId))
        {
            throw new ArgumentException("The submission id must be 32 hex digits.", nameof(submissionId));
        }

        if (!InvitationCode.TryNormalize(code, out string? canonical))
        {
            throw new ArgumentException("The participation code is not valid.", nameof(code));
        }

        RoundId = roundId.ToLowerInvariant();
        Party = party;
        Code = canonical;
        SubmissionId = submissionId.ToLowerInvariant();
        _row = row.ToArray();
        _contact = contact.ToArray();
    }

    /// <summary>The round id (lower-case hex).</summary>
    public string RoundId { get; }

    /// <summary>The provider this part is for.</summary>
    public int Party { get; }

    /// <summary>The participation code in canonical form. Secret: never log it.</summary>
    public string Code { get; }

    /// <summary>The submission id (lower-case hex).</summary>
    public string SubmissionId { get; }

    /// <summary>The share row (V values).</summary>
    public ReadOnlySpan<uint> Row => _row;

    /// <summary>The contact block share.</summary>
    public ReadOnlySpan<byte> Contact => _contact;

    /// <summary>A fresh 128-bit submission id from <see cref="RandomNumberGenerator"/>.</summary>
    /// <returns>32 lower-case hex digits.</returns>
    public static string NewSubmissionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// SHA-256 of what the provider stores for this part, as signed in the receipt: "MpcSortition.stored.v1", the round
    /// id, the party, the code hash, the submission id, then the row (32-bit little-endian) and the contact share.
    /// </summary>
    /// <param name="codeHash">The code's salted hash (<see cref="InvitationCode.Hash"/>).</param>
    /// <returns>64 lower-case hex digits.</returns>
    public string StoredDigest(string codeHash)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.ASCII.GetBytes($"MpcSortition.stored.v1\n{RoundId}\n{Party}\n{codeHash}\n{SubmissionId}\n"));
        byte[] row = RowBytes();
        sha.AppendData(row);
        sha.AppendData(_contact);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The row as 32-bit little-endian bytes (how the service stores it).</summary>
    /// <returns>4·V bytes.</returns>
    public byte[] RowBytes()
    {
        var bytes = new byte[_row.Length * 4];
        for (int i = 0; i < _row.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), _row[i]);
        }

        return bytes;
    }

    /// <summary>The wire form (UTF-8 JSON), what the page posts.</summary>
    /// <returns>The JSON bytes.</returns>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 11 * _row.Length + _contact.Length * 4 / 3);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("round", RoundId);
            w.WriteNumber("party", Party);
            w.WriteString("code", Code);
            w.WriteString("submission", SubmissionId);
            w.WriteStartArray("row");
            foreach (uint v in _row)
            {
                w.WriteNumberValue(v);
            }

            w.WriteEndArray();
            w.WriteBase64String("contact", _contact);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads and checks a submission posted to provider <paramref name="party"/> of <paramref name="round"/>: JSON shape,
    /// format version, round, party, code syntax and check character, submission id, row length and range, contact length.
    /// Whether the code was issued and whether the deadline passed are the service's checks.
    /// </summary>
    /// <param name="json">The request body.</param>
    /// <param name="round">The round this provider serves.</param>
    /// <param name="party">This provider's index.</param>
    /// <param name="submission">The submission when valid.</param>
    /// <param name="error">Why not, when invalid.</param>
    /// <returns>Whether the body is a valid submission.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, SignupRound round, int party,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Submission? submission,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out IntakeError? error)
    {
        ArgumentNullException.ThrowIfNull(round);
        submission = null;
        var fields = new Fields();
        try
        {
            error = ReadFields(json, round, fields);
        }
        catch (JsonException)
        {
            error = IntakeError.Malformed("not valid JSON");
        }
        catch (InvalidOperationException)
        {
            error = IntakeError.Malformed("a value has the wrong type");
        }

        if (error is not null)
        {
            return false;
        }

        error = Check(fields, round, party);
        if (error is not null)
        {
            return false;
        }

        submission = new Submission(fields.Round!, fields.Party!.Value, fields.Code!, fields.SubmissionId!, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fields.Row), fields.Contact!);
        return true;
    }

    /// <summary>
    /// Reads a withdrawal request: <c>{"format":1,"round":hex32,"code":"…"}</c>.
    /// </summary>
    /// <param name="json">The request body.</param>
    /// <param name="round">The round.</param>
    /// <param name="canonicalCode">The code in canonical form when valid. Secret.</param>
    /// <param name="error">Why not, when invalid.</param>
    /// <returns>Whether the body is a valid withdrawal.</returns>
    public static bool TryParseWithdrawal(ReadOnlySpan<byte> json, SignupRound round,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? canonicalCode,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out IntakeError? error)
    {
        ArgumentNullException.ThrowIfNull(round);
        canonicalCode = null;
        var fields = new Fields();
        try
        {
            error = ReadFields(json, round, fields);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            error = IntakeError.Malformed("not valid JSON");
        }

        if (error is not null)
        {
            return false;
        }

        error = fields.Format is null ? IntakeError.Malformed("\"format\" is missing")
            : fields.Format != FormatVersion ? IntakeError.UnsupportedVersion(fields.Format.Value)
            : fields.Round is null ? IntakeError.Malformed("\"round\" is missing")
            : !string.Equals(fields.Round, round.RoundId, StringComparison.OrdinalIgnoreCase) ? IntakeError.WrongRound
            : !InvitationCode.TryNormalize(fields.Code, out canonicalCode) ? IntakeError.InvalidCode
            : null;
        return error is null;
    }

    private static IntakeError? Check(Fields f, SignupRound round, int party) =>
        f.Format is null ? IntakeError.Malformed("\"format\" is missing")
        : f.Format != FormatVersion ? IntakeError.UnsupportedVersion(f.Format.Value)
        : f.Round is null ? IntakeError.Malformed("\"round\" is missing")
        : !string.Equals(f.Round, round.RoundId, StringComparison.OrdinalIgnoreCase) ? IntakeError.WrongRound
        : f.Party is null ? IntakeError.Malformed("\"party\" is missing")
        : f.Party != party ? IntakeError.WrongParty(party)
        : !InvitationCode.TryNormalize(f.Code, out _) ? IntakeError.InvalidCode
        : f.SubmissionId is null || !IsHex32(f.SubmissionId) ? IntakeError.BadSubmissionId
        : f.Row is null ? IntakeError.Malformed("\"row\" is missing")
        : f.Row.Count != round.ValueCount ? IntakeError.BadRowLength(round.ValueCount, f.Row.Count)
        : f.Contact is null || f.Contact.Length != round.ContactBlockLength ? IntakeError.BadContactLength(round.ContactBlockLength)
        : null;

    private static IntakeError? ReadFields(ReadOnlySpan<byte> json, SignupRound round, Fields f)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return IntakeError.Malformed("not a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "format":
                    f.Format = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int v) ? v : -1;
                    break;
                case "round":
                    f.Round = reader.GetString();
                    break;
                case "party":
                    f.Party = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int p) ? p : -1;
                    break;
                case "code":
                    f.Code = reader.GetString();
                    break;
                case "submission":
                    f.SubmissionId = reader.GetString();
                    break;
                case "contact":
                    if (reader.TokenType != JsonTokenType.String || !reader.TryGetBytesFromBase64(out byte[]? contact))
                    {
                        return IntakeError.BadContactLength(round.ContactBlockLength);
                    }

                    f.Contact = contact;
                    break;
                case "row":
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return IntakeError.Malformed("\"row\" is not a list");
                    }

                    var row = new List<uint>(round.ValueCount);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out uint x))
                        {
                            return IntakeError.BadRowValue;
                        }

                        if (row.Count > SignupRound.MaxValues)
                        {
                            return IntakeError.BadRowLength(round.ValueCount, row.Count + 1);
                        }

                        row.Add(x);
                    }

                    f.Row = row;
                    break;
                default:
                    return IntakeError.Malformed($"unknown field \"{Sanitize(name)}\"");
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return IntakeError.Malformed("text after the object");
        }

        return null;
    }

    private static string Sanitize(string name) =>
        new(name.Take(32).Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '?').ToArray());

    internal static bool IsHex32(string? s) => s is { Length: 32 } && s.All(char.IsAsciiHexDigit);

    /// <summary>Describes the part without its secrets (no code, no shares).</summary>
    /// <returns>Round, party, submission id and sizes.</returns>
    public override string ToString() => $"Submission(round {RoundId}, party {Party}, id {SubmissionId}, {_row.Length} values, {_contact.Length} contact bytes)";

    private sealed class Fields
    {
        public int? Format;
        public string? Round;
        public int? Party;
        public string? Code;
        public string? SubmissionId;
        public List<uint>? Row;
        public byte[]? Contact;
    }
}
