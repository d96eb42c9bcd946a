using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Providers;

/// <summary>
/// The public definition of one selection round, identical at every provider (<c>round.json</c>): a fresh round id, the
/// creation time, the panel size k, the candidate ids in pool order, the features with their values and quotas, the
/// optional address groups, the layout hash and the optional commitment to a public test seed. It holds no secret.
/// </summary>
/// <remarks>
/// <para>The layout hash is SHA-256 over a canonical encoding of n, the ids, the features with their values and quotas,
/// k and the address groups (every string as its UTF-8 byte length and bytes, every number as 4 bytes little-endian,
/// preceded by the text <c>MpcSortition.round-layout.v1</c>). <see cref="Load"/> recomputes it and refuses a file that
/// was edited after dealing; share files name the layout hash and the round id they belong to.</para>
/// <para>The JSON (UTF-8, camelCase) has the members <c>format</c> (1), <c>roundId</c> (32 hex digits),
/// <c>createdUtc</c>, <c>panelSize</c>, <c>candidateIds</c>, <c>features</c> (each <c>name</c> and <c>values</c>, each value
/// <c>name</c>, <c>min</c>, <c>max</c>), <c>households</c> (per candidate the pool index of the first candidate at the same
/// address, or −1; <see langword="null"/> without address exclusion), <c>layoutHash</c> (64 hex digits) and
/// <c>seedCommitment</c> (64 hex digits or <see langword="null"/>).</para>
/// </remarks>
public sealed class RoundDefinition
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    private readonly string[] _ids;
    private readonly Feature[] _features;
    private readonly int[]? _households;
    private readonly byte[] _roundId;
    private readonly byte[] _layoutHash;

    private RoundDefinition(byte[] roundId, string createdUtc, int panelSize, string[] ids, Feature[] features, int[]? households, byte[]? seedCommitment)
    {
        _roundId = roundId;
        CreatedUtc = createdUtc;
        PanelSize = panelSize;
        _ids = ids;
        _features = features;
        _households = households;
        SeedCommitment = seedCommitment is null ? null : Convert.ToHexString(seedCommitment);
        _layoutHash = ComputeLayoutHash(ids, features, panelSize, households);
        Layout = new SecureSelectionLayout(ids, features, panelSize, households);
    }

    /// <summary>The round id: 32 upper-case hex digits (16 random bytes), fresh for every deal.</summary>
    public string RoundId => Convert.ToHexString(_roundId);

    /// <summary>When the round was dealt (UTC, ISO 8601, as written in the file; informational, not hashed).</summary>
    public string CreatedUtc { get; }

    /// <summary>The panel size k.</summary>
    public int PanelSize { get; }

    /// <summary>The candidate ids in pool order.</summary>
    public IReadOnlyList<string> CandidateIds => _ids;

    /// <summary>The features in order, each with its values in order and their quotas. This order defines the one-hot
    /// row layout (see <see cref="ContributorEncoding"/>).</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>Per candidate the pool index of the first candidate at the same address (−1 without address), or
    /// <see langword="null"/> when the providers are not told about addresses.</summary>
    public IReadOnlyList<int>? Households => _households;

    /// <summary>Total number of feature values V (the width of a one-hot row).</summary>
    public int ValueCount => Layout.ValueCount;

    /// <summary>The layout hash: 64 upper-case hex digits.</summary>
    public string LayoutHash => Convert.ToHexString(_layoutHash);

    /// <summary>The commitment to a public test seed (64 upper-case hex digits, see <see cref="CommitSeed"/>), or
    /// <see langword="null"/> when the round may only be drawn with joint randomness.</summary>
    public string? SeedCommitment { get; }

    /// <summary>The secure selector's public parameters of this round.</summary>
    public SecureSelectionLayout Layout { get; }

    internal ReadOnlySpan<byte> RoundIdBytes => _roundId;

    internal ReadOnlySpan<byte> LayoutHashBytes => _layoutHash;

    /// <summary>Defines a round for a plaintext problem (dealer side), with a fresh round id.</summary>
    /// <param name="problem">The pool, features, quotas and k (only the public parts are kept).</param>
    /// <param name="includeAddresses">Tell the providers which candidates share an address (needed for same-address
    /// exclusion; reveals the household structure to them, nothing else). Ignored when nobody shares an address.</param>
    /// <param name="testSeed">Testing and audits only: a public seed to commit to (see <see cref="CommitSeed"/>), or
    /// <see langword="null"/>.</param>
    /// <returns>The round.</returns>
    /// <exception cref="ArgumentException">The problem exceeds the secure selector's bounds (the message names the bound).</exception>
    public static RoundDefinition Create(SelectionProblem problem, bool includeAddresses = true, byte[]? testSeed = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        byte[] roundId = RandomNumberGenerator.GetBytes(16);
        int[]? households = includeAddresses && problem.HasSharedAddresses ? HouseholdsOf(problem) : null;
        return new RoundDefinition(
            roundId,
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            problem.PanelSize,
            problem.Candidates.Select(c => c.Id).ToArray(),
            problem.Features.ToArray(),
            households,
            testSeed is null ? null : CommitSeed(roundId, testSeed));
    }

    /// <summary>Defines the round of a pool whose rows the providers already hold as shares (for example a sign-up
    /// intake's reconciled and checked pool), with a given round id, so that every provider derives the same round
    /// (the same layout hash) from the same public lists without a dealer. No address groups.</summary>
    /// <param name="roundId">The 16-byte round id (for an intake: the sign-up round's id).</param>
    /// <param name="candidateIds">The candidate ids in pool order (public, e.g. code hashes).</param>
    /// <param name="features">The features with their values and quotas, in row order.</param>
    /// <param name="panelSize">k.</param>
    /// <param name="seedCommitment">Testing and audits only: the 32-byte commitment to a public test seed made before
    /// the pool was known (<see cref="CommitSeed"/> with this round id), or empty.</param>
    /// <param name="createdUtc">The creation time the file records (to the second); null for now. Providers that build
    /// the round each on their own (an intake service after reconciliation) pass a time they share, e.g. the sign-up
    /// deadline: the time is part of the round hash every transcript signs, so three clocks a second apart would give
    /// three round files and transcripts that do not audit against one of them.</param>
    /// <returns>The round.</returns>
    /// <exception cref="ArgumentException">The round id or commitment has the wrong length, or the pool exceeds the
    /// secure selector's bounds (the message names the bound).</exception>
    public static RoundDefinition ForPool(ReadOnlySpan<byte> roundId, IEnumerable<string> candidateIds, IEnumerable<Feature> features, int panelSize, ReadOnlySpan<byte> seedCommitment = default, DateTimeOffset? createdUtc = null)
    {
        ArgumentNullException.ThrowIfNull(candidateIds);
        ArgumentNullException.ThrowIfNull(features);
        if (roundId.Length != 16)
        {
            throw new ArgumentException("The round id has 16 bytes.", nameof(roundId));
        }

        if (seedCommitment.Length is not (0 or 32))
        {
            throw new ArgumentException("The seed commitment has 32 bytes (or none).", nameof(seedCommitment));
        }

        return new RoundDefinition(
            roundId.ToArray(),
            (createdUtc?.UtcDateTime ?? DateTime.UtcNow).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            panelSize,
            candidateIds.ToArray(),
            features.ToArray(),
            null,
            seedCommitment.IsEmpty ? null : seedCommitment.ToArray());
    }

    /// <summary>SHA-256("MpcSortition.seed-commitment.v1" ‖ round id ‖ seed): published in the round file before the
    /// draw, checked by every provider given the seed.</summary>
    /// <param name="roundId">The 16-byte round id.</param>
    /// <param name="seed">The public test seed.</param>
    /// <returns>32 bytes.</returns>
    public static byte[] CommitSeed(ReadOnlySpan<byte> roundId, ReadOnlySpan<byte> seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.seed-commitment.v1"u8);
        hash.AppendData(roundId);
        hash.AppendData(seed);
        return hash.GetHashAndReset();
    }

    /// <summary>Checks that this round commits to the public test seed <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed a provider was given.</param>
    /// <exception cref="ProviderFileException">The round holds no seed commitment, or another one
    /// (<see cref="ProviderFileProblem.SeedCommitmentMismatch"/>).</exception>
    public void VerifySeed(ReadOnlySpan<byte> seed)
    {
        if (SeedCommitment is null)
        {
            throw new ProviderFileException(ProviderFileProblem.SeedCommitmentMismatch, "A public test seed was given but the round file holds no seed commitment (deal with a committed test seed): a public tape must be committed to before the draw.");
        }

        if (!CryptographicOperations.FixedTimeEquals(CommitSeed(_roundId, seed), Convert.FromHexString(SeedCommitment)))
        {
            throw new ProviderFileException(ProviderFileProblem.SeedCommitmentMismatch, $"The public test seed does not match the seed commitment {SeedCommitment[..16]}… published in the round file.");
        }
    }

    /// <summary>Writes the round as indented UTF-8 JSON (no byte-order mark). The stream is left open.</summary>
    /// <param name="stream">The destination.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var json = new RoundJson
        {
            Format = FormatVersion,
            RoundId = RoundId,
            CreatedUtc = CreatedUtc,
            PanelSize = PanelSize,
            CandidateIds = _ids,
            Features = _features.Select(f => new FeatureJson { Name = f.Name, Values = f.Values.Select(v => new ValueJson { Name = v.Name, Min = v.Min, Max = v.Max }).ToArray() }).ToArray(),
            Households = _households,
            LayoutHash = LayoutHash,
            SeedCommitment = SeedCommitment,
        };
        JsonSerializer.Serialize(stream, json, RoundJsonContext.Default.RoundJson);
    }

    /// <summary>Reads and checks a round file: every member present and well-formed, the layout within the secure
    /// selector's bounds, and the layout hash matching the content. The stream is left open.</summary>
    /// <param name="stream">The source (UTF-8 JSON).</param>
    /// <returns>The round.</returns>
    /// <exception cref="ProviderFileException">The content is not a valid round file; the message names the member or
    /// the check that failed.</exception>
    public static RoundDefinition Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RoundJson? json;
        try
        {
            json = JsonSerializer.Deserialize(stream, RoundJsonContext.Default.RoundJson);
        }
        catch (JsonException e)
        {
            throw Malformed($"The round file is not valid JSON of a round ({e.Message}).", e);
        }

        if (json is null)
        {
            throw Malformed("The round file holds no round (JSON null).");
        }

        if (json.Format is not int format)
        {
            throw Missing("format");
        }

        if (format != FormatVersion)
        {
            throw new ProviderFileException(ProviderFileProblem.UnsupportedVersion, $"The round file has format {format}; this library reads format {FormatVersion}.");
        }

        byte[] roundId = Hex(json.RoundId, "roundId", 16);
        byte[] layoutHash = Hex(json.LayoutHash, "layoutHash", 32);
        byte[]? seedCommitment = json.SeedCommitment is null ? null : Hex(json.SeedCommitment, "seedCommitment", 32);
        int panelSize = json.PanelSize ?? throw Missing("panelSize");
        string createdUtc = json.CreatedUtc ?? throw Missing("createdUtc");
        string?[] rawIds = json.CandidateIds ?? throw Missing("candidateIds");
        var ids = new string[rawIds.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rawIds[i] ?? throw Malformed($"The round file's candidateIds[{i}] is null.");
        }

        FeatureJson?[] rawFeatures = json.Features ?? throw Missing("features");
        var features = new Feature[rawFeatures.Length];
        for (int f = 0; f < features.Length; f++)
        {
            FeatureJson feature = rawFeatures[f] ?? throw Malformed($"The round file's features[{f}] is null.");
            string name = feature.Name ?? throw Missing($"features[{f}].name");
            ValueJson?[] rawValues = feature.Values ?? throw Missing($"features[{f}].values");
            var values = new FeatureValue[rawValues.Length];
            for (int j = 0; j < values.Length; j++)
            {
                ValueJson value = rawValues[j] ?? throw Malformed($"The round file's features[{f}].values[{j}] is null.");
                string valueName = value.Name ?? throw Missing($"features[{f}].values[{j}].name");
                int min = value.Min ?? throw Missing($"features[{f}].values[{j}].min");
                int max = value.Max ?? throw Missing($"features[{f}].values[{j}].max");
                try
                {
                    values[j] = new FeatureValue(valueName, min, max);
                }
                catch (ArgumentException e)
                {
                    throw Malformed($"The round file's features[{f}].values[{j}] is not a valid value with quotas (name non-blank, 0 ≤ min ≤ max): {e.Message}", e);
                }
            }

            try
            {
                features[f] = new Feature(name, values);
            }
            catch (ArgumentException e)
            {
                throw Malformed($"The round file's features[{f}] is not a valid feature: {e.Message}", e);
            }
        }

        if (json.Households is { } households && households.Length != ids.Length)
        {
            throw Malformed($"The round file's households has {households.Length} entries for {ids.Length} candidates.");
        }

        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Length)
        {
            throw Malformed("The round file's candidateIds contain a duplicate.");
        }

        RoundDefinition round;
        try
        {
            round = new RoundDefinition(roundId, createdUtc, panelSize, ids, features, json.Households, seedCommitment);
        }
        catch (ArgumentException e)
        {
            throw new ProviderFileException(ProviderFileProblem.OutOfBounds, $"The round file's layout is outside what the secure selector supports: {e.Message}", e);
        }

        if (!CryptographicOperations.FixedTimeEquals(round._layoutHash, layoutHash))
        {
            throw new ProviderFileException(ProviderFileProblem.LayoutHashMismatch, "The round file's layout (ids, features, quotas, k, addresses) does not match its layout hash; the file was changed after dealing.");
        }

        return round;
    }

    /// <summary>Describes the round's public parameters.</summary>
    /// <returns>Round id prefix, n, V and k.</returns>
    public override string ToString() => $"RoundDefinition({RoundId[..8]}…, n={_ids.Length}, V={ValueCount}, k={PanelSize})";

    private static ProviderFileException Malformed(string message, Exception? inner = null) => new(ProviderFileProblem.Malformed, message, inner);

    private static ProviderFileException Missing(string member) =>
        Malformed($"The round file has no '{member}' (the member is missing or null); it is not a complete round file of format {FormatVersion}.");

    private static byte[] Hex(string? text, string member, int bytes)
    {
        if (text is null)
        {
            throw Missing(member);
        }

        if (text.Length != 2 * bytes || !text.All(char.IsAsciiHexDigit))
        {
            throw Malformed($"The round file's '{member}' must be {2 * bytes} hex digits.");
        }

        return Convert.FromHexString(text);
    }

    private static byte[] ComputeLayoutHash(string[] ids, Feature[] features, int panelSize, int[]? households)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[4];
        void Int(int v, Span<byte> buffer)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, v);
            hash.AppendData(buffer);
        }

        void Text(string s, Span<byte> buffer)
        {
            byte[] b = Encoding.UTF8.GetBytes(s);
            Int(b.Length, buffer);
            hash.AppendData(b);
        }

        Text("MpcSortition.round-layout.v1", number);
        Int(ids.Length, number);
        foreach (string id in ids)
        {
            Text(id, number);
        }

        Int(features.Length, number);
        foreach (Feature f in features)
        {
            Text(f.Name, number);
            Int(f.Values.Count, number);
            foreach (FeatureValue v in f.Values)
            {
                Text(v.Name, number);
                Int(v.Min, number);
                Int(v.Max, number);
            }
        }

        Int(panelSize, number);
        Int(households?.Length ?? -1, number);
        foreach (int h in households ?? [])
        {
            Int(h, number);
        }

        return hash.GetHashAndReset();
    }

    private static int[] HouseholdsOf(SelectionProblem problem)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[problem.Candidates.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string? address = problem.Candidates[i].Address;
            if (address is null)
            {
                result[i] = -1;
                continue;
            }

            if (!first.TryGetValue(address, out int f))
            {
                first[address] = f = i;
            }

            result[i] = f;
        }

        return result;
    }
}

/// <summary>The JSON shape of a round file; every member nullable so that a missing one is reported by name.</summary>
internal sealed class RoundJson
{
    public int? Format { get; set; }

    public string? RoundId { get; set; }

    public string? CreatedUtc { get; set; }

    public int? PanelSize { get; set; }

    public string?[]? CandidateIds { get; set; }

    public FeatureJson?[]? Features { get; set; }

    public int[]? Households { get; set; }

    public string? LayoutHash { get; set; }

    public string? SeedCommitment { get; set; }
}

internal sealed class FeatureJson
{
    public string? Name { get; set; }

    public ValueJson?[]? Values { get; set; }
}

internal sealed class ValueJson
{
    public string? Name { get; set; }

    public int? Min { get; set; }

    public int? Max { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RoundJson))]
internal sealed partial class RoundJsonContext : JsonSerializerContext;
