using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// What the caller of <see cref="SelectionProbabilities.Estimate"/> sees at the edges: refused arguments naming the
/// parameter, runs in which every attempt fails (counted, never divided by zero), and runs that span several work chunks.
/// </summary>
public sealed class EstimateEdgeTests
{
    private static readonly byte[] Seed = Convert.FromHexString("0f0e0d0c0b0a09080706050403020100");

    /// <summary>Passes the public counts, but value a needs both people of one household: no attempt can succeed.</summary>
    private static SelectionProblem NeverSucceeds() => new(
        [new Feature("f", [new FeatureValue("a", 2, 2), new FeatureValue("b", 0, 2)])],
        [new Candidate("p0", ["a"], "h"), new Candidate("p1", ["a"], "h"), new Candidate("p2", ["b"])],
        2);

    private static SelectionProblem ThreeOfFive() => new(
        [new Feature("f", [new FeatureValue("a", 1, 3), new FeatureValue("b", 1, 3)])],
        Enumerable.Range(0, 5).Select(i => new Candidate($"p{i}", [i < 2 ? "a" : "b"])),
        3);

    [Fact]
    public void RunsInWhichEveryAttemptFailsAreCountedAndLeaveZeroProbabilities()
    {
        SelectionProbabilities p = SelectionProbabilities.Estimate(NeverSucceeds(), new LegacyGreedy(), Seed, runs: 5, maxAttempts: 2, maxDegreeOfParallelism: 1);
        Assert.Equal((5, 5), (p.Runs, p.FailedRuns));
        Assert.Equal([0, 0, 0], p.Counts);
        Assert.Equal([0.0, 0.0, 0.0], p.Probabilities);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (p.Min, p.Mean, p.Max, p.Gini));
    }

    [Fact]
    public void RunsAcrossSeveralChunksAreAllCounted()
    {
        // 130 runs = chunks of 64, 64 and 2; every panel has 3 people, so the counts add up to 390.
        var reports = new List<int>();
        SelectionProbabilities p = SelectionProbabilities.Estimate(
            ThreeOfFive(), new TwoPhaseGreedy(), Seed, runs: 130, maxDegreeOfParallelism: 2, progress: new Recorder(reports));
        Assert.Equal((130, 0), (p.Runs, p.FailedRuns));
        Assert.Equal(390, p.Counts.Sum());
        Assert.Equal(0.6, p.Mean, 12);
        Assert.Equal(p.Probabilities.Min(), p.Min);
        Assert.Equal(p.Probabilities.Max(), p.Max);
        Assert.All(p.Probabilities.Zip(p.Counts), t => Assert.Equal(t.Second / 130.0, t.First, 12));
        lock (reports)
        {
            Assert.Equal(130, reports.Max());
            Assert.Equal(3, reports.Count);
        }
    }

    [Fact]
    public void ExactlyTwoChunksReportProgressTwice()
    {
        var reports = new List<int>();
        SelectionProbabilities.Estimate(ThreeOfFive(), new LegacyGreedy(), Seed, runs: 128, maxDegreeOfParallelism: 1, progress: new Recorder(reports));
        lock (reports)
        {
            Assert.Equal([64, 128], reports);
        }
    }

    [Fact]
    public void OneRunIsThePanelOfDerivedSeedZero()
    {
        SelectionProblem problem = ThreeOfFive();
        SelectionProbabilities p = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), Seed, runs: 1);
        var expected = new int[5];
        foreach (int i in PanelSelector.Select(problem, new LegacyGreedy(), RandomTape.DeriveSeed(Seed, 0)).Panel)
        {
            expected[i]++;
        }

        Assert.Equal(expected, p.Counts);
    }

    [Fact]
    public void BadArgumentsAreRefusedNamingTheParameter()
    {
        SelectionProblem problem = ThreeOfFive();
        var strategy = new LegacyGreedy();
        Assert.Equal("runs", Assert.Throws<ArgumentOutOfRangeException>(() => SelectionProbabilities.Estimate(problem, strategy, Seed, runs: 0)).ParamName);
        Assert.Equal("maxAttempts", Assert.Throws<ArgumentOutOfRangeException>(() => SelectionProbabilities.Estimate(problem, strategy, Seed, 1, maxAttempts: 0)).ParamName);
        Assert.Equal("maxDegreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() => SelectionProbabilities.Estimate(problem, strategy, Seed, 1, maxDegreeOfParallelism: 0)).ParamName);
        var seed = Assert.Throws<ArgumentException>(() => SelectionProbabilities.Estimate(problem, strategy, new byte[15], 1));
        Assert.Equal("seed", seed.ParamName);
        Assert.Throws<ArgumentNullException>(() => SelectionProbabilities.Estimate(null!, strategy, Seed, 1));
        Assert.Throws<ArgumentNullException>(() => SelectionProbabilities.Estimate(problem, null!, Seed, 1));
        Assert.Throws<InfeasibleQuotasException>(() => SelectionProbabilities.Estimate(problem.WithPanelSize(6), strategy, Seed, 1));
    }

    [Fact]
    public void ACancelledEstimateStops()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SelectionProbabilities.Estimate(ThreeOfFive(), new LegacyGreedy(), Seed, runs: 10, cancellationToken: cts.Token));
    }

    private sealed class Recorder(List<int> reports) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
