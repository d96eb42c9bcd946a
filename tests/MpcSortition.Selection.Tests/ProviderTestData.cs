using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Tests;

/// <summary>Small rounds for the provider tests: the 20-person sample with k = 6, and its share rows.</summary>
internal static class ProviderTestData
{
    /// <summary>Three features, the last two with several values; every quota loose enough that most attempts succeed.</summary>
    internal static SelectionProblem Problem()
    {
        Feature[] features =
        [
            new("gender", [new FeatureValue("f", 2, 4), new FeatureValue("m", 2, 4)]),
            new("age", [new FeatureValue("young", 1, 3), new FeatureValue("middle", 1, 3), new FeatureValue("old", 1, 3)]),
            new("region", [new FeatureValue("north", 1, 4), new FeatureValue("south", 1, 4)]),
        ];
        string[] genders = ["f", "m"], ages = ["young", "middle", "old"], regions = ["north", "south"];
        var candidates = Enumerable.Range(0, 24).Select(i => new Candidate($"c{i}", [genders[i % 2], ages[(i / 2) % 3], regions[(i / 6) % 2]], address: $"a{i / 2}")).ToArray();
        return new SelectionProblem(features, candidates, 6);
    }

    internal static RoundDefinition Round(SelectionProblem? problem = null, byte[]? testSeed = null, bool addresses = true) =>
        RoundDefinition.Create(problem ?? Problem(), addresses, testSeed);

    internal static byte[] Save(RoundDefinition round)
    {
        using var stream = new MemoryStream();
        round.Save(stream);
        return stream.ToArray();
    }

    internal static RoundDefinition Load(byte[] json)
    {
        using var stream = new MemoryStream(json);
        return RoundDefinition.Load(stream);
    }

    internal static byte[] WriteShares(RoundDefinition round, int party, uint[] shares)
    {
        using var stream = new MemoryStream();
        ShareFile.Write(stream, round, party, shares);
        return stream.ToArray();
    }

    internal static uint[] ReadShares(byte[] file, RoundDefinition round, int party)
    {
        using var stream = new MemoryStream(file);
        return ShareFile.Read(stream, round, party);
    }
}
