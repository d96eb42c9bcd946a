using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>Every public entry point refuses a missing or empty argument with an argument exception, never a
/// NullReferenceException from deep inside.</summary>
public sealed class ArgumentRefusalTests
{
    private static readonly Feature[] OneValue = [new("f", [new FeatureValue("a", 0, 3)])];

    [Fact]
    public void ModelConstructorsRefuseMissingArguments()
    {
        Assert.Throws<ArgumentException>(() => new Feature(" ", [new FeatureValue("a", 0, 1)]));
        Assert.Throws<ArgumentNullException>(() => new Feature(null!, [new FeatureValue("a", 0, 1)]));
        Assert.Throws<ArgumentNullException>(() => new Feature("f", null!));
        Assert.Throws<ArgumentNullException>(() => new Feature("f", [null!]));
        Assert.Throws<ArgumentNullException>(() => OneValue[0].IndexOf(null!));
        Assert.Throws<ArgumentException>(() => new Candidate(" ", ["a"]));
        Assert.Throws<ArgumentNullException>(() => new Candidate("p", null!));
        Assert.Empty(new Candidate("p", ["a"]).Fields);
        Assert.Throws<ArgumentNullException>(() => new SelectionProblem(null!, [new Candidate("p", ["a"])], 1));
        Assert.Throws<ArgumentNullException>(() => new SelectionProblem(OneValue, null!, 1));
        Assert.Throws<ArgumentNullException>(() => new SelectionProblem([null!], [new Candidate("p", ["a"])], 1));
        var problem = new SelectionProblem(OneValue, [new Candidate("p", ["a"])], 1);
        Assert.Throws<ArgumentNullException>(() => problem.CountByValue(null!));
        Assert.Throws<ArgumentNullException>(() => FeasibilityCheck.Check(null!));
    }

    [Fact]
    public void StrategiesAndTheSelectorRefuseMissingArguments()
    {
        var problem = new SelectionProblem(OneValue, [new Candidate("p", ["a"])], 1);
        IRandomTape tape = new RandomTape(new byte[16]);
        Assert.Throws<ArgumentNullException>(() => new LegacyGreedy().Attempt(null!, tape));
        Assert.Throws<ArgumentNullException>(() => new TwoPhaseGreedy().Attempt(problem, null!));
        Assert.Throws<ArgumentNullException>(() => PanelSelector.Select(problem, null!, tape));
        Assert.Throws<ArgumentNullException>(() => SortitionCsv.WritePanel(null!, null!, [0]));
        Assert.Throws<ArgumentNullException>(() => SortitionCsv.WriteProbabilities(null!, null!));
    }

    [Fact]
    public void EachMissingArgumentOfTheSelectorAndTheCsvFunctionsIsNamed()
    {
        // The exception names the argument the caller left out, not whatever a later call happened to dereference.
        IReadOnlyList<Feature> features = SortitionCsv.ReadQuotas(new StringReader("feature,value,min,max\nf,a,0,3\n"), "q.csv");
        SortitionData data = SortitionCsv.ReadPeople(new StringReader("id,f\np0,a\n"), "p.csv", features);
        var problem = new SelectionProblem(OneValue, [new Candidate("p", ["a"])], 1);
        IRandomTape tape = new RandomTape(new byte[16]);
        SelectionProbabilities probabilities = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), new byte[16], runs: 2, maxDegreeOfParallelism: 1);
        static string? Name(Action call) => Assert.Throws<ArgumentNullException>(call).ParamName;

        Assert.Equal("writer", Name(() => SortitionCsv.WritePanel(null!, data, [0])));
        Assert.Equal("data", Name(() => SortitionCsv.WritePanel(new StringWriter(), null!, [0])));
        Assert.Equal("panel", Name(() => SortitionCsv.WritePanel(new StringWriter(), data, null!)));
        Assert.Equal("writer", Name(() => SortitionCsv.WriteProbabilities(null!, probabilities)));
        Assert.Equal("probabilities", Name(() => SortitionCsv.WriteProbabilities(new StringWriter(), null!)));
        Assert.Equal("reader", Name(() => SortitionCsv.ReadQuotas(null!, "q.csv")));
        Assert.Equal("reader", Name(() => SortitionCsv.ReadPeople(null!, "p.csv", features)));
        Assert.Equal("features", Name(() => SortitionCsv.ReadPeople(new StringReader("id,f\np0,a\n"), "p.csv", null!)));
        Assert.Equal("problem", Name(() => PanelSelector.Select(null!, new LegacyGreedy(), tape)));
        Assert.Equal("strategy", Name(() => PanelSelector.Select(problem, null!, tape)));
        Assert.Equal("tape", Name(() => PanelSelector.Select(problem, new LegacyGreedy(), (IRandomTape)null!)));
        Assert.Equal("problem", Name(() => SelectionProbabilities.Estimate(null!, new LegacyGreedy(), new byte[16], runs: 2)));
        Assert.Equal("strategy", Name(() => SelectionProbabilities.Estimate(problem, null!, new byte[16], runs: 2)));
    }

    [Fact]
    public void CsvReadersRefuseAMissingPathOrFileName()
    {
        // Without the check a null path would surface as a "cannot open the file" input problem, not as a caller's bug.
        Assert.Equal("peoplePath", Assert.Throws<ArgumentNullException>(() => SortitionCsv.Read(null!, "q.csv")).ParamName);
        Assert.Equal("quotasPath", Assert.Throws<ArgumentNullException>(() => SortitionCsv.Read("p.csv", null!)).ParamName);
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => SortitionCsv.ReadQuotas(new StringReader("feature,value,min,max\ng,a,0,1\n"), null!)).ParamName);
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => SortitionCsv.ReadPeople(new StringReader("x\n1\n"), null!, [])).ParamName);
    }

    [Fact]
    public void SeveralFailedAttemptsAreCountedInThePlural()
    {
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 2, 2), new FeatureValue("b", 0, 2)])],
            [new Candidate("p0", ["a"], "h"), new Candidate("p1", ["a"], "h"), new Candidate("p2", ["b"])],
            2);
        var e = Assert.Throws<SelectionFailedException>(() => PanelSelector.Select(problem, new LegacyGreedy(), new byte[16], maxAttempts: 3));
        Assert.StartsWith("No panel found in 3 attempts; ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMinimumsOfAFeatureAreAddedUpFromTheMinimums()
    {
        // min 2 + 2 = 4 > k = 3, while the maximums (3 + 3) would not exceed it.
        var problem = new SelectionProblem(
            [new Feature("g", [new FeatureValue("f", 2, 3), new FeatureValue("m", 2, 3)])],
            Enumerable.Range(0, 6).Select(i => new Candidate($"p{i}", [i % 2 == 0 ? "f" : "m"])),
            3);
        Assert.Equal("feature g: the minimums add up to 4, more than the panel size 3", Assert.Single(FeasibilityCheck.Check(problem)).Message);
    }

    [Fact]
    public void TwoPhaseFillsTheValueWithTheLowestSelectedToMaxRatio()
    {
        // No minimums, so every step is phase 2: step 0 ties at 0/4 and 0/2 (first value, a); step 1 takes b (0/2 < 1/4);
        // step 2 compares 1/4 with 1/2 and takes a again.
        var problem = new SelectionProblem(
            [new Feature("f", [new FeatureValue("a", 0, 4), new FeatureValue("b", 0, 2)])],
            [new Candidate("p0", ["a"]), new Candidate("p1", ["a"]), new Candidate("p2", ["a"]), new Candidate("p3", ["b"]), new Candidate("p4", ["b"])],
            3);
        for (byte s = 0; s < 5; s++)
        {
            var seed = new byte[16];
            seed[0] = s;
            using var tape = new RandomTape(seed);
            SelectionAttempt attempt = new TwoPhaseGreedy().Attempt(problem, tape);
            Assert.True(attempt.Succeeded);
            Assert.Equal(["a", "b", "a"], attempt.Panel.Select(i => problem.Candidates[i].Values[0]));
        }
    }

    [Fact]
    public void RunsThatFailSometimesAreLeftOutOfTheProbabilities()
    {
        // k = 1: the greedy picks value a; p2 (a, c) succeeds, p0 (a, d) leaves y/c unmet. With one attempt per panel
        // about half the runs fail; p2 is in every successful panel.
        var problem = new SelectionProblem(
            [new Feature("x", [new FeatureValue("a", 1, 1), new FeatureValue("b", 0, 1)]),
             new Feature("y", [new FeatureValue("c", 1, 1), new FeatureValue("d", 0, 1)])],
            [new Candidate("p0", ["a", "d"]), new Candidate("p1", ["b", "c"]), new Candidate("p2", ["a", "c"])],
            1);
        SelectionProbabilities p = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), new byte[16], runs: 200, maxAttempts: 1, maxDegreeOfParallelism: 2);
        Assert.InRange(p.FailedRuns, 50, 150);
        Assert.Equal(200 - p.FailedRuns, p.Counts[2]);
        Assert.Equal([0.0, 0.0, 1.0], p.Probabilities);
        Assert.Equal(1.0 / 3, p.Mean, 12);
    }
}
