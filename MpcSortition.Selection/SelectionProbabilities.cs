namespace MpcSortition.Selection;

/// <summary>
/// Monte-Carlo estimate of each candidate's selection probability under a strategy: m independent panels, panel j
/// drawn with the tape of <see cref="RandomTape.DeriveSeed"/>(seed, j), so the result depends only on the seed and m,
/// never on the number of threads.
/// </summary>
public sealed class SelectionProbabilities
{
    private readonly int[] _counts;
    private readonly double[] _probabilities;

    private SelectionProbabilities(SelectionProblem problem, int runs, int failed, int[] counts)
    {
        Problem = problem;
        Runs = runs;
        FailedRuns = failed;
        _counts = counts;
        int successful = runs - failed;
        _probabilities = new double[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            _probabilities[i] = successful == 0 ? 0 : (double)counts[i] / successful;
        }

        if (counts.Length > 0)
        {
            Min = _probabilities.Min();
            Max = _probabilities.Max();
            Mean = _probabilities.Average();
        }

        Gini = GiniCoefficient(_probabilities);
    }

    /// <summary>The problem.</summary>
    public SelectionProblem Problem { get; }

    /// <summary>The number of panels drawn (m).</summary>
    public int Runs { get; }

    /// <summary>Panels for which every attempt failed; excluded from the probabilities.</summary>
    public int FailedRuns { get; }

    /// <summary>Per candidate (pool order), in how many successful panels they were selected.</summary>
    public IReadOnlyList<int> Counts => _counts;

    /// <summary>Per candidate (pool order), Counts[i] / (Runs − FailedRuns).</summary>
    public IReadOnlyList<double> Probabilities => _probabilities;

    /// <summary>The smallest probability.</summary>
    public double Min { get; }

    /// <summary>The mean probability (k/n when no panel failed).</summary>
    public double Mean { get; }

    /// <summary>The largest probability.</summary>
    public double Max { get; }

    /// <summary>The Gini coefficient of the probabilities, Σ_i Σ_j |p_i − p_j| / (2 n Σ_i p_i).</summary>
    public double Gini { get; }

    /// <summary>
    /// Draws <paramref name="runs"/> panels (checking feasibility once first) and counts selections.
    /// </summary>
    /// <param name="problem">The problem.</param>
    /// <param name="strategy">The strategy (must be safe to call from several threads; the built-in ones are).</param>
    /// <param name="seed">16-byte run seed.</param>
    /// <param name="runs">m, at least 1.</param>
    /// <param name="maxAttempts">Attempts per panel.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; null for the processor count.</param>
    /// <param name="progress">Receives the number of panels finished so far, now and then.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="InfeasibleQuotasException">The public counts show that no panel exists.</exception>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    /// <exception cref="ArgumentOutOfRangeException">runs, maxAttempts or maxDegreeOfParallelism is less than 1.</exception>
    public static SelectionProbabilities Estimate(
        SelectionProblem problem,
        ISelectionStrategy strategy,
        ReadOnlySpan<byte> seed,
        int runs,
        int maxAttempts = PanelSelector.DefaultAttempts,
        int? maxDegreeOfParallelism = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        if (maxDegreeOfParallelism is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(maxDegreeOfParallelism));
        }

        RandomTape.ThrowIfNotSeed(seed);

        FeasibilityCheck.ThrowIfInfeasible(problem);
        byte[] runSeed = seed.ToArray();
        int n = problem.Candidates.Count;
        var total = new int[n];
        int failed = 0;
        int done = 0;
        const int ChunkSize = 64;
        int chunks = (runs + ChunkSize - 1) / ChunkSize;
        var options = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount,
        };
        Parallel.For(
            0,
            chunks,
            options,
            () => (Counts: new int[n], Failed: 0),
            (chunk, loopState, local) =>
            {
                int end = Math.Min(runs, (chunk + 1) * ChunkSize);
                for (int j = chunk * ChunkSize; j < end; j++)
                {
                    using var tape = new RandomTape(RandomTape.DeriveSeed(runSeed, j));
                    SelectionResult? result = PanelSelector.TrySelectCore(problem, strategy, tape, maxAttempts, out string? _);
                    if (result is null)
                    {
                        local.Failed++;
                        continue;
                    }

                    foreach (int i in result.Panel)
                    {
                        local.Counts[i]++;
                    }
                }

                int finished = Interlocked.Add(ref done, end - (chunk * ChunkSize));
                progress?.Report(finished);
                return local;
            },
            local =>
            {
                lock (total)
                {
                    for (int i = 0; i < n; i++)
                    {
                        total[i] += local.Counts[i];
                    }

                    failed += local.Failed;
                }
            });

        return new SelectionProbabilities(problem, runs, failed, total);
    }

    /// <summary>The Gini coefficient Σ_i Σ_j |x_i − x_j| / (2 n Σ_i x_i) of non-negative values (0 for an empty or all-zero input).</summary>
    /// <param name="values">The values.</param>
    /// <returns>A number in [0, 1).</returns>
    public static double GiniCoefficient(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        if (n == 0)
        {
            return 0;
        }

        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        double weighted = 0;
        for (int i = 0; i < n; i++)
        {
            sum += sorted[i];

            // Σ_{i<j} (x_j − x_i) = Σ_i (2i − n + 1) x_(i) with 0-based ranks.
            weighted += ((2.0 * i) - n + 1) * sorted[i];
        }

        return sum == 0 ? 0 : weighted / (n * sum);
    }
}
