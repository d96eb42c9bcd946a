using System.Globalization;
using System.Text.Json;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;

namespace MpcSortition.Provider;

/// <summary>
/// Design 2 in the provider service: the optional <c>"records"</c> section of the configuration. With it,
/// <c>POST /operator/select</c> joins the tax office's records (this provider's <c>records-i.shares</c>) to the checked
/// pool and runs the selection on the joined rows (<c>RecordSelection.RunInSessionAsync</c>); the band counts go to
/// the analyser only. Example:
/// <code>
/// "records": { "shares": "records-0.shares", "matching": "code", "openStatistics": true,
///   "bands": [ { "attribute": "income", "feature": "income band", "thresholds": [20000, 45000, 80000],
///                "quotas": [[0, 3], [0, 3], [0, 3], [0, 3], [0, 3]] } ] }
/// </code>
/// <c>quotas</c> has one <c>[min, max]</c> per band and a last one for "unknown". Only <c>"code"</c> matching is
/// accepted: the intake does not carry person keys yet, so the modes that match under MPC have nothing to compare.
/// </summary>
/// <param name="SharesPath">This provider's share file (absolute).</param>
/// <param name="Matching">The matching mode.</param>
/// <param name="Bands">The public bands with their quotas.</param>
/// <param name="OpenStatistics">Whether the band counts are opened to the analyser.</param>
internal sealed record RecordsConfig(string SharesPath, RecordMatching Matching, IReadOnlyList<AttributeBands> Bands, bool OpenStatistics)
{
    /// <summary>Reads the section; every problem names the configuration file and the field.</summary>
    public static RecordsConfig Parse(JsonElement e, string path, Func<string, string> resolve)
    {
        string where = $"{path}: \"records\"";
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigException($"{where} must be an object with \"shares\", \"bands\" and optionally \"matching\" and \"openStatistics\".");
        }

        foreach (JsonProperty p in e.EnumerateObject())
        {
            if (p.Name is not ("shares" or "matching" or "bands" or "openStatistics"))
            {
                throw new ConfigException($"{where}: unknown field \"{p.Name}\" (known: shares, matching, bands, openStatistics).");
            }
        }

        if (!e.TryGetProperty("shares", out JsonElement s) || s.ValueKind != JsonValueKind.String || s.GetString() is not { Length: > 0 } shares)
        {
            throw new ConfigException($"{where}.shares must name this provider's share file from the tax office (records-i.shares).");
        }

        RecordMatching matching = RecordMatching.Code;
        if (e.TryGetProperty("matching", out JsonElement m))
        {
            matching = m.ValueKind == JsonValueKind.String ? m.GetString() switch
            {
                "code" => RecordMatching.Code,
                "codeThenPersonKey" or "personKey" => throw new ConfigException($"{where}.matching \"{m.GetString()}\" needs the sign-ups' person keys, which the intake does not carry yet; use \"code\"."),
                _ => throw new ConfigException($"{where}.matching must be \"code\"."),
            } : throw new ConfigException($"{where}.matching must be \"code\".");
        }

        bool open = true;
        if (e.TryGetProperty("openStatistics", out JsonElement o))
        {
            open = o.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ConfigException($"{where}.openStatistics must be true or false."),
            };
        }

        if (!e.TryGetProperty("bands", out JsonElement bs) || bs.ValueKind != JsonValueKind.Array || bs.GetArrayLength() == 0)
        {
            throw new ConfigException($"{where}.bands must list at least one band feature ({{\"attribute\", \"feature\", \"thresholds\", \"quotas\"}}).");
        }

        var bands = new List<AttributeBands>();
        int index = 0;
        foreach (JsonElement b in bs.EnumerateArray())
        {
            string at = string.Create(CultureInfo.InvariantCulture, $"{where}.bands[{index++}]");
            try
            {
                string attribute = b.GetProperty("attribute").GetString() ?? throw new InvalidOperationException();
                string feature = b.GetProperty("feature").GetString() ?? throw new InvalidOperationException();
                uint[] thresholds = b.GetProperty("thresholds").EnumerateArray().Select(t => t.GetUInt32()).ToArray();
                (int, int)[] quotas = b.GetProperty("quotas").EnumerateArray().Select(q => q.GetArrayLength() == 2
                    ? (q[0].GetInt32(), q[1].GetInt32()) : throw new InvalidOperationException()).ToArray();
                bands.Add(AttributeBands.Create(attribute, feature, thresholds, quotas));
            }
            catch (ArgumentException x)
            {
                throw new ConfigException($"{at}: {x.Message}");
            }
            catch (Exception x) when (x is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                throw new ConfigException($"{at} must be {{\"attribute\": text, \"feature\": text, \"thresholds\": [whole numbers, increasing], \"quotas\": [[min, max], … one per band and one for \"unknown\"]}}.");
            }
        }

        if (bands.Select(b => b.Feature.Name).Distinct(StringComparer.Ordinal).Count() != bands.Count)
        {
            throw new ConfigException($"{where}.bands: every band feature needs its own name.");
        }

        return new RecordsConfig(resolve(shares), matching, bands, open);
    }

    /// <summary>The join settings for <c>RecordSelection.RunInSessionAsync</c>.</summary>
    public RecordJoinOptions JoinOptions(int analyser) => new() { Matching = Matching, Bands = Bands, Analyser = analyser, OpenStatistics = OpenStatistics };

    /// <summary>Reads this provider's part of the records (before any link is opened); a refusal names the file.</summary>
    public RecordShares Load(int party, ReadOnlySpan<byte> roundId, IReadOnlyList<SignupFeature> roundFeatures)
    {
        RecordShares records;
        try
        {
            using FileStream f = File.OpenRead(SharesPath);
            records = RecordShareFile.Read(f, party, roundId);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ProviderFileException)
        {
            throw new SelectException(409, "records_file", $"{SharesPath}: {e.Message.TrimEnd('.')}. The selection with the tax office's records cannot start; nothing was connected.");
        }

        foreach (AttributeBands b in Bands)
        {
            if (!records.AttributeNames.Contains(b.Attribute, StringComparer.OrdinalIgnoreCase))
            {
                throw new SelectException(409, "records_file", $"{SharesPath}: the records have no attribute '{b.Attribute}' (they have {string.Join(", ", records.AttributeNames)}); check \"records\".\"bands\" in the configuration.");
            }

            if (roundFeatures.Any(f => string.Equals(f.Name, b.Feature.Name, StringComparison.Ordinal)))
            {
                throw new SelectException(409, "not_configured", $"The band feature '{b.Feature.Name}' has the name of a question of the sign-up round; give it another name in \"records\".\"bands\".");
            }
        }

        if (records.CodeHashes is null)
        {
            throw new SelectException(409, "records_file", $"{SharesPath}: the records carry no invitation code hashes, so they cannot be matched by code (the tax office's CSV needs a \"code\" column).");
        }

        return records;
    }

    /// <summary>The public facts of the records and the join settings that the three providers must share, as JSON
    /// (exchanged before the join so that a difference is named).</summary>
    public byte[] Summary(RecordShares records)
    {
        var join = JoinOptions(ProviderSelection.Analyser);
        return JsonSerializer.SerializeToUtf8Bytes(new RecordsSummary(
            records.Count,
            [.. records.AttributeNames],
            records.CodeHashes is not null,
            records.HasPersonKeys,
            Convert.ToHexStringLower(records.PublicDigest()),
            join.Matching.ToString(),
            join.OpenStatistics,
            [.. Bands.Select(b => $"{b.Attribute} → {b.Feature.Name}: thresholds {string.Join(",", b.Thresholds)}; quotas {string.Join(",", b.Feature.Values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Min}-{v.Max}")))}")]));
    }

    /// <summary>What differs between this provider's summary and a peer's, in words, or null when they agree.</summary>
    public static string? Difference(byte[] mine, byte[] theirs, int peer)
    {
        RecordsSummary a = JsonSerializer.Deserialize<RecordsSummary>(mine)!;
        RecordsSummary? b;
        try
        {
            b = JsonSerializer.Deserialize<RecordsSummary>(theirs);
        }
        catch (JsonException)
        {
            b = null;
        }

        if (b is null || b.Attributes is null || b.Bands is null || b.Digest is null)
        {
            return $"Provider {peer} sent no readable summary of its records; it may run without a \"records\" section or another version of the software.";
        }

        string p = $"Provider {peer}";
        CultureInfo c = CultureInfo.InvariantCulture;
        if (b.Count != a.Count)
        {
            return string.Create(c, $"{p} holds a records file with {b.Count} records, this provider one with {a.Count}: the providers hold different records files (compare the tax office's delivery).");
        }

        if (!b.Attributes.SequenceEqual(a.Attributes))
        {
            return $"{p} holds records with the attributes {string.Join(", ", b.Attributes)}, this provider with {string.Join(", ", a.Attributes)}: the providers hold different records files.";
        }

        if (b.Codes != a.Codes || b.Keys != a.Keys)
        {
            return $"{p} holds records {(b.Codes ? "with" : "without")} code hashes and {(b.Keys ? "with" : "without")} person keys, this provider {(a.Codes ? "with" : "without")} and {(a.Keys ? "with" : "without")}: the providers hold different records files.";
        }

        if (b.Digest != a.Digest)
        {
            return $"{p} holds a records file of the same size whose invitation code hashes differ from this provider's (public digest {b.Digest[..16]}…, here {a.Digest[..16]}…): the providers hold different records files.";
        }

        if (b.Matching != a.Matching || b.OpenStatistics != a.OpenStatistics)
        {
            return $"{p} joins with matching \"{b.Matching}\" and statistics {(b.OpenStatistics ? "opened" : "not opened")}, this provider with \"{a.Matching}\" and {(a.OpenStatistics ? "opened" : "not opened")}: the \"records\" sections of the configurations differ.";
        }

        if (!b.Bands.SequenceEqual(a.Bands))
        {
            return $"{p} uses the bands [{string.Join("; ", b.Bands)}], this provider [{string.Join("; ", a.Bands)}]: the \"records\".\"bands\" of the configurations differ.";
        }

        return null;
    }

    private sealed record RecordsSummary(int Count, string[] Attributes, bool Codes, bool Keys, string Digest, string Matching, bool OpenStatistics, string[] Bands);
}
