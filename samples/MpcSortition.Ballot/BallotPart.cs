using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>One share column of one ballot as a counter holds it: the column index j, its m share words and its nonce.</summary>
internal sealed record ShareColumn(int Column, uint[] Shares, byte[] Nonce);

/// <summary>
/// What one counter receives of one ballot (wire format 1): <c>{"format":1,"round","party","code","submission",
/// "columns":[{"column":i,"shares":[m words],"nonce":64 hex},{"column":(i+2)%3,…}],"commitments":[3 × 512 hex]}</c>.
/// Counter i gets additive shares i and i − 1 (mod 3) of the one-hot ballot (replicated sharing: share j is held by
/// counters j and j + 1), their nonces, and the commitments to all three share columns. <see cref="TryParse"/> checks
/// everything a counter can check before storing, including that its two columns open their commitments.
/// </summary>
internal sealed class BallotPart
{
    public const int FormatVersion = 1;

    public BallotPart(string roundId, int party, string code, string submissionId, ShareColumn own, ShareColumn previous, string[] commitments)
    {
        RoundId = roundId;
        Party = party;
        Code = code;
        SubmissionId = submissionId;
        Own = own;
        Previous = previous;
        Commitments = commitments;
    }

    public string RoundId { get; }

    public int Party { get; }

    /// <summary>The canonical voter code (never stored, never logged).</summary>
    public string Code { get; }

    public string SubmissionId { get; }

    /// <summary>Share column <see cref="Party"/>.</summary>
    public ShareColumn Own { get; }

    /// <summary>Share column <see cref="Party"/> − 1 mod 3.</summary>
    public ShareColumn Previous { get; }

    /// <summary>The commitments to share columns 0, 1, 2 (512 hex digits each).</summary>
    public string[] Commitments { get; }

    /// <summary>SHA-256 of the three commitments: public, the same at all three counters for one ballot.</summary>
    public string CommitDigest => DigestOfCommitments(Commitments);

    public static string DigestOfCommitments(IReadOnlyList<string> commitments)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData("MpcSortition.ballot-commitments.v1\n"u8);
        foreach (string c in commitments)
        {
            h.AppendData(Convert.FromHexString(c));
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>
    /// SHA-256("MpcSortition.ballot-stored.v1\n" ‖ round ‖ "\n" ‖ party ‖ "\n" ‖ codeHash ‖ "\n" ‖ submission ‖ "\n" ‖
    /// for both columns (own first): the column index as one byte, the shares as 32-bit little-endian, the nonce ‖ the
    /// three commitments as 256 bytes each) — what the receipt signs; the page can recompute it.
    /// </summary>
    public string StoredDigest(string codeHash)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(Encoding.UTF8.GetBytes($"MpcSortition.ballot-stored.v1\n{RoundId}\n{Party}\n{codeHash}\n{SubmissionId}\n"));
        foreach (ShareColumn c in new[] { Own, Previous })
        {
            h.AppendData([(byte)c.Column]);
            h.AppendData(SharesBytes(c.Shares));
            h.AppendData(c.Nonce);
        }

        foreach (string c in Commitments)
        {
            h.AppendData(Convert.FromHexString(c));
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    public static byte[] SharesBytes(uint[] shares)
    {
        var b = new byte[4 * shares.Length];
        for (int i = 0; i < shares.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4 * i), shares[i]);
        }

        return b;
    }

    public static uint[] SharesFromBytes(byte[] b)
    {
        var s = new uint[b.Length / 4];
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4 * i));
        }

        return s;
    }

    public byte[] ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("round", RoundId);
            w.WriteNumber("party", Party);
            w.WriteString("code", Code);
            w.WriteString("submission", SubmissionId);
            w.WriteStartArray("columns");
            foreach (ShareColumn c in new[] { Own, Previous })
            {
                w.WriteStartObject();
                w.WriteNumber("column", c.Column);
                w.WriteStartArray("shares");
                foreach (uint s in c.Shares)
                {
                    w.WriteNumberValue(s);
                }

                w.WriteEndArray();
                w.WriteString("nonce", Convert.ToHexStringLower(c.Nonce));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("commitments");
            foreach (string c in Commitments)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private static readonly string[] Members = ["format", "round", "party", "code", "submission", "columns", "commitments"];

    private static readonly string[] WithdrawalMembers = ["format", "round", "code"];

    /// <summary>Reads a JSON object no deeper than <paramref name="maxDepth"/> whose members are all in
    /// <paramref name="allowed"/>; otherwise the error says what is wrong (never echoing a value).</summary>
    private static bool TryReadObject(ReadOnlySpan<byte> json, int maxDepth, string[] allowed, out JsonElement root, [NotNullWhen(false)] out BallotError? error)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = maxDepth });
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            root = default;
            error = BallotError.Malformed("not valid JSON");
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            error = BallotError.Malformed("not a JSON object");
            return false;
        }

        foreach (JsonProperty p in root.EnumerateObject())
        {
            if (!allowed.Contains(p.Name))
            {
                error = BallotError.Malformed($"unknown member '{Safe(p.Name)}'");
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Parses and checks one ballot part; on failure the error says what is wrong (never echoing a value).</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, BallotRound round, int party, [NotNullWhen(true)] out BallotPart? part, [NotNullWhen(false)] out BallotError? error)
    {
        part = null;
        if (!TryReadObject(json, 8, Members, out JsonElement root, out error))
        {
            return false;
        }

        if (!root.TryGetProperty("format", out JsonElement f) || !f.TryGetInt32(out int format))
        {
            error = BallotError.Malformed("format missing");
            return false;
        }

        if (format != FormatVersion)
        {
            error = BallotError.UnsupportedVersion(format);
            return false;
        }

        if (Str(root, "round") != round.RoundId)
        {
            error = BallotError.WrongRound;
            return false;
        }

        if (!root.TryGetProperty("party", out JsonElement pe) || !pe.TryGetInt32(out int p2) || p2 != party)
        {
            error = BallotError.WrongParty(party);
            return false;
        }

        if (!InvitationCode.TryNormalize(Str(root, "code"), out string? code))
        {
            error = BallotError.InvalidCode;
            return false;
        }

        string? sub = Str(root, "submission");
        if (sub is null || sub.Length != 32 || !sub.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            error = BallotError.BadSubmissionId;
            return false;
        }

        if (!root.TryGetProperty("columns", out JsonElement cols) || cols.ValueKind != JsonValueKind.Array || cols.GetArrayLength() != 2)
        {
            error = BallotError.BadColumns(party);
            return false;
        }

        var columns = new ShareColumn[2];
        int[] expected = [party, (party + 2) % 3];
        for (int i = 0; i < 2; i++)
        {
            JsonElement c = cols[i];
            if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("column", out JsonElement ce) || !ce.TryGetInt32(out int column) || column != expected[i]
                || !c.TryGetProperty("shares", out JsonElement se) || se.ValueKind != JsonValueKind.Array || !c.TryGetProperty("nonce", out JsonElement ne))
            {
                error = BallotError.BadColumns(party);
                return false;
            }

            if (se.GetArrayLength() != round.M)
            {
                error = BallotError.BadShareLength(round.M, se.GetArrayLength());
                return false;
            }

            var shares = new uint[round.M];
            int k = 0;
            foreach (JsonElement v in se.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetUInt32(out shares[k++]))
                {
                    error = BallotError.BadShareValue;
                    return false;
                }
            }

            string? nonce = ne.ValueKind == JsonValueKind.String ? ne.GetString() : null;
            if (nonce is null || nonce.Length != 2 * ShareCommitment.NonceBytes || !nonce.All(Uri.IsHexDigit))
            {
                error = BallotError.BadNonce;
                return false;
            }

            columns[i] = new ShareColumn(column, shares, Convert.FromHexString(nonce));
        }

        if (!root.TryGetProperty("commitments", out JsonElement cm) || cm.ValueKind != JsonValueKind.Array || cm.GetArrayLength() != 3)
        {
            error = BallotError.BadCommitment;
            return false;
        }

        var commitments = new string[3];
        var values = new BigInteger[3];
        for (int j = 0; j < 3; j++)
        {
            string? hex = cm[j].ValueKind == JsonValueKind.String ? cm[j].GetString() : null;
            if (!ShareCommitment.TryParse(hex, out values[j]))
            {
                error = BallotError.BadCommitment;
                return false;
            }

            commitments[j] = hex!.ToLowerInvariant();
        }

        foreach (ShareColumn c in columns)
        {
            if (ShareCommitment.Commit(c.Shares, c.Nonce) != values[c.Column])
            {
                error = BallotError.BadCommitment;
                return false;
            }
        }

        part = new BallotPart(round.RoundId, party, code, sub, columns[0], columns[1], commitments);
        error = null;
        return true;
    }

    /// <summary>The withdrawal body <c>{"format":1,"round","code"}</c>.</summary>
    public static bool TryParseWithdrawal(ReadOnlySpan<byte> json, BallotRound round, [NotNullWhen(true)] out string? code, [NotNullWhen(false)] out BallotError? error)
    {
        code = null;
        if (!TryReadObject(json, 4, WithdrawalMembers, out JsonElement root, out error))
        {
            return false;
        }

        if (!root.TryGetProperty("format", out JsonElement f) || !f.TryGetInt32(out int format) || format != FormatVersion)
        {
            error = BallotError.UnsupportedVersion(root.TryGetProperty("format", out JsonElement g) && g.TryGetInt32(out int v) ? v : 0);
            return false;
        }

        if (Str(root, "round") != round.RoundId)
        {
            error = BallotError.WrongRound;
            return false;
        }

        if (!InvitationCode.TryNormalize(Str(root, "code"), out code))
        {
            error = BallotError.InvalidCode;
            return false;
        }

        error = null;
        return true;
    }

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static string Safe(string name) => new([.. name.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '?')]);

    public override string ToString() => $"BallotPart(party {Party}, submission {SubmissionId})";
}
