using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The rules a panel must satisfy, each checked on its own: a panel that breaks exactly one rule is refused, and the
/// boundaries of each rule (exactly min, exactly max, the last candidate) are accepted. Several property tests rely on
/// <see cref="SelectionProblem.IsValidPanel"/>, so it must not accept what it should refuse.
/// </summary>
public sealed class PanelRuleTests
{
    private static readonly Feature[] OneValue = [new("f", [new FeatureValue("a", 0, 3)])];

    [Fact]
    public void APanelNamingOnePersonTwiceIsRefusedEvenWhenTheCountsFit()
    {
        var problem = new SelectionProblem(OneValue, [new("p0", ["a"]), new("p1", ["a"])], 2);
        Assert.True(problem.IsValidPanel([0, 1]));
        Assert.False(problem.IsValidPanel([1, 1]));
    }

    [Fact]
    public void APanelOfTheWrongSizeOrWithUnknownPeopleIsRefused()
    {
        var problem = new SelectionProblem(OneValue, [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["a"])], 2);
        Assert.True(problem.IsValidPanel([2, 0]));
        Assert.False(problem.IsValidPanel([0, 1, 2]));
        Assert.False(problem.IsValidPanel([0]));
        Assert.False(problem.IsValidPanel([0, 3]));
        Assert.False(problem.IsValidPanel([-1, 0]));
        Assert.Throws<ArgumentNullException>(() => problem.IsValidPanel(null!));
    }

    [Fact]
    public void QuotasAreInclusiveAtBothEnds()
    {
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 1, 2), new FeatureValue("b", 1, 2)])],
            [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["a"]), new("p3", ["b"]), new("p4", ["b"])],
            3);
        Assert.True(problem.IsValidPanel([0, 1, 3])); // a at its max, b at its min
        Assert.False(problem.IsValidPanel([0, 1, 2])); // a above its max, b below its min
        Assert.True(problem.IsValidPanel([0, 3, 4]));
    }

    [Fact]
    public void PeopleWithoutAnAddressNeverExcludeEachOther()
    {
        var problem = new SelectionProblem(OneValue, [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["a"], "x"), new("p3", ["a"], "x")], 2);
        Assert.True(problem.IsValidPanel([0, 1]));
        Assert.True(problem.IsValidPanel([0, 2]));
        Assert.False(problem.IsValidPanel([2, 3]));
    }

    [Fact]
    public void SharedAddressesNeedTwoPeopleAtOneAddress()
    {
        Candidate[] distinct = [new("p0", ["a"], "x"), new("p1", ["a"], "y"), new("p2", ["a"])];
        Assert.False(new SelectionProblem(OneValue, distinct, 1).HasSharedAddresses);
        Assert.False(new SelectionProblem(OneValue, [new("p0", ["a"]), new("p1", ["a"])], 1).HasSharedAddresses);
        Candidate[] shared = [new("p0", ["a"], "x"), new("p1", ["a"], "y"), new("p2", ["a"], "x")];
        Assert.True(new SelectionProblem(OneValue, shared, 1).HasSharedAddresses);
    }

    [Fact]
    public void DistinctAddressesDoNotLimitThePanelSize()
    {
        // Three people at three addresses and k = 3: feasible. With two of them at one address it is not.
        Candidate[] distinct = [new("p0", ["a"], "x"), new("p1", ["a"], "y"), new("p2", ["a"], "z")];
        Assert.Empty(FeasibilityCheck.Check(new SelectionProblem(OneValue, distinct, 3)));
        Candidate[] shared = [new("p0", ["a"], "x"), new("p1", ["a"], "y"), new("p2", ["a"], "x")];
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(new SelectionProblem(OneValue, shared, 3)));
        Assert.Equal("the panel size 3 exceeds the number of distinct addresses 2", v.Message);
        Assert.Equal(v.Message, v.ToString());
        Assert.Empty(FeasibilityCheck.Check(new SelectionProblem(OneValue, shared, 2)));
    }

    [Fact]
    public void FeasibilityBoundariesAreInclusive()
    {
        // Σ min = k = Σ max and exactly min people with a value: feasible.
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 1, 1), new FeatureValue("b", 1, 1)])],
            [new("p0", ["a"]), new("p1", ["b"])],
            2);
        Assert.Empty(FeasibilityCheck.Check(problem));
        var e = Assert.Throws<InfeasibleQuotasException>(() => FeasibilityCheck.ThrowIfInfeasible(problem.WithPanelSize(3)));
        Assert.Equal(
            ["the panel size 3 exceeds the pool size 2", "feature f: the maximums add up to 2, less than the panel size 3"],
            e.Violations.Select(v => v.Message));
        Assert.Equal("The quotas cannot be met: the panel size 3 exceeds the pool size 2; feature f: the maximums add up to 2, less than the panel size 3.", e.Message);
        Assert.Equal(3, problem.WithPanelSize(3).PanelSize);
    }

    [Fact]
    public void ValuesAndCountsAreLookedUpByGlobalIndex()
    {
        var problem = new SelectionProblem(
            [new Feature("x", [new FeatureValue("a", 0, 2), new FeatureValue("b", 0, 2)]), new Feature("y", [new FeatureValue("c", 0, 2)])],
            [new("p0", ["b", "c"]), new("p1", ["a", "c"])],
            1);
        Assert.Equal(3, problem.ValueCount);
        Assert.Equal(("y", "c"), (problem.GetValue(2).Feature.Name, problem.GetValue(2).Value.Name));
        Assert.Equal(1, problem.ValueIndexOf(0, 0));
        Assert.Equal(2, problem.ValueIndexOf(1, 1));
        Assert.Equal([1, 1, 2], problem.CountByValue([0, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.GetValue(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.GetValue(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.ValueIndexOf(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.ValueIndexOf(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.ValueIndexOf(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.ValueIndexOf(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.CountByValue([2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => problem.CountByValue([-1]));
        Assert.Equal("SelectionProblem(n=2, k=1, features=2, values=3)", problem.ToString());
        Assert.Equal("x (2 values)", problem.Features[0].ToString());
        Assert.Equal("a [0, 2]", problem.Features[0].Values[0].ToString());
        Assert.Equal(-1, problem.Features[0].IndexOf("z"));
    }

    [Fact]
    public void SelectionResultListsThePanelInPickOrder()
    {
        var problem = new SelectionProblem(OneValue, [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["a"])], 3);
        SelectionResult r = PanelSelector.Select(problem, new LegacyGreedy(), new byte[16]);
        Assert.Equal(1, r.Attempts);
        Assert.Same(problem, r.Problem);
        Assert.Equal(r.Panel.Select(i => problem.Candidates[i].Id), r.Candidates.Select(c => c.Id));
        Assert.Equal([3], r.Composition);
    }
}
