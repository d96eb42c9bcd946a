using MpcSortition.Selection;

namespace MpcSortition.Extensibility.Tests;

/// <summary>A word source written outside the library drives the reference selection.</summary>
public sealed class CustomRandomTapeTests
{
    /// <summary>Replays a fixed list of words, then fails loudly if asked for more.</summary>
    private sealed class ListTape(IReadOnlyList<ulong> words) : IRandomTape
    {
        private int _next;

        public int Read => _next;

        public ulong NextUInt64() => _next < words.Count ? words[_next++] : throw new InvalidOperationException("tape exhausted");
    }

    [Fact]
    public void A_tape_from_another_assembly_feeds_the_reference_strategy_and_is_read_once_per_pick()
    {
        // Two values of one feature, quotas force exactly one of each into a panel of two.
        var feature = new Feature("f", [new FeatureValue("a", 1, 1), new FeatureValue("b", 1, 1)]);
        Candidate[] people = [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["b"]), new("p3", ["b"])];
        var problem = new SelectionProblem([feature], people, 2);
        var tape = new ListTape([0UL, 0UL, 0UL, 0UL]);

        SelectionResult result = PanelSelector.Select(problem, new LegacyGreedy(), tape, maxAttempts: 1);

        Assert.Equal(2, tape.Read);
        Assert.Equal(2, result.Panel.Count);
        Assert.Single(result.Panel, i => people[i].Values[0] == "a");
        Assert.Single(result.Panel, i => people[i].Values[0] == "b");
    }
}
