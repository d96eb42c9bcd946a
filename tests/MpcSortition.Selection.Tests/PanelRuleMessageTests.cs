using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The words a user (or the author of a custom strategy) reads when a panel, a problem or a seed is refused: each reason
/// of <c>SelectionAttempt.Success</c> for a panel that is not valid, the feasibility message of a value with too few
/// people, the parameter named by a null argument, and the seed check of <see cref="PanelSelector"/>. The rules
/// themselves are tested in <see cref="PanelRuleTests"/>; these pin what is said about them, including the boundary
/// indexes (0, the last candidate, one past it) and an address group numbered 0.
/// </summary>
public sealed class PanelRuleMessageTests
{
    private static readonly Feature[] Quota =
        [new("sex", [new FeatureValue("f", 1, 2), new FeatureValue("m", 1, 2)])];

    private static SelectionProblem Problem() => new(
        Quota,
        [new("p0", ["f"], "a"), new("p1", ["f"], "a"), new("p2", ["m"]), new("p3", ["m"]), new("p4", ["f"])],
        3);

    private static string Why(SelectionProblem problem, params int[] panel) =>
        Assert.Throws<ArgumentException>(() => SelectionAttempt.Success(problem, panel)).Message;

    [Fact]
    public void Each_reason_a_panel_is_refused_is_named()
    {
        SelectionProblem problem = Problem();
        Assert.Equal("Not a valid panel of the problem: it has 2 members, the panel size is 3. (Parameter 'panel')", Why(problem, 2, 4));
        Assert.Equal("Not a valid panel of the problem: the candidate index 5 is outside 0..4. (Parameter 'panel')", Why(problem, 2, 4, 5));
        Assert.Equal("Not a valid panel of the problem: the candidate index -1 is outside 0..4. (Parameter 'panel')", Why(problem, -1, 2, 4));
        Assert.Equal("Not a valid panel of the problem: the candidate index 2 appears twice. (Parameter 'panel')", Why(problem, 2, 4, 2));
        Assert.Equal("Not a valid panel of the problem: 3 members have sex/f, the quota is [1, 2]. (Parameter 'panel')", Why(problem, 0, 4, 1));
        Assert.Equal("Not a valid panel of the problem: 0 members have sex/f, the quota is [1, 2]. (Parameter 'panel')", Why(new SelectionProblem(Quota, Problem().Candidates, 2), 2, 3));

        // p0 and p1 share the first address group (number 0): the second of them is named.
        Assert.Equal("Not a valid panel of the problem: the candidate index 1 shares an address with another member. (Parameter 'panel')", Why(problem, 0, 2, 1));
    }

    [Fact]
    public void The_first_and_the_last_candidate_are_valid_members()
    {
        SelectionProblem problem = Problem();
        Assert.Equal([0, 2, 4], SelectionAttempt.Success(problem, [0, 2, 4]).Panel);
        Assert.True(problem.IsValidPanel([4, 3, 0]));
    }

    [Fact]
    public void A_value_with_too_few_people_is_named_with_its_numbers()
    {
        var problem = new SelectionProblem(
            [new Feature("age", [new FeatureValue("young", 3, 4), new FeatureValue("old", 0, 4)])],
            [new("p0", ["young"]), new("p1", ["old"]), new("p2", ["old"]), new("p3", ["old"])],
            3);
        FeasibilityViolation v = Assert.Single(FeasibilityCheck.Check(problem));
        Assert.Equal(("age", "young"), (v.Feature, v.Value));
        Assert.Equal("age/young: minimum 3 but only 1 people in the pool have this value", v.Message);
        Assert.Equal(v.Message, v.ToString());
    }

    [Fact]
    public void A_null_argument_is_refused_by_its_own_name()
    {
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => new Feature("f", null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => new Candidate("p", null!)).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentNullException>(() => new SelectionProblem(null!, Problem().Candidates, 1)).ParamName);
        Assert.Equal("candidates", Assert.Throws<ArgumentNullException>(() => new SelectionProblem(Quota, null!, 1)).ParamName);
    }

    [Fact]
    public void A_seed_of_the_wrong_length_is_refused_by_the_selector_with_its_length()
    {
        var e = Assert.Throws<ArgumentException>(() => PanelSelector.Select(Problem(), new LegacyGreedy(), new byte[15]));
        Assert.Equal("seed", e.ParamName);
        Assert.Equal("A seed has 16 bytes, not 15. (Parameter 'seed')", e.Message);
    }

    [Fact]
    public void A_result_describes_its_size_and_attempt_and_counts_its_composition_once()
    {
        SelectionResult r = PanelSelector.Select(Problem(), new LegacyGreedy(), new byte[16]);
        Assert.Equal($"SelectionResult(panel of 3, attempt {r.Attempts})", r.ToString());
        Assert.Same(r.Composition, r.Composition);
        Assert.Equal(3, r.Composition.Sum());
    }
}

/// <summary>
/// A file with broken quoting is refused for that alone: the columns are not looked at (the header itself may have been
/// split wrongly), so a missing column or a bad row is not reported next to it.
/// </summary>
public sealed class CsvQuotingRefusalTests
{
    [Fact]
    public void A_people_file_with_broken_quoting_and_a_missing_column_reports_only_the_quoting()
    {
        const string quotas = "feature,value,min,max\ngender,female,0,2\ngender,male,0,2\n";
        IReadOnlyList<Feature> features = SortitionCsv.ReadQuotas(new StringReader(quotas), "q.csv");
        var e = Assert.Throws<SelectionInputException>(() =>
            SortitionCsv.ReadPeople(new StringReader("nationbuilder_id,sex\np0,robot\np1,\"fe\"male\n"), "p.csv", features));
        InputProblem p = Assert.Single(e.Problems);
        Assert.Equal(("p.csv", 3), (p.File, p.Line));
        Assert.StartsWith("malformed CSV quoting", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quota_file_with_broken_quoting_and_a_missing_column_reports_only_the_quoting()
    {
        var e = Assert.Throws<SelectionInputException>(() =>
            SortitionCsv.ReadQuotas(new StringReader("feature,value,min\ngender,male,x\ngender,\"fe\"male,1\n"), "q.csv"));
        InputProblem p = Assert.Single(e.Problems);
        Assert.Equal(("q.csv", 3), (p.File, p.Line));
        Assert.StartsWith("malformed CSV quoting", p.Message, StringComparison.Ordinal);
    }
}
