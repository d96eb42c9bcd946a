using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

public sealed class ModelTests
{
    private static Feature[] Gender(int min = 1, int max = 2) =>
        [new("gender", [new FeatureValue("female", min, max), new FeatureValue("male", min, max)])];

    [Fact]
    public void FeasibilityReportsPanelLargerThanPool()
    {
        var problem = new SelectionProblem(Gender(0, 5), [new("a", ["female"]), new("b", ["male"])], 3);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Null(v.Feature);
        Assert.Contains("pool size 2", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeasibilityReportsMinimumsAboveK()
    {
        var problem = new SelectionProblem(Gender(2, 3), Enumerable.Range(0, 6).Select(i => new Candidate($"p{i}", [i % 2 == 0 ? "female" : "male"])), 3);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Equal(("gender", (string?)null), (v.Feature, v.Value));
        Assert.Contains("minimums add up to 4", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeasibilityReportsMaximumsBelowK()
    {
        var problem = new SelectionProblem(Gender(0, 1), Enumerable.Range(0, 6).Select(i => new Candidate($"p{i}", [i % 2 == 0 ? "female" : "male"])), 3);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Contains("maximums add up to 2", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeasibilityReportsAValueWithTooFewPeople()
    {
        var problem = new SelectionProblem(Gender(1, 3), [new("a", ["female"]), new("b", ["female"]), new("c", ["female"])], 2);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Equal(("gender", "male"), (v.Feature, v.Value));
        Assert.Contains("gender/male", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeasibilityReportsTooFewAddresses()
    {
        Candidate[] pool = [new("a", ["female"], "x"), new("b", ["male"], "x"), new("c", ["male"], "x")];
        var problem = new SelectionProblem(Gender(0, 2), pool, 2);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Contains("distinct addresses 1", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeasibilityReportsEveryViolation()
    {
        var features = new[]
        {
            new Feature("gender", [new FeatureValue("female", 3, 3), new FeatureValue("male", 0, 0)]),
            new Feature("age", [new FeatureValue("young", 0, 1), new FeatureValue("old", 2, 2)]),
        };
        var problem = new SelectionProblem(features, [new("a", ["female", "young"]), new("b", ["male", "old"])], 2);
        // gender: Σ min 3 > k = 2, and only 1 female for a min of 3; age: only 1 old person for a min of 2.
        Assert.Equal(
            [("gender", null), ("gender", "female"), ("age", "old")],
            FeasibilityCheck.Check(problem).Select(v => (v.Feature, v.Value)));
    }

    [Fact]
    public void SelectChecksFeasibilityBeforeReadingTheTape()
    {
        var problem = new SelectionProblem(Gender(1, 3), [new("a", ["female"]), new("b", ["female"])], 2);
        var tape = new CountingTape(new FixedTape(0));
        var e = Assert.Throws<InfeasibleQuotasException>(() => PanelSelector.Select(problem, new LegacyGreedy(), tape));
        Assert.Equal(0, tape.Read);
        Assert.Contains("gender/male", e.Message, StringComparison.Ordinal);
        Assert.Throws<InfeasibleQuotasException>(() => SelectionProbabilities.Estimate(problem, new LegacyGreedy(), new byte[16], 10));
    }

    [Fact]
    public void ProblemRejectsDuplicateIds()
    {
        var e = Assert.Throws<ArgumentException>(() => new SelectionProblem(Gender(), [new("a", ["female"]), new("a", ["male"])], 1));
        Assert.Contains("'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemRejectsAnUnknownValue()
    {
        Assert.Throws<ArgumentException>(() => new SelectionProblem(Gender(), [new("a", ["other"])], 1));
    }

    [Fact]
    public void ProblemRejectsTheWrongNumberOfValues()
    {
        Assert.Throws<ArgumentException>(() => new SelectionProblem(Gender(), [new("a", ["female", "young"])], 1));
    }

    [Fact]
    public void ProblemRejectsDuplicateFeaturesAndBadPanelSize()
    {
        Assert.Throws<ArgumentException>(() => new SelectionProblem([.. Gender(), new Feature("GENDER", [new FeatureValue("x", 0, 1)])], [], 1));
        Assert.Throws<ArgumentException>(() => new SelectionProblem([], [], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SelectionProblem(Gender(), [new("a", ["female"])], 0));
    }

    [Fact]
    public void FeatureAndValueValidateTheirArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureValue("x", 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureValue("x", -1, 2));
        Assert.Throws<ArgumentException>(() => new FeatureValue(" ", 0, 2));
        Assert.Throws<ArgumentException>(() => new Feature("f", []));
        Assert.Throws<ArgumentException>(() => new Feature("f", [new FeatureValue("a", 0, 1), new FeatureValue("A ", 0, 1)]));
    }

    [Fact]
    public void ValuesMatchCaseInsensitivelyAndTrimmed()
    {
        var problem = new SelectionProblem(Gender(), [new("a", [" FEMALE "]), new("b", ["Male"])], 2);
        Assert.Equal(0, problem.ValueIndexOf(0, 0));
        Assert.Equal(1, problem.ValueIndexOf(1, 0));
        Assert.Equal(1, Gender()[0].IndexOf("MALE"));
        Assert.Equal(-1, Gender()[0].IndexOf("other"));
    }

    [Fact]
    public void ValueNumberingIsFeatureThenValueInFileOrder()
    {
        var features = new[]
        {
            new Feature("g", [new FeatureValue("a", 0, 1), new FeatureValue("b", 0, 1)]),
            new Feature("h", [new FeatureValue("x", 0, 1), new FeatureValue("y", 0, 1), new FeatureValue("z", 0, 1)]),
        };
        var problem = new SelectionProblem(features, [new("p", ["b", "z"])], 1);
        Assert.Equal(5, problem.ValueCount);
        Assert.Equal(("h", "x"), (problem.GetValue(2).Feature.Name, problem.GetValue(2).Value.Name));
        Assert.Equal([0, 1, 0, 0, 1], problem.CountByValue([0]));
    }

    [Fact]
    public void IsValidPanelChecksSizeDistinctnessQuotasAndAddresses()
    {
        Candidate[] pool = [new("a", ["female"], "x"), new("b", ["male"], "x"), new("c", ["male"], "y"), new("d", ["female"])];
        var problem = new SelectionProblem(Gender(1, 1), pool, 2);
        Assert.True(problem.IsValidPanel([0, 2]));
        Assert.True(problem.IsValidPanel([3, 1]));
        Assert.False(problem.IsValidPanel([0, 1])); // same address
        Assert.False(problem.IsValidPanel([1, 2])); // two men
        Assert.False(problem.IsValidPanel([0, 0]));
        Assert.False(problem.IsValidPanel([0]));
        Assert.False(problem.IsValidPanel([0, 9]));
    }

    [Fact]
    public void ToStringNeverShowsAPersonsValues()
    {
        var c = new Candidate("p7", ["female"], "1 High St", ["p7", "Ann", "female"]);
        Assert.Equal("Candidate p7", c.ToString());
        var problem = new SelectionProblem(Gender(0, 1), [c], 1);
        Assert.DoesNotContain("female", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal("RandomTape(AES-128-CTR)", new RandomTape(new byte[16]).ToString());
    }
}
