using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace MpcSortition.Selection.Intake;

/// <summary>One answer of a sign-up question: a feature value with the text shown to volunteers and its quota.</summary>
/// <param name="Name">The value's name as the quota file spells it (e.g. <c>female</c>).</param>
/// <param name="Label">The answer text shown on the form, in the organisers' language.</param>
/// <param name="Min">Lower quota.</param>
/// <param name="Max">Upper quota.</param>
public sealed record SignupValue(string Name, string Label, int Min, int Max);

/// <summary>One sign-up question: a feature with the question text and its answers in one-hot order.</summary>
/// <param name="Name">The feature's name (e.g. <c>gender</c>).</param>
/// <param name="Question">The question shown on the form.</param>
/// <param name="Values">The answers; their order is the one-hot order of the submission row.</param>
public sealed record SignupFeature(string Name, string Question, IReadOnlyList<SignupValue> Values);

/// <summary>One contact field: a fixed number of bytes of UTF-8 in the contact block.</summary>
/// <param name="Name">The field's name (e.g. <c>email</c>).</param>
/// <param name="Label">The label shown on the form.</param>
/// <param name="Bytes">The field's fixed length in bytes (the UTF-8 text is padded with zero bytes).</param>
public sealed record ContactField(string Name, string Label, int Bytes);

/// <summary>
/// The public definition of a sign-up round, the same at the three providers and on the page: the questions with
/// their answers and quotas, the panel size, the deadline, the contact fields and the invitation scheme.
/// <see cref="Hash"/> is what the providers compare before they accept anything.
/// </summary>
/// <remarks>
/// JSON (<see cref="Save"/>/<see cref="Load"/>): <c>{"format":1,"roundId":hex32,"title","deadlineUtc":ISO-8601 with Z,
/// "panelSize","features":[{"name","question","values":[{"name","label","min","max"}]}],"contactFields":[{"name","label",
/// "bytes"}],"invitation":{"codeSalt":hex,"signupUrl":"…{code}…"}}</c>. The hash is SHA-256 over the canonical
/// serialisation (exactly what <see cref="Save"/> writes without indentation), so whitespace and member order in a
/// hand-edited file do not matter but every value does.
/// </remarks>
public sealed class SignupRound
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Upper bound on the total number of values V (one-hot row length).</summary>
    public const int MaxValues = 1024;

    /// <summary>Upper bound on the contact block length in bytes.</summary>
    public const int MaxContactBytes = 4096;

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    /// <summary>Creates and checks a round definition.</summary>
    /// <param name="roundId">16 bytes, fresh per round.</param>
    /// <param name="title">The round's title shown on the page.</param>
    /// <param name="deadlineUtc">The moment after which no submission or withdrawal is accepted (UTC).</param>
    /// <param name="panelSize">k, the number of panel members.</param>
    /// <param name="features">The questions in row order.</param>
    /// <param name="contactFields">The contact fields in block order.</param>
    /// <param name="codeSalt">The public salt of the code hashes, 16..64 bytes.</param>
    /// <param name="signupUrl">The sign-up URL printed on letters; must contain <c>{code}</c> and use https.</param>
    /// <param name="testSeedCommitment">TESTING AND AUDITS ONLY: the 32-byte commitment to a public test seed
    /// (<see cref="CommitTestSeed"/>), fixed before anyone signs up, so that a selection with that public tape cannot be
    /// steered by choosing the seed after seeing the pool; empty (the default) for a round that may only be selected with
    /// joint randomness.</param>
    /// <exception cref="ArgumentException">A value is missing, out of range, or two names collide; the message says which.</exception>
    public SignupRound(ReadOnlySpan<byte> roundId, string title, DateTimeOffset deadlineUtc, int panelSize,
        IEnumerable<SignupFeature> features, IEnumerable<ContactField> contactFields, ReadOnlySpan<byte> codeSalt, string signupUrl,
        ReadOnlySpan<byte> testSeedCommitment = default)
    {
        if (testSeedCommitment.Length is not (0 or 32))
        {
            throw new ArgumentException("The test seed commitment has 32 bytes (or none).", nameof(testSeedCommitment));
        }

        TestSeedCommitment = testSeedCommitment.IsEmpty ? null : Convert.ToHexStringLower(testSeedCommitment);

        if (roundId.Length != 16)
        {
            throw new ArgumentException("The round id must be 16 bytes.", nameof(roundId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(contactFields);
        ArgumentException.ThrowIfNullOrWhiteSpace(signupUrl);
        if (deadlineUtc.Offset != TimeSpan.Zero)
        {
            throw new ArgumentException("The deadline must be given in UTC.", nameof(deadlineUtc));
        }

        if (codeSalt.Length is < 16 or > 64)
        {
            throw new ArgumentException("The code salt must be 16 to 64 bytes.", nameof(codeSalt));
        }

        if (!signupUrl.StartsWith("https://", StringComparison.Ordinal) || !signupUrl.Contains("{code}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The sign-up URL must start with https:// and contain {code}.", nameof(signupUrl));
        }

        RoundId = Convert.ToHexStringLower(roundId);
        Title = title;
        DeadlineUtc = deadlineUtc;
        Features = features.ToArray();
        ContactFields = contactFields.ToArray();
        _salt = codeSalt.ToArray();
        SignupUrl = signupUrl;
        PanelSize = panelSize;
        Validate();
        ValueCount = Features.Sum(f => f.Values.Count);
        ContactBlockLength = ContactFields.Sum(f => f.Bytes);
        _hash = SHA256.HashData(Canonical(indented: false));
    }

    /// <summary>The round id, 32 lower-case hex digits.</summary>
    public string RoundId { get; }

    /// <summary>TESTING AND AUDITS ONLY: the commitment to a public test seed (64 lower-case hex digits), or
    /// <see langword="null"/> when the round may only be selected with joint randomness. JSON member
    /// <c>"testSeedCommitment"</c>, written only when present (so rounds without it keep their hash).</summary>
    public string? TestSeedCommitment { get; }

    /// <summary>The commitment to a public test seed for this round: <see cref="Providers.RoundDefinition.CommitSeed"/>
    /// with this round's id, so the selection round derived from the pool (same id) carries the same commitment.</summary>
    /// <param name="seed">The public test seed.</param>
    /// <returns>32 bytes.</returns>
    public byte[] CommitTestSeed(ReadOnlySpan<byte> seed) => Providers.RoundDefinition.CommitSeed(Convert.FromHexString(RoundId), seed);

    /// <summary>The title shown on the page.</summary>
    public string Title { get; }

    /// <summary>The deadline (UTC); a submission that arrives after it is refused.</summary>
    public DateTimeOffset DeadlineUtc { get; }

    /// <summary>k, the panel size.</summary>
    public int PanelSize { get; }

    /// <summary>The questions, in row order.</summary>
    public IReadOnlyList<SignupFeature> Features { get; }

    /// <summary>The contact fields, in block order.</summary>
    public IReadOnlyList<ContactField> ContactFields { get; }

    /// <summary>V, the length of a one-hot row (the total number of values).</summary>
    public int ValueCount { get; }

    /// <summary>The fixed contact block length in bytes (the sum of the fields' lengths).</summary>
    public int ContactBlockLength { get; }

    /// <summary>The public salt of the code hashes.</summary>
    public ReadOnlySpan<byte> CodeSalt => _salt;

    /// <summary>The sign-up URL template with <c>{code}</c>.</summary>
    public string SignupUrl { get; }

    /// <summary>SHA-256 of the canonical serialisation, 64 lower-case hex digits: the three providers must agree on it.</summary>
    public string Hash => Convert.ToHexStringLower(_hash);

    /// <summary>The quotas as the selection's model: one <see cref="Feature"/> per question.</summary>
    /// <returns>The features with their values' quotas, in row order.</returns>
    public IReadOnlyList<Feature> ToFeatures() =>
        Features.Select(f => new Feature(f.Name, f.Values.Select(v => new FeatureValue(v.Name, v.Min, v.Max)))).ToArray();

    /// <summary>The value counts per feature, in row order (what the well-formedness check needs).</summary>
    /// <returns>One count per feature.</returns>
    public int[] ValueCounts() => Features.Select(f => f.Values.Count).ToArray();

    /// <summary>The letter URL for one code.</summary>
    /// <param name="canonicalCode">A code in canonical form.</param>
    /// <returns>The URL with the code inserted (URL-escaped).</returns>
    public string SignupUrlFor(string canonicalCode) => SignupUrl.Replace("{code}", Uri.EscapeDataString(canonicalCode), StringComparison.Ordinal);

    /// <summary>Writes the definition as JSON (indented, UTF-8).</summary>
    /// <param name="stream">The destination; left open.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Canonical(indented: true));
    }

    /// <summary>Reads and checks a definition written by <see cref="Save"/> (or by hand in the same shape).</summary>
    /// <param name="stream">The source; read to the end, left open.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="InvalidDataException">The file is not valid JSON, a member is missing or has the wrong type, or a value is out of range; the message names it.</exception>
    public static SignupRound Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The round definition is not valid JSON (line {e.LineNumber + 1}).", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            try
            {
                int format = Int(root, "format");
                if (format != FormatVersion)
                {
                    throw new InvalidDataException($"The round definition has format {format}; this program reads format {FormatVersion}.");
                }

                byte[] roundId = Hex(root, "roundId", 16);
                string deadlineText = Str(root, "deadlineUtc");
                if (!deadlineText.EndsWith('Z') || !DateTimeOffset.TryParse(deadlineText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset deadline))
                {
                    throw new InvalidDataException("The round definition's \"deadlineUtc\" must be an ISO-8601 UTC time ending in Z, e.g. 2026-12-01T18:00:00Z.");
                }

                var features = Arr(root, "features").Select(f => new SignupFeature(Str(f, "name"), Str(f, "question"),
                    Arr(f, "values").Select(v => new SignupValue(Str(v, "name"), Str(v, "label"), Int(v, "min"), Int(v, "max"))).ToArray())).ToArray();
                var contacts = Arr(root, "contactFields").Select(c => new ContactField(Str(c, "name"), Str(c, "label"), Int(c, "bytes"))).ToArray();
                JsonElement invitation = Obj(root, "invitation");
                byte[] commitment = root.TryGetProperty("testSeedCommitment", out JsonElement tc) && tc.ValueKind != JsonValueKind.Null ? Hex(root, "testSeedCommitment", 32) : [];
                return new SignupRound(roundId, Str(root, "title"), deadline.ToUniversalTime(), Int(root, "panelSize"), features, contacts,
                    HexAny(invitation, "codeSalt"), Str(invitation, "signupUrl"), commitment);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException("The round definition is not valid: " + e.Message, e);
            }
        }
    }

    private void Validate()
    {
        if (Features.Count == 0)
        {
            throw new ArgumentException("The round needs at least one question.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int total = 0;
        foreach (SignupFeature f in Features)
        {
            if (f is null || string.IsNullOrWhiteSpace(f.Name) || string.IsNullOrWhiteSpace(f.Question) || f.Values is null || f.Values.Count == 0)
            {
                throw new ArgumentException("Every question needs a name, a question text and at least one answer.");
            }

            if (!names.Add(f.Name))
            {
                throw new ArgumentException($"Two questions are named '{f.Name}'.");
            }

            var values = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (SignupValue v in f.Values)
            {
                if (v is null || string.IsNullOrWhiteSpace(v.Name) || string.IsNullOrWhiteSpace(v.Label))
                {
                    throw new ArgumentException($"Every answer of '{f.Name}' needs a name and a label.");
                }

                if (!values.Add(v.Name))
                {
                    throw new ArgumentException($"Question '{f.Name}' has two answers named '{v.Name}'.");
                }

                if (v.Min < 0 || v.Max < v.Min || v.Max > PanelSize)
                {
                    throw new ArgumentException($"The quota of '{f.Name}' = '{v.Name}' must satisfy 0 ≤ min ≤ max ≤ k (min {v.Min}, max {v.Max}, k {PanelSize}).");
                }
            }

            total += f.Values.Count;
        }

        if (total > MaxValues)
        {
            throw new ArgumentException($"The questions have {total} answers in all; at most {MaxValues} are supported.");
        }

        if (PanelSize < 1 || PanelSize > Secure.SecureSelectionLayout.MaxCandidates)
        {
            throw new ArgumentException($"The panel size k must be between 1 and {Secure.SecureSelectionLayout.MaxCandidates}.");
        }

        if (ContactFields.Count == 0)
        {
            throw new ArgumentException("The round needs at least one contact field.");
        }

        var fieldNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int bytes = 0;
        foreach (ContactField c in ContactFields)
        {
            if (c is null || string.IsNullOrWhiteSpace(c.Name) || string.IsNullOrWhiteSpace(c.Label) || c.Bytes < 1)
            {
                throw new ArgumentException("Every contact field needs a name, a label and a length of at least 1 byte.");
            }

            if (!fieldNames.Add(c.Name))
            {
                throw new ArgumentException($"Two contact fields are named '{c.Name}'.");
            }

            bytes += c.Bytes;
            if (bytes > MaxContactBytes)
            {
                throw new ArgumentException($"The contact fields take more than {MaxContactBytes} bytes in all.");
            }
        }
    }

    private byte[] Canonical(bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("roundId", RoundId);
            w.WriteString("title", Title);
            w.WriteString("deadlineUtc", DeadlineUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteNumber("panelSize", PanelSize);
            w.WriteStartArray("features");
            foreach (SignupFeature f in Features)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("question", f.Question);
                w.WriteStartArray("values");
                foreach (SignupValue v in f.Values)
                {
                    w.WriteStartObject();
                    w.WriteString("name", v.Name);
                    w.WriteString("label", v.Label);
                    w.WriteNumber("min", v.Min);
                    w.WriteNumber("max", v.Max);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("contactFields");
            foreach (ContactField c in ContactFields)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("label", c.Label);
                w.WriteNumber("bytes", c.Bytes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("invitation");
            w.WriteString("codeSalt", Convert.ToHexStringLower(_salt));
            w.WriteString("signupUrl", SignupUrl);
            w.WriteEndObject();
            if (TestSeedCommitment is not null)
            {
                w.WriteString("testSeedCommitment", TestSeedCommitment);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonElement Member(JsonElement e, string name, JsonValueKind kind)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out JsonElement value) || value.ValueKind != kind)
        {
            throw new InvalidDataException($"The round definition needs \"{name}\" as a {kind.ToString().ToLowerInvariant()} here.");
        }

        return value;
    }

    private static string Str(JsonElement e, string name) => Member(e, name, JsonValueKind.String).GetString()!;

    private static JsonElement Obj(JsonElement e, string name) => Member(e, name, JsonValueKind.Object);

    private static IEnumerable<JsonElement> Arr(JsonElement e, string name) => Member(e, name, JsonValueKind.Array).EnumerateArray().ToArray();

    private static int Int(JsonElement e, string name) => Member(e, name, JsonValueKind.Number).TryGetInt32(out int v)
        ? v
        : throw new InvalidDataException($"The round definition's \"{name}\" must be a whole number.");

    private static byte[] HexAny(JsonElement e, string name)
    {
        try
        {
            return Convert.FromHexString(Str(e, name));
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The round definition's \"{name}\" must be hexadecimal.");
        }
    }

    private static byte[] Hex(JsonElement e, string name, int bytes)
    {
        byte[] value = HexAny(e, name);
        return value.Length == bytes ? value : throw new InvalidDataException($"The round definition's \"{name}\" must be {2 * bytes} hex digits.");
    }

    /// <summary>Describes the round without any secret (there is none in it).</summary>
    /// <returns>Title, id, k, V and deadline.</returns>
    public override string ToString() => $"SignupRound({Title}, id {RoundId}, k={PanelSize}, V={ValueCount}, deadline {DeadlineUtc:u})";
}
