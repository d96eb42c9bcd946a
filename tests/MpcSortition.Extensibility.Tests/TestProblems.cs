using System.Globalization;
using MpcSortition.Selection;

namespace MpcSortition.Extensibility.Tests;

/// <summary>Small problems built from the public API only (so the three-party runs stay fast).</summary>
internal static class TestProblems
{
    /// <summary>
    /// 24 people (every fourth pair of neighbours shares an address), gender and age; k = 6 with 2..4 of each gender and
    /// at least 2 young and 2 old. Built deterministically.
    /// </summary>
    internal static SelectionProblem Couples24()
    {
        Feature[] features =
        [
            new("gender", [new FeatureValue("f", 2, 4), new FeatureValue("m", 2, 4)]),
            new("age", [new FeatureValue("young", 2, 4), new FeatureValue("middle", 0, 3), new FeatureValue("old", 2, 4)]),
        ];
        string[] ages = ["young", "middle", "old"];
        var people = new List<Candidate>();
        for (int i = 0; i < 24; i++)
        {
            string? address = i % 8 < 2 ? $"street {i / 8}" : null;
            people.Add(new Candidate(
                "p" + i.ToString(CultureInfo.InvariantCulture),
                [i % 2 == 0 ? "f" : "m", ages[(i * 7 / 5) % 3]],
                address));
        }

        return new SelectionProblem(features, people, 6);
    }

    /// <summary>A 16-byte seed from a number.</summary>
    internal static byte[] Seed(int i) => RandomTape.SeedFromString("extensibility-" + i.ToString(CultureInfo.InvariantCulture));
}
