using MpcSortition.Selection;

namespace MpcSortition.Extensibility.Tests;

/// <summary>Plaintext strategies written outside the library, run by <see cref="PanelSelector"/>.</summary>
public sealed class CustomSelectionStrategyTests
{
    /// <summary>
    /// The paper-era legacy greedy rewritten from the public API only (features, values, addresses,
    /// <see cref="RandomTape.Uniform"/>), following the rules in docs/selection.md: if it reproduces the built-in
    /// strategy's panels, both the interface and <see cref="SelectionAttempt"/>'s factories are usable from outside.
    /// </summary>
    private sealed class PublicApiLegacy : ISelectionStrategy
    {
        public int Attempts { get; private set; }

        public string Name => "public-api-legacy";

        public SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape)
        {
            Attempts++;
            int n = problem.Candidates.Count, k = problem.PanelSize, values = problem.ValueCount, features = problem.Features.Count;
            int[] min = new int[values], max = new int[values], selected = new int[values], remaining = new int[values];
            for (int v = 0; v < values; v++)
            {
                (_, FeatureValue value) = problem.GetValue(v);
                (min[v], max[v]) = (value.Min, value.Max);
            }

            var alive = new bool[n];
            for (int i = 0; i < n; i++)
            {
                alive[i] = true;
                for (int f = 0; f < features; f++)
                {
                    remaining[problem.ValueIndexOf(i, f)]++;
                }
            }

            void Remove(int j)
            {
                alive[j] = false;
                for (int f = 0; f < features; f++)
                {
                    remaining[problem.ValueIndexOf(j, f)]--;
                }
            }

            void RemoveFull()
            {
                for (int j = 0; j < n; j++)
                {
                    for (int f = 0; f < features && alive[j]; f++)
                    {
                        int v = problem.ValueIndexOf(j, f);
                        if (selected[v] >= max[v])
                        {
                            Remove(j);
                        }
                    }
                }
            }

            RemoveFull(); // values with max 0
            var panel = new List<int>();
            string? failure = null;
            int failedAt = -1;
            for (int t = 0; t < k; t++)
            {
                ulong word = tape.NextUInt64(); // one word per step, also after a failure
                if (failure is not null)
                {
                    continue;
                }

                int unreachable = Enumerable.Range(0, values).FirstOrDefault(v => remaining[v] < min[v] - selected[v], -1);
                int best = -1;
                for (int v = 0; v < values && unreachable < 0; v++)
                {
                    // need/rem > bestNeed/bestRem by cross-multiplication; ties keep the first value.
                    if (remaining[v] > 0 && (best < 0 || ((long)(min[v] - selected[v]) * remaining[best]) > ((long)(min[best] - selected[best]) * remaining[v])))
                    {
                        best = v;
                    }
                }

                if (unreachable >= 0 || best < 0)
                {
                    (failure, failedAt) = ("a minimum cannot be met", t);
                    continue;
                }

                int r = RandomTape.Uniform(word, remaining[best]);
                int person = Enumerable.Range(0, n).Where(j => alive[j] && Enumerable.Range(0, features).Any(f => problem.ValueIndexOf(j, f) == best)).ElementAt(r);
                Remove(person);
                panel.Add(person);
                for (int f = 0; f < features; f++)
                {
                    selected[problem.ValueIndexOf(person, f)]++;
                }

                string? address = problem.Candidates[person].Address;
                for (int j = 0; j < n; j++)
                {
                    if (alive[j] && address is not null && problem.Candidates[j].Address == address)
                    {
                        Remove(j);
                    }
                }

                RemoveFull();
            }

            if (failure is null && Enumerable.Range(0, values).Any(v => selected[v] < min[v]))
            {
                (failure, failedAt) = ("the panel misses a minimum", k);
            }

            return failure is null ? SelectionAttempt.Success(problem, panel) : SelectionAttempt.Failure(failure, failedAt);
        }
    }

    /// <summary>Returns a fixed list of candidates, valid or not.</summary>
    private sealed class FixedPanel(params int[] panel) : ISelectionStrategy
    {
        public string Name => "fixed";

        public SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape)
        {
            for (int t = 0; t < problem.PanelSize; t++)
            {
                tape.NextUInt64();
            }

            return SelectionAttempt.Success(problem, panel);
        }
    }

    [Fact]
    public void A_strategy_written_against_the_public_API_returns_the_reference_panels()
    {
        SelectionProblem problem = TestProblems.Couples24();
        var custom = new PublicApiLegacy();
        int attemptsSeen = 0;
        for (int s = 0; s < 20; s++)
        {
            SelectionResult expected = PanelSelector.Select(problem, new LegacyGreedy(), TestProblems.Seed(s));
            SelectionResult actual = PanelSelector.Select(problem, custom, TestProblems.Seed(s));
            Assert.Equal(expected.Panel, actual.Panel);
            Assert.Equal(expected.Attempts, actual.Attempts);
            Assert.Equal(expected.Composition, actual.Composition);
            Assert.True(problem.IsValidPanel(actual.Panel.ToArray()));
            attemptsSeen += actual.Attempts;
        }

        Assert.Equal(attemptsSeen, custom.Attempts);
    }

    [Fact]
    public void A_custom_failure_reason_reaches_the_caller()
    {
        // Σ min is feasible per feature, but nobody is both a and b: every attempt fails.
        Feature[] features =
        [
            new("x", [new FeatureValue("a", 1, 1), new FeatureValue("not-a", 0, 1)]),
            new("y", [new FeatureValue("b", 1, 1), new FeatureValue("not-b", 0, 1)]),
        ];
        var problem = new SelectionProblem(features, [new("p0", ["a", "not-b"]), new("p1", ["not-a", "b"])], 1);
        var custom = new PublicApiLegacy();
        SelectionFailedException e = Assert.Throws<SelectionFailedException>(() => PanelSelector.Select(problem, custom, TestProblems.Seed(1), maxAttempts: 4));
        Assert.Equal(4, e.Attempts);
        Assert.Equal(4, custom.Attempts);
        Assert.Contains(e.LastReason, new[] { "a minimum cannot be met", "the panel misses a minimum" });
        Assert.Throws<SelectionFailedException>(() => PanelSelector.Select(problem, new LegacyGreedy(), TestProblems.Seed(1), maxAttempts: 4));
    }

    [Fact]
    public void The_factories_refuse_what_is_not_a_panel_or_not_a_reason()
    {
        SelectionProblem problem = TestProblems.Couples24();

        // p0 and p1 share an address (the quotas are met); a duplicate; a wrong size; an index out of range; a quota broken (6 women).
        Assert.Contains("shares an address", Assert.Throws<ArgumentException>(() => PanelSelector.Select(problem, new FixedPanel(0, 1, 7, 2, 4, 3), TestProblems.Seed(0))).Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => SelectionAttempt.Success(problem, [2, 2, 3, 4, 5, 6])).Message, StringComparison.Ordinal);
        Assert.Contains("panel size is 6", Assert.Throws<ArgumentException>(() => SelectionAttempt.Success(problem, [2, 3])).Message, StringComparison.Ordinal);
        Assert.Contains("outside 0..23", Assert.Throws<ArgumentException>(() => SelectionAttempt.Success(problem, [2, 3, 4, 5, 6, 24])).Message, StringComparison.Ordinal);
        Assert.Contains("gender/f", Assert.Throws<ArgumentException>(() => SelectionAttempt.Success(problem, [2, 4, 6, 10, 12, 14])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SelectionAttempt.Failure(" ", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SelectionAttempt.Failure("why", -1));

        SelectionAttempt failure = SelectionAttempt.Failure("why", 3);
        Assert.False(failure.Succeeded);
        Assert.Empty(failure.Panel);
        Assert.Equal((3, "why"), (failure.FailedAtStep, failure.FailureReason));
    }
}
