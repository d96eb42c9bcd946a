using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>The round file on streams: what it holds, and every way a provider refuses one.</summary>
public sealed class RoundDefinitionTests
{
    [Fact]
    public void A_saved_round_loads_with_the_same_content_and_layout_hash()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        byte[] seed = RandomTape.SeedFromString("round trip");
        RoundDefinition round = ProviderTestData.Round(problem, seed);
        RoundDefinition loaded = ProviderTestData.Load(ProviderTestData.Save(round));

        Assert.Equal(round.RoundId, loaded.RoundId);
        Assert.Matches("^[0-9A-F]{32}$", loaded.RoundId);
        Assert.Equal(round.LayoutHash, loaded.LayoutHash);
        Assert.Equal(round.CreatedUtc, loaded.CreatedUtc);
        Assert.Equal(problem.Candidates.Select(c => c.Id), loaded.CandidateIds);
        Assert.Equal(6, loaded.PanelSize);
        Assert.Equal(7, loaded.ValueCount);
        Assert.Equal(problem.Features.SelectMany(f => f.Values.Select(v => (f.Name, v.Name, v.Min, v.Max))), loaded.Features.SelectMany(f => f.Values.Select(v => (f.Name, v.Name, v.Min, v.Max))));
        Assert.Equal([0, 0, 2, 2, 4, 4], loaded.Households!.Take(6));
        Assert.Equal(round.SeedCommitment, loaded.SeedCommitment);
        loaded.VerifySeed(seed);
        Assert.True(loaded.Layout.HasHouseholds);
        Assert.Equal(ProviderTestData.Save(round), ProviderTestData.Save(loaded));
    }

    [Fact]
    public async Task Providers_that_build_a_pool_round_a_second_apart_with_a_shared_time_get_one_round_hash()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        byte[] id = RandomNumberGenerator.GetBytes(16);
        var deadline = new DateTimeOffset(2026, 11, 29, 18, 0, 0, TimeSpan.FromHours(1));
        RoundDefinition Build(DateTimeOffset? created) =>
            RoundDefinition.ForPool(id, problem.Candidates.Select(c => c.Id), problem.Features, problem.PanelSize, default, created);

        RoundDefinition first = Build(deadline);
        RoundDefinition firstNow = Build(null);
        await Task.Delay(1100);
        RoundDefinition second = Build(deadline);
        RoundDefinition secondNow = Build(null);

        Assert.Equal("2026-11-29T17:00:00Z", first.CreatedUtc);
        Assert.Equal(ProviderTestData.Save(first), ProviderTestData.Save(second));
        Assert.Equal(RunTranscript.HashRound(first), RunTranscript.HashRound(second));

        // Without a shared time the file records each provider's own second, and the hash every transcript signs differs.
        Assert.NotEqual(firstNow.CreatedUtc, secondNow.CreatedUtc);
        Assert.NotEqual(RunTranscript.HashRound(firstNow), RunTranscript.HashRound(secondNow));
        Assert.Equal(firstNow.LayoutHash, secondNow.LayoutHash);
    }

    [Fact]
    public void Two_deals_of_one_problem_have_one_layout_hash_and_two_round_ids()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        RoundDefinition a = ProviderTestData.Round(problem), b = ProviderTestData.Round(problem);
        Assert.Equal(a.LayoutHash, b.LayoutHash);
        Assert.NotEqual(a.RoundId, b.RoundId);
        Assert.NotEqual(a.LayoutHash, ProviderTestData.Round(problem.WithPanelSize(5)).LayoutHash);
        Assert.NotEqual(a.LayoutHash, ProviderTestData.Round(problem, addresses: false).LayoutHash);
        Assert.Null(ProviderTestData.Round(problem, addresses: false).Households);
    }

    public static TheoryData<string> RequiredMembers => new()
    {
        "format", "roundId", "createdUtc", "panelSize", "candidateIds", "features", "layoutHash",
        "features[0].name", "features[0].values", "features[1].values[2].name", "features[1].values[2].min", "features[1].values[2].max",
    };

    [Theory]
    [MemberData(nameof(RequiredMembers))]
    public void A_missing_member_is_refused_by_name(string member)
    {
        JsonNode json = Json();
        (JsonObject parent, string name) = Locate(json, member);
        parent.Remove(name);
        ProviderFileException e = Refused(json, ProviderFileProblem.Malformed);
        Assert.Contains($"'{member}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RequiredMembers))]
    public void A_null_member_is_refused_by_name(string member)
    {
        JsonNode json = Json();
        (JsonObject parent, string name) = Locate(json, member);
        parent[name] = null;
        ProviderFileException e = Refused(json, ProviderFileProblem.Malformed);
        Assert.Contains($"'{member}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("candidateIds")]
    [InlineData("features")]
    [InlineData("values")]
    public void A_null_element_is_refused(string where)
    {
        JsonNode json = Json();
        switch (where)
        {
            case "candidateIds": json["candidateIds"]![3] = null; break;
            case "features": json["features"]![1] = null; break;
            default: json["features"]![0]!["values"]![1] = null; break;
        }

        ProviderFileException e = Refused(json, ProviderFileProblem.Malformed);
        Assert.Contains("is null", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[1, 2]")]
    [InlineData("{\"format\": \"one\"}")]
    [InlineData("{\"format\": 1, \"roundId\": 7}")]
    [InlineData("id,gender\np1,f\n")]
    public void Not_a_round_file_is_refused(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        ProviderFileException e = Assert.Throws<ProviderFileException>(() => RoundDefinition.Load(stream));
        Assert.Equal(ProviderFileProblem.Malformed, e.Problem);
    }

    [Fact]
    public void Another_format_version_is_refused()
    {
        JsonNode json = Json();
        json["format"] = 2;
        Assert.Contains("format 2", Refused(json, ProviderFileProblem.UnsupportedVersion).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("roundId", "ABC")]
    [InlineData("roundId", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("layoutHash", "00")]
    [InlineData("seedCommitment", "not hex")]
    public void A_malformed_hex_member_is_refused(string member, string value)
    {
        JsonNode json = Json();
        json[member] = value;
        Assert.Contains($"'{member}' must be", Refused(json, ProviderFileProblem.Malformed).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quota")]
    [InlineData("id")]
    [InlineData("k")]
    [InlineData("households")]
    [InlineData("value name")]
    public void A_round_edited_after_dealing_does_not_match_its_layout_hash(string edit)
    {
        JsonNode json = Json();
        switch (edit)
        {
            case "quota": json["features"]![0]!["values"]![0]!["max"] = 5; break;
            case "id": json["candidateIds"]![0] = "someone else"; break;
            case "k": json["panelSize"] = 5; break;
            case "households": json["households"]![1] = -1; break;
            default: json["features"]![2]!["values"]![0]!["name"] = "east"; break;
        }

        Assert.Contains("does not match its layout hash", Refused(json, ProviderFileProblem.LayoutHashMismatch).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_layout_hash_is_refused()
    {
        JsonNode json = Json();
        string hash = json["layoutHash"]!.GetValue<string>();
        json["layoutHash"] = (hash[0] == '0' ? "1" : "0") + hash[1..];
        Refused(json, ProviderFileProblem.LayoutHashMismatch);
    }

    [Theory]
    [InlineData("negative min")]
    [InlineData("max below min")]
    [InlineData("duplicate value")]
    [InlineData("duplicate id")]
    [InlineData("households length")]
    public void An_impossible_layout_is_refused_with_a_message(string edit)
    {
        JsonNode json = Json();
        switch (edit)
        {
            case "negative min": json["features"]![0]!["values"]![0]!["min"] = -1; break;
            case "max below min": json["features"]![0]!["values"]![0]!["max"] = 1; break;
            case "duplicate value": json["features"]![0]!["values"]![1]!["name"] = "F"; break;
            case "duplicate id": json["candidateIds"]![1] = "c0"; break;
            default: json["households"]!.AsArray().RemoveAt(0); break;
        }

        ProviderFileException e = Refused(json, ProviderFileProblem.Malformed);
        Assert.StartsWith("The round file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_panel_larger_than_the_pool_is_refused_as_out_of_bounds()
    {
        JsonNode json = Json();
        json["panelSize"] = 25;
        Refused(json, ProviderFileProblem.OutOfBounds);
    }

    [Fact]
    public void A_seed_that_was_not_committed_is_refused()
    {
        RoundDefinition committed = ProviderTestData.Round(testSeed: RandomTape.SeedFromString("right"));
        committed.VerifySeed(RandomTape.SeedFromString("right"));
        ProviderFileException wrong = Assert.Throws<ProviderFileException>(() => committed.VerifySeed(RandomTape.SeedFromString("wrong")));
        Assert.Equal(ProviderFileProblem.SeedCommitmentMismatch, wrong.Problem);
        Assert.Contains("does not match the seed commitment", wrong.Message, StringComparison.Ordinal);

        RoundDefinition uncommitted = ProviderTestData.Round();
        Assert.Null(uncommitted.SeedCommitment);
        ProviderFileException none = Assert.Throws<ProviderFileException>(() => uncommitted.VerifySeed(RandomTape.SeedFromString("right")));
        Assert.Contains("holds no seed commitment", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_commitment_is_the_documented_hash()
    {
        byte[] seed = RandomTape.SeedFromString("documented");
        RoundDefinition round = ProviderTestData.Round(testSeed: seed);
        byte[] expected = System.Security.Cryptography.SHA256.HashData([.. "MpcSortition.seed-commitment.v1"u8, .. Convert.FromHexString(round.RoundId), .. seed]);
        Assert.Equal(Convert.ToHexString(expected), round.SeedCommitment);
    }

    [Fact]
    public void The_layout_bounds_the_number_of_values_instead_of_overflowing()
    {
        // V = 70 000 values: V(V−1)/2 and n·V would overflow 32-bit products inside the engine.
        var many = new Feature("many", Enumerable.Range(0, 70_000).Select(i => new FeatureValue($"v{i}", 0, 1)));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new SecureSelectionLayout(["a", "b"], [many], 1));
        Assert.Contains("at most 4096", e.Message, StringComparison.Ordinal);

        // The largest layout allowed with 4096 values: n·V = 32 767 · 4096 stays below 2^27, one batch of the black box.
        var wide = new Feature("wide", Enumerable.Range(0, 4096).Select(i => new FeatureValue($"v{i}", 0, 1)));
        string[] ids = Enumerable.Range(0, SecureSelectionLayout.SmallDrawLimit).Select(i => $"c{i}").ToArray();
        var largest = new SecureSelectionLayout(ids, [wide], 1);
        Assert.True((long)largest.CandidateCount * largest.ValueCount <= MpcSortition.Protocols.SemiHonestBlackBox.MaxBatch);

        // The same through a round file: refused as out of bounds, not an OverflowException.
        JsonNode json = Json();
        json["features"]!.AsArray().Add(new JsonObject
        {
            ["name"] = "many",
            ["values"] = new JsonArray(Enumerable.Range(0, 5000).Select(i => (JsonNode)new JsonObject { ["name"] = $"v{i}", ["min"] = 0, ["max"] = 6 }).ToArray()),
        });
        Assert.Contains("at most 4096", Refused(json, ProviderFileProblem.OutOfBounds).Message, StringComparison.Ordinal);
    }

    private static JsonNode Json() => JsonNode.Parse(ProviderTestData.Save(ProviderTestData.Round(testSeed: RandomTape.SeedFromString("s"))))!;

    private static (JsonObject Parent, string Name) Locate(JsonNode json, string path)
    {
        JsonNode node = json;
        string[] parts = path.Split('.');
        foreach (string part in parts[..^1])
        {
            int bracket = part.IndexOf('[', StringComparison.Ordinal);
            node = node[part[..bracket]]![int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!;
        }

        return (node.AsObject(), parts[^1]);
    }

    private static ProviderFileException Refused(JsonNode json, ProviderFileProblem problem)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()));
        ProviderFileException e = Assert.Throws<ProviderFileException>(() => RoundDefinition.Load(stream));
        Assert.True(e.Problem == problem, $"{e.Problem}: {e.Message}");
        return e;
    }
}
