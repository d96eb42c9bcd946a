using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MpcSortition.Ballot;

/// <summary>One option of the question: a stable name and the text shown to voters.</summary>
internal sealed record BallotOption(string Name, string Label);

/// <summary>
/// A ballot round: one question with m ≥ 2 options (one-hot ballot of m words), a UTC deadline, the public salt of the
/// voter-code hashes (the library's <see cref="Selection.Intake.InvitationCode.Hash"/>) and the voting URL.
/// JSON: <c>{"format":1,"roundId","title","question","options":[{"name","label"}],"deadlineUtc","codeSalt","voteUrl"}</c>.
/// </summary>
internal sealed class BallotRound
{
    public const int MaxOptions = 31; // the commitment packs 64 bits per option below the group order (ShareCommitment)

    public BallotRound(string roundId, string title, string question, IReadOnlyList<BallotOption> options, DateTimeOffset deadlineUtc, byte[] codeSalt, string voteUrl)
    {
        if (roundId.Length != 32 || !roundId.All(Uri.IsHexDigit) || roundId.Any(char.IsUpper))
        {
            throw new BallotFileException("roundId: 32 lowercase hex digits.");
        }

        if (string.IsNullOrWhiteSpace(title) || string.IsNullOrWhiteSpace(question))
        {
            throw new BallotFileException("title and question must not be empty.");
        }

        if (options.Count is < 2 or > MaxOptions)
        {
            throw new BallotFileException($"options: give 2 to {MaxOptions} options (this round has {options.Count}).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (BallotOption o in options)
        {
            if (string.IsNullOrWhiteSpace(o.Name) || string.IsNullOrWhiteSpace(o.Label))
            {
                throw new BallotFileException("options: every option needs a name and a label.");
            }

            if (!names.Add(o.Name))
            {
                throw new BallotFileException($"options: the name '{o.Name}' appears twice.");
            }
        }

        if (codeSalt.Length is < 16 or > 64)
        {
            throw new BallotFileException("codeSalt: 16 to 64 bytes (32 to 128 hex digits).");
        }

        if (!voteUrl.StartsWith("https://", StringComparison.Ordinal) || !voteUrl.Contains("{code}", StringComparison.Ordinal))
        {
            throw new BallotFileException("voteUrl: an https:// address containing {code}.");
        }

        RoundId = roundId;
        Title = title;
        Question = question;
        Options = options;
        DeadlineUtc = new DateTimeOffset(deadlineUtc.UtcDateTime.Ticks - deadlineUtc.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        CodeSalt = codeSalt;
        VoteUrl = voteUrl;
        Hash = Convert.ToHexStringLower(SHA256.HashData(ToJson(indented: false)));
    }

    public string RoundId { get; }

    public string Title { get; }

    public string Question { get; }

    public IReadOnlyList<BallotOption> Options { get; }

    /// <summary>m, the number of options (the length of a ballot).</summary>
    public int M => Options.Count;

    public DateTimeOffset DeadlineUtc { get; }

    public byte[] CodeSalt { get; }

    public string VoteUrl { get; }

    /// <summary>SHA-256 of the canonical serialisation: the three counters compare it before accepting ballots.</summary>
    public string Hash { get; }

    public static BallotRound Create(string title, string question, IReadOnlyList<BallotOption> options, DateTimeOffset deadlineUtc, string voteUrl) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), title, question, options, deadlineUtc, RandomNumberGenerator.GetBytes(16), voteUrl);

    public byte[] ToJson(bool indented = true)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", 1);
            w.WriteString("roundId", RoundId);
            w.WriteString("title", Title);
            w.WriteString("question", Question);
            w.WriteStartArray("options");
            foreach (BallotOption o in Options)
            {
                w.WriteStartObject();
                w.WriteString("name", o.Name);
                w.WriteString("label", o.Label);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("deadlineUtc", DeadlineUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteString("codeSalt", Convert.ToHexStringLower(CodeSalt));
            w.WriteString("voteUrl", VoteUrl);
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    /// <summary>Reads a round file; every problem names the member.</summary>
    public static BallotRound Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new BallotFileException($"{path}: cannot read ({e.Message}).");
        }

        try
        {
            return Parse(bytes);
        }
        catch (BallotFileException e)
        {
            throw new BallotFileException($"{path}: {e.Message}");
        }
    }

    public static BallotRound Parse(ReadOnlySpan<byte> json)
    {
        JsonElement root;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json.ToArray());
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BallotFileException($"not valid JSON (line {e.LineNumber + 1}).");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BallotFileException("the round must be a JSON object.");
        }

        if (!root.TryGetProperty("format", out JsonElement f) || f.ValueKind != JsonValueKind.Number || f.GetInt32() != 1)
        {
            throw new BallotFileException("format: must be 1.");
        }

        string Str(string name) => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()! : throw new BallotFileException($"{name}: missing or not a string.");
        if (!root.TryGetProperty("options", out JsonElement opts) || opts.ValueKind != JsonValueKind.Array)
        {
            throw new BallotFileException("options: missing or not an array.");
        }

        var options = new List<BallotOption>();
        foreach (JsonElement o in opts.EnumerateArray())
        {
            string? name = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            string? label = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("label", out JsonElement l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            options.Add(new BallotOption(name ?? throw new BallotFileException($"options[{options.Count}].name: missing."),
                label ?? throw new BallotFileException($"options[{options.Count}].label: missing.")));
        }

        string deadline = Str("deadlineUtc");
        if (!deadline.EndsWith('Z') || !DateTimeOffset.TryParse(deadline, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset d))
        {
            throw new BallotFileException("deadlineUtc: a UTC time like 2026-12-01T18:00:00Z.");
        }

        byte[] salt;
        try
        {
            salt = Convert.FromHexString(Str("codeSalt"));
        }
        catch (FormatException)
        {
            throw new BallotFileException("codeSalt: hex digits.");
        }

        return new BallotRound(Str("roundId"), Str("title"), Str("question"), options, d, salt, Str("voteUrl"));
    }

    public void Save(string path) => Selection.Providers.OwnerOnlyFile.Write(path, s => s.Write(ToJson()));

    public override string ToString() => $"BallotRound({RoundId}, {M} options)";
}

/// <summary>A file or configuration problem: the message names the file and the member.</summary>
internal sealed class BallotFileException(string message) : Exception(message);
