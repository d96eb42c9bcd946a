using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// How an attempt fails, as a caller of <see cref="ISelectionStrategy.Attempt"/> sees it: the step at which the failure
/// was detected (<see cref="SelectionAttempt.FailedAtStep"/>), the reason naming the feature value, an empty panel, and
/// exactly k tape words read whatever happens. Each problem below is built so that the failing step is forced.
/// </summary>
public sealed class AttemptFailureTests
{
    public static TheoryData<string> AllStrategies => new() { "legacy", "legacy-clamped", "two-phase" };

    private static ISelectionStrategy Create(string name) => name switch
    {
        "legacy" => new LegacyGreedy(),
        "legacy-clamped" => new LegacyGreedy(clamped: true),
        _ => new TwoPhaseGreedy(),
    };

    /// <summary>Value a needs 2 of k = 2, but its only two people share an address: after the first pick the second is
    /// gone, so step 1 (0-based) finds the minimum unreachable.</summary>
    private static SelectionProblem HouseholdBlocksTheMinimum() => new(
        [new Feature("f", [new FeatureValue("a", 2, 2), new FeatureValue("b", 0, 2)])],
        [new Candidate("p0", ["a"], "h"), new Candidate("p1", ["a"], "h"), new Candidate("p2", ["b"])],
        2);

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void AMinimumThatBecomesUnreachableFailsAtThatStep(string name)
    {
        SelectionProblem problem = HouseholdBlocksTheMinimum();
        Assert.Empty(FeasibilityCheck.Check(problem)); // the public counts cannot see it
        var tape = new CountingTape();
        SelectionAttempt attempt = Create(name).Attempt(problem, tape);
        Assert.False(attempt.Succeeded);
        Assert.Empty(attempt.Panel);
        Assert.Equal(1, attempt.FailedAtStep);
        Assert.Equal("not enough people left to meet the minimum of f/a (step 2 of 2)", attempt.FailureReason);
        Assert.Equal(2, tape.Read);
    }

    [Fact]
    public void RunningOutOfPeopleMidwayFailsAtThatStep()
    {
        // Everyone has value a with max 1: the first pick removes the rest, so step 1 has nobody to pick.
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 0, 1)])],
            [new Candidate("p0", ["a"]), new Candidate("p1", ["a"]), new Candidate("p2", ["a"])],
            3);
        foreach (ISelectionStrategy strategy in new ISelectionStrategy[] { new LegacyGreedy(), new TwoPhaseGreedy() })
        {
            var tape = new CountingTape();
            SelectionAttempt attempt = strategy.Attempt(problem, tape);
            Assert.Equal((false, 1), (attempt.Succeeded, attempt.FailedAtStep));
            Assert.Equal("ran out of people after 1 of 3 picks", attempt.FailureReason);
            Assert.Equal(3, tape.Read);
        }
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("legacy-clamped")]
    public void AMinimumStillUnmetAfterTheLastPickFailsAtStepK(string name)
    {
        // k = 1 and two minimums in two features that no single person meets together: the greedy picks the
        // person with a (first value in order), and after the last step y/c is still below its minimum.
        var problem = new SelectionProblem(
            [new Feature("x", [new FeatureValue("a", 1, 1), new FeatureValue("b", 0, 1)]),
             new Feature("y", [new FeatureValue("c", 1, 1), new FeatureValue("d", 0, 1)])],
            [new Candidate("p0", ["a", "d"]), new Candidate("p1", ["b", "c"])],
            1);
        SelectionAttempt attempt = Create(name).Attempt(problem, new CountingTape());
        Assert.Equal((false, 1), (attempt.Succeeded, attempt.FailedAtStep));
        Assert.Equal("the panel misses the minimum of y/c", attempt.FailureReason);
        Assert.Empty(attempt.Panel);
    }

    [Fact]
    public void TwoPhaseFailsWhenNobodyHelpsAnUnmetMinimumWithoutWastingAPlace()
    {
        // Same problem: each person meets one minimum but would take the only place the other feature still needs.
        var problem = new SelectionProblem(
            [new Feature("x", [new FeatureValue("a", 1, 1), new FeatureValue("b", 0, 1)]),
             new Feature("y", [new FeatureValue("c", 1, 1), new FeatureValue("d", 0, 1)])],
            [new Candidate("p0", ["a", "d"]), new Candidate("p1", ["b", "c"])],
            1);
        SelectionAttempt attempt = new TwoPhaseGreedy().Attempt(problem, new CountingTape());
        Assert.Equal((false, 0), (attempt.Succeeded, attempt.FailedAtStep));
        Assert.Equal("nobody left who helps the minimum of x/a (step 1 of 1)", attempt.FailureReason);
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void ASuccessfulAttemptHasNoFailureStep(string name)
    {
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 1, 1), new FeatureValue("b", 1, 1)])],
            [new Candidate("p0", ["a"]), new Candidate("p1", ["b"])],
            2);
        SelectionAttempt attempt = Create(name).Attempt(problem, new CountingTape());
        Assert.True(attempt.Succeeded);
        Assert.Equal(-1, attempt.FailedAtStep);
        Assert.Null(attempt.FailureReason);
        Assert.Equal([0, 1], attempt.Panel.Order());
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void SelectReportsEveryAttemptFailedWithTheLastReason(string name)
    {
        var tape = new CountingTape();
        var e = Assert.Throws<SelectionFailedException>(() => PanelSelector.Select(HouseholdBlocksTheMinimum(), Create(name), tape, maxAttempts: 1));
        Assert.Equal(1, e.Attempts);
        Assert.Equal("not enough people left to meet the minimum of f/a (step 2 of 2)", e.LastReason);
        Assert.Equal("No panel found in 1 attempt; the last failed because not enough people left to meet the minimum of f/a (step 2 of 2).", e.Message);
        Assert.Equal(2, tape.Read);
    }

    [Fact]
    public void TheSecondSuccessfulAttemptIsNumberedTwo()
    {
        // The legacy greedy always succeeds on this problem, so a wrapper makes its first attempt fail.
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 1, 1), new FeatureValue("b", 1, 1)])],
            [new Candidate("p0", ["a"]), new Candidate("p1", ["b"])],
            2);
        SelectionResult result = PanelSelector.Select(problem, new FailFirst(new LegacyGreedy()), new CountingTape());
        Assert.Equal(2, result.Attempts);
        Assert.Equal(["p0", "p1"], result.Candidates.Select(c => c.Id).Order());
        Assert.Equal([1, 1], result.Composition);
    }

    [Fact]
    public void SelectRefusesBadArguments()
    {
        SelectionProblem problem = HouseholdBlocksTheMinimum();
        Assert.Throws<ArgumentOutOfRangeException>(() => PanelSelector.Select(problem, new LegacyGreedy(), new CountingTape(), maxAttempts: 0));
        Assert.Throws<ArgumentNullException>(() => new LegacyGreedy().Attempt(problem, null!));
        Assert.Throws<ArgumentNullException>(() => new TwoPhaseGreedy().Attempt(null!, new CountingTape()));
        Assert.Equal(("legacy", "legacy-clamped", "two-phase"), (new LegacyGreedy().Name, new LegacyGreedy(true).Name, new TwoPhaseGreedy().Name));
    }

    /// <summary>A tape of fixed words that counts what is read.</summary>
    private sealed class CountingTape : IRandomTape
    {
        public int Read { get; private set; }

        public ulong NextUInt64()
        {
            Read++;
            return 0x9E3779B97F4A7C15UL * (ulong)Read;
        }
    }

    /// <summary>Reads the attempt's words like the inner strategy but reports the first attempt as failed.</summary>
    private sealed class FailFirst(ISelectionStrategy inner) : ISelectionStrategy
    {
        private bool _failed;

        public string Name => inner.Name;

        public SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape)
        {
            if (_failed)
            {
                return inner.Attempt(problem, tape);
            }

            _failed = true;
            SelectionProblem impossible = new(
                [new Feature("f", [new FeatureValue("a", 2, 2), new FeatureValue("b", 0, 2)])],
                [new Candidate("p0", ["a"], "h"), new Candidate("p1", ["a"], "h"), new Candidate("p2", ["b"])],
                2);
            return inner.Attempt(impossible, tape);
        }
    }
}
