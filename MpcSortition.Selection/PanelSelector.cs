namespace MpcSortition.Selection;

/// <summary>One reason a problem cannot have any valid panel, found from public counts before any selection.</summary>
public sealed class FeasibilityViolation
{
    internal FeasibilityViolation(string? feature, string? value, string message)
    {
        Feature = feature;
        Value = value;
        Message = message;
    }

    /// <summary>The feature concerned, or <see langword="null"/> for a pool-wide problem.</summary>
    public string? Feature { get; }

    /// <summary>The value concerned, or <see langword="null"/> for a feature-wide or pool-wide problem.</summary>
    public string? Value { get; }

    /// <summary>A one-line description naming the feature and value.</summary>
    public string Message { get; }

    /// <summary>The message.</summary>
    /// <returns><see cref="Message"/>.</returns>
    public override string ToString() => Message;
}

/// <summary>Necessary conditions for a panel to exist, checked before any selection.</summary>
public static class FeasibilityCheck
{
    /// <summary>
    /// Returns every violation of: k ≤ n; k ≤ number of distinct addresses (when addresses are shared); for each
    /// feature, Σ min ≤ k ≤ Σ max; for each value, at least min people in the pool have it. An empty list does not
    /// prove that a panel exists (the features interact), but a non-empty one proves that none does.
    /// </summary>
    /// <param name="problem">The problem.</param>
    /// <returns>The violations, in feature and value order.</returns>
    public static IReadOnlyList<FeasibilityViolation> Check(SelectionProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var violations = new List<FeasibilityViolation>();
        int k = problem.PanelSize;
        int n = problem.Candidates.Count;
        if (k > n)
        {
            violations.Add(new FeasibilityViolation(null, null, $"the panel size {k} exceeds the pool size {n}"));
        }
        else if (problem.HasSharedAddresses && problem.HouseholdCount < k)
        {
            violations.Add(new FeasibilityViolation(null, null, $"the panel size {k} exceeds the number of distinct addresses {problem.HouseholdCount}"));
        }

        for (int f = 0; f < problem.Features.Count; f++)
        {
            Feature feature = problem.Features[f];
            long sumMin = feature.Values.Sum(v => (long)v.Min);
            long sumMax = feature.Values.Sum(v => (long)v.Max);
            if (sumMin > k)
            {
                violations.Add(new FeasibilityViolation(feature.Name, null, $"feature {feature.Name}: the minimums add up to {sumMin}, more than the panel size {k}"));
            }

            if (sumMax < k)
            {
                violations.Add(new FeasibilityViolation(feature.Name, null, $"feature {feature.Name}: the maximums add up to {sumMax}, less than the panel size {k}"));
            }

            for (int j = 0; j < feature.Values.Count; j++)
            {
                FeatureValue value = feature.Values[j];
                int have = problem.Members[problem.FeatureOffset[f] + j].Length;
                if (have < value.Min)
                {
                    violations.Add(new FeasibilityViolation(feature.Name, value.Name, $"{feature.Name}/{value.Name}: minimum {value.Min} but only {have} people in the pool have this value"));
                }
            }
        }

        return violations;
    }

    /// <summary>Throws <see cref="InfeasibleQuotasException"/> when <see cref="Check"/> finds a violation.</summary>
    /// <param name="problem">The problem.</param>
    /// <exception cref="InfeasibleQuotasException">At least one violation.</exception>
    public static void ThrowIfInfeasible(SelectionProblem problem)
    {
        IReadOnlyList<FeasibilityViolation> violations = Check(problem);
        if (violations.Count > 0)
        {
            throw new InfeasibleQuotasException(violations);
        }
    }
}

/// <summary>The quotas cannot be met by any panel; <see cref="Violations"/> names each feature value at fault.</summary>
public sealed class InfeasibleQuotasException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="violations">At least one violation.</param>
    public InfeasibleQuotasException(IReadOnlyList<FeasibilityViolation> violations)
        : base("The quotas cannot be met: " + string.Join("; ", violations.Select(v => v.Message)) + ".")
    {
        Violations = violations;
    }

    /// <summary>The violations.</summary>
    public IReadOnlyList<FeasibilityViolation> Violations { get; }
}

/// <summary>Every attempt failed; the message gives the number of attempts and the last attempt's reason.</summary>
public sealed class SelectionFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="lastReason">Why the last attempt failed.</param>
    public SelectionFailedException(int attempts, string lastReason)
        : base($"No panel found in {attempts} attempt{(attempts == 1 ? string.Empty : "s")}; the last failed because {lastReason}.")
    {
        Attempts = attempts;
        LastReason = lastReason;
    }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>Why the last attempt failed.</summary>
    public string LastReason { get; }
}

/// <summary>A selected panel.</summary>
public sealed class SelectionResult
{
    private readonly int[] _panel;

    private int[]? _composition;

    internal SelectionResult(SelectionProblem problem, IReadOnlyList<int> panel, int attempts)
    {
        Problem = problem;
        _panel = panel.ToArray();
        Attempts = attempts;
    }

    /// <summary>The problem the panel solves.</summary>
    public SelectionProblem Problem { get; }

    /// <summary>The panel as candidate indexes in pick order.</summary>
    public IReadOnlyList<int> Panel => _panel;

    /// <summary>The panel's candidates in pick order.</summary>
    public IEnumerable<Candidate> Candidates => _panel.Select(i => Problem.Candidates[i]);

    /// <summary>The 1-based number of the attempt that succeeded.</summary>
    public int Attempts { get; }

    /// <summary>Per global value index, how many panel members have the value (<see cref="SelectionProblem.ValueCount"/>
    /// entries; the same shape as <see cref="Secure.SecureSelectionResult.Composition"/>).</summary>
    public IReadOnlyList<int> Composition => _composition ??= Problem.CountByValue(_panel); // computed once, on demand

    /// <summary>Describes the result without the panel's people.</summary>
    /// <returns>The panel size and the attempt.</returns>
    public override string ToString() => $"SelectionResult(panel of {_panel.Length}, attempt {Attempts})";
}

/// <summary>Runs a strategy with feasibility check and retries.</summary>
public static class PanelSelector
{
    /// <summary>The default number of attempts.</summary>
    public const int DefaultAttempts = 100;

    /// <summary>
    /// Checks feasibility, then runs up to <paramref name="maxAttempts"/> attempts of <paramref name="strategy"/> on one
    /// tape: attempt a (0-based) reads tape words [a·k, (a+1)·k). Returns the first successful attempt's panel.
    /// </summary>
    /// <param name="problem">The problem.</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="tape">The random tape.</param>
    /// <param name="maxAttempts">At least 1; default <see cref="DefaultAttempts"/>.</param>
    /// <returns>The panel.</returns>
    /// <exception cref="InfeasibleQuotasException">The public counts show that no panel exists.</exception>
    /// <exception cref="SelectionFailedException">Every attempt failed.</exception>
    /// <exception cref="InvalidOperationException">The strategy returned no attempt.</exception>
    public static SelectionResult Select(SelectionProblem problem, ISelectionStrategy strategy, IRandomTape tape, int maxAttempts = DefaultAttempts)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        FeasibilityCheck.ThrowIfInfeasible(problem);
        return TrySelectCore(problem, strategy, tape, maxAttempts, out string? reason)
            ?? throw new SelectionFailedException(maxAttempts, reason!);
    }

    /// <summary>As <see cref="Select(SelectionProblem, ISelectionStrategy, IRandomTape, int)"/> with the tape of a
    /// 16-byte seed (<see cref="RandomTape"/>).</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="seed">16 bytes (<see cref="RandomTape.SeedFromString"/> turns text into a seed).</param>
    /// <param name="maxAttempts">At least 1.</param>
    /// <returns>The panel.</returns>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    /// <exception cref="InfeasibleQuotasException">The public counts show that no panel exists.</exception>
    /// <exception cref="SelectionFailedException">Every attempt failed.</exception>
    public static SelectionResult Select(SelectionProblem problem, ISelectionStrategy strategy, ReadOnlySpan<byte> seed, int maxAttempts = DefaultAttempts)
    {
        RandomTape.ThrowIfNotSeed(seed);
        using var tape = new RandomTape(seed);
        return Select(problem, strategy, tape, maxAttempts);
    }

    /// <summary>Attempts without the feasibility check; null and the last reason when all fail.</summary>
    internal static SelectionResult? TrySelectCore(SelectionProblem problem, ISelectionStrategy strategy, IRandomTape tape, int maxAttempts, out string? lastReason)
    {
        lastReason = null;
        for (int a = 0; a < maxAttempts; a++)
        {
            SelectionAttempt attempt = strategy.Attempt(problem, tape)
                ?? throw new InvalidOperationException($"The strategy '{strategy.Name}' returned no attempt.");
            if (attempt.Succeeded)
            {
                return new SelectionResult(problem, attempt.Panel, a + 1);
            }

            lastReason = attempt.FailureReason;
        }

        return null;
    }
}
