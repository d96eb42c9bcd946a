using MpcSortition.Selection;
using Xunit.Abstractions;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The published legacy figures of Flanigan et al. (Nature 2021), reproduced on the rebuilt instances: exactly (Markov
/// chain over type counts) and by 10 000 panels of the implementation.
/// </summary>
public sealed class ProbabilityTests(ITestOutputHelper output)
{
    private static readonly byte[] Seed = RandomTape.SeedFromString("published-figures");

    [Fact]
    public void ExampleSmall20_ExactLoneFemaleConservativeMatchesThePublishedEstimate()
    {
        SelectionProblem problem = Instances.ExampleSmall20();
        (double[] exact, double success) = ExactLegacy.Compute(problem);
        output.WriteLine($"exact: FC {exact[0]:P3}, FL {exact[1]:P3}, MC {exact[100]:P3}; P(success) {success:P3}; Gini {SelectionProbabilities.GiniCoefficient(exact):P3}");

        // Published: 0.96 % from 10 000 panels, 99 % Jeffreys upper bound 1.21 %. The symmetric 99 % Jeffreys interval
        // for 96 successes in 10 000 trials is about [0.73 %, 1.23 %]; the exact value must lie in it.
        Assert.InRange(exact[0], 0.0073, 0.0121);
        Assert.Equal(0.1, exact.Average(), 9);
        Assert.InRange(exact[1], 0.095, 0.105);
        Assert.InRange(exact[100], 0.095, 0.105);
    }

    [Fact]
    public void ExampleSmall20_TenThousandPanelsAgreeWithTheExactProbabilities()
    {
        SelectionProblem problem = Instances.ExampleSmall20();
        (double[] exact, SelectionProbabilities measured) = MeasureAgainstExact(problem, sigmas: 5);

        Assert.Equal(0.1, measured.Mean, 9);
        Assert.Equal(measured.Probabilities[0], measured.Min);

        // Published Gini 2.1 % (also from 10 000 panels): it is mostly binomial noise around the exact allocation, so
        // compare like with like: the measured Gini of 10 000 panels, within ±0.4 points.
        Assert.InRange(measured.Gini, 0.017, 0.025);
    }

    [Fact]
    public void ExampleLarge200_ExactLowestIsBelowThePublishedBound()
    {
        SelectionProblem problem = Instances.ExampleLarge200();
        (double[] exact, double success) = ExactLegacy.Compute(problem);
        output.WriteLine($"exact: FC {exact[0]:P3}, FL {exact[1]:P3}, MC {exact[1000]:P3}; P(success) {success:P3}; Gini {SelectionProbabilities.GiniCoefficient(exact):P3}");

        // Published: lowest ≤ 0.25 % (99 % upper bound from 14 selections in 10 000 panels).
        Assert.True(exact[0] <= 0.0025, $"lowest {exact[0]}");
        Assert.Equal(exact.Min(), exact[0]);
        Assert.Equal(0.1, exact.Average(), 9);
    }

    [Fact]
    public void ExampleLarge200_TenThousandPanelsAgreeWithTheExactProbabilities()
    {
        SelectionProblem problem = Instances.ExampleLarge200();
        (double[] exact, SelectionProbabilities measured) = MeasureAgainstExact(problem, sigmas: 5.5); // 2000 comparisons

        Assert.True(measured.Probabilities[0] <= 0.0025);

        // Published Gini 1.8 % from 10 000 panels (noise-dominated as above).
        Assert.InRange(measured.Gini, 0.015, 0.021);
    }

    [Fact]
    public void TheResultDoesNotDependOnTheNumberOfThreads()
    {
        SelectionProblem problem = Instances.ExampleSmall20();
        SelectionProbabilities one = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), Seed, runs: 500, maxDegreeOfParallelism: 1);
        SelectionProbabilities many = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), Seed, runs: 500, maxDegreeOfParallelism: 4);
        Assert.Equal(one.Counts, many.Counts);
        Assert.Equal(one.Gini, many.Gini);
    }

    [Fact]
    public void EachPanelOfARunIsThePanelOfItsDerivedSeed()
    {
        SelectionProblem problem = Instances.ExampleSmall20();
        SelectionProbabilities run = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), Seed, runs: 3, maxDegreeOfParallelism: 1);
        var expected = new int[problem.Candidates.Count];
        for (int j = 0; j < 3; j++)
        {
            foreach (int i in PanelSelector.Select(problem, new LegacyGreedy(), RandomTape.DeriveSeed(Seed, j)).Panel)
            {
                expected[i]++;
            }
        }

        Assert.Equal(expected, run.Counts);
    }

    [Fact]
    public void ProgressReachesTheNumberOfRuns()
    {
        var reports = new List<int>();
        var progress = new SynchronousProgress(reports);
        SelectionProbabilities.Estimate(Instances.ExampleSmall20(), new LegacyGreedy(), Seed, runs: 200, progress: progress);
        lock (reports)
        {
            Assert.Equal(200, reports.Max());
        }
    }

    [Theory]
    [InlineData(new double[] { }, 0)]
    [InlineData(new double[] { 0, 0 }, 0)]
    [InlineData(new double[] { 0.1, 0.1, 0.1 }, 0)]
    [InlineData(new double[] { 0, 1 }, 0.5)]
    [InlineData(new double[] { 0, 0, 0, 1 }, 0.75)]
    [InlineData(new double[] { 1, 2, 3 }, 2.0 / 9)]
    public void GiniCoefficientKnownAnswers(double[] values, double expected)
    {
        Assert.Equal(expected, SelectionProbabilities.GiniCoefficient(values), 12);
    }

    [Fact]
    public void GiniCoefficientMatchesThePairwiseDefinition()
    {
        double[] values = [0.3, 0.01, 0.2, 0.2, 0.05, 0.9];
        double pairwise = 0;
        foreach (double a in values)
        {
            foreach (double b in values)
            {
                pairwise += Math.Abs(a - b);
            }
        }

        pairwise /= 2 * values.Length * values.Sum();
        Assert.Equal(pairwise, SelectionProbabilities.GiniCoefficient(values), 12);
    }

    private sealed class SynchronousProgress(List<int> reports) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    /// <summary>Runs 10 000 legacy panels and checks every person's frequency against the exact probability:
    /// each count is Binomial(m, p_i), allowed <paramref name="sigmas"/> standard deviations plus one count for p near 0.</summary>
    private (double[] Exact, SelectionProbabilities Measured) MeasureAgainstExact(SelectionProblem problem, double sigmas)
    {
        (double[] exact, _) = ExactLegacy.Compute(problem);
        SelectionProbabilities measured = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), Seed, runs: 10_000);
        output.WriteLine($"measured: min {measured.Min:P3} (FC {measured.Probabilities[0]:P3}), mean {measured.Mean:P3}, max {measured.Max:P3}, Gini {measured.Gini:P3}, failed {measured.FailedRuns}");

        Assert.Equal(0, measured.FailedRuns);
        int m = measured.Runs;
        for (int i = 0; i < problem.Candidates.Count; i++)
        {
            double sigma = Math.Sqrt(exact[i] * (1 - exact[i]) / m);
            Assert.InRange(measured.Probabilities[i], exact[i] - (sigmas * sigma) - (1.0 / m), exact[i] + (sigmas * sigma) + (1.0 / m));
        }

        return (exact, measured);
    }
}
