namespace MpcSortition.Selection;

/// <summary>
/// The outcome of one attempt of a strategy: a panel, or the reason the attempt failed. A strategy written outside
/// this library creates it with <see cref="Success"/> (which checks the panel against the problem) or
/// <see cref="Failure"/>.
/// </summary>
public sealed class SelectionAttempt
{
    private readonly int[] _panel;

    private SelectionAttempt(int[] panel, string? failure, int failedAtStep, IReadOnlyList<SelectionStep> steps)
    {
        _panel = panel;
        FailureReason = failure;
        FailedAtStep = failedAtStep;
        Steps = steps;
    }

    /// <summary>Whether the attempt produced a valid panel.</summary>
    public bool Succeeded => FailureReason is null;

    /// <summary>The panel as candidate indexes (pool order numbering) in pick order; empty when the attempt failed.</summary>
    public IReadOnlyList<int> Panel => _panel;

    /// <summary>Why the attempt failed (naming the feature value), or <see langword="null"/>.</summary>
    public string? FailureReason { get; }

    /// <summary>The 0-based step at which the failure was detected (k for the final quota check), or -1 on success.</summary>
    public int FailedAtStep { get; }

    /// <summary>The picks made (also those of a failed attempt before it failed), for comparison with the secure
    /// selector; empty for an attempt made with <see cref="Success"/> or <see cref="Failure"/>.</summary>
    internal IReadOnlyList<SelectionStep> Steps { get; }

    /// <summary>A successful attempt. The panel is checked: exactly k distinct candidates of <paramref name="problem"/>,
    /// every quota met, no two at one address (so a strategy cannot hand <see cref="PanelSelector"/> an invalid panel).</summary>
    /// <param name="problem">The problem the attempt solves.</param>
    /// <param name="panel">Candidate indexes (pool order numbering) in pick order.</param>
    /// <returns>The attempt.</returns>
    /// <exception cref="ArgumentException">The panel is not a valid panel of the problem (the message says why).</exception>
    public static SelectionAttempt Success(SelectionProblem problem, IEnumerable<int> panel)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(panel);
        int[] members = panel.ToArray();
        if (problem.WhyInvalidPanel(members) is { } why)
        {
            throw new ArgumentException($"Not a valid panel of the problem: {why}.", nameof(panel));
        }

        return new SelectionAttempt(members, null, -1, []);
    }

    /// <summary>A failed attempt.</summary>
    /// <param name="reason">Why it failed, in words for the user (for example naming the feature value whose minimum
    /// cannot be met); it becomes <see cref="SelectionFailedException.LastReason"/> when every attempt fails.</param>
    /// <param name="failedAtStep">The 0-based step at which the failure was detected (k for a final check).</param>
    /// <returns>The attempt.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="failedAtStep"/> is negative.</exception>
    public static SelectionAttempt Failure(string reason, int failedAtStep)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentOutOfRangeException.ThrowIfNegative(failedAtStep);
        return new SelectionAttempt([], reason, failedAtStep, []);
    }

    /// <summary>Describes the outcome (indexes and reason only, never a person's data).</summary>
    /// <returns>The panel size or the failure.</returns>
    public override string ToString() =>
        Succeeded ? $"SelectionAttempt(panel of {_panel.Length})" : $"SelectionAttempt(failed at step {FailedAtStep}: {FailureReason})";

    /// <summary>
    /// Runs the k steps every strategy shares: each step reads one tape word (also after a failure, so attempt a always
    /// reads words [a·k, (a+1)·k)); a step first fails if some minimum can no longer be reached, otherwise
    /// <paramref name="step"/> makes the strategy's pick or returns why it cannot.
    /// </summary>
    internal static SelectionAttempt Run(GreedyState state, int k, IRandomTape tape, Func<int, ulong, string?> step)
    {
        string? failure = null;
        int failedAt = -1;
        for (int t = 0; t < k; t++)
        {
            ulong word = tape.NextUInt64();
            if (failure is not null)
            {
                continue;
            }

            int unreachable = state.FirstUnreachableMin();
            failure = unreachable >= 0
                ? $"not enough people left to meet the minimum of {state.DescribeValue(unreachable)} (step {t + 1} of {k})"
                : step(t, word);
            if (failure is not null)
            {
                failedAt = t;
            }
        }

        return Finish(state, failure, failedAt, k);
    }

    /// <summary>Ends an attempt of k steps: a run that did not fail on the way still fails if a minimum is unmet.</summary>
    internal static SelectionAttempt Finish(GreedyState state, string? failure, int failedAt, int k)
    {
        if (failure is null)
        {
            int unmet = state.FirstUnmetMin();
            if (unmet >= 0)
            {
                failure = $"the panel misses the minimum of {state.DescribeValue(unmet)}";
                failedAt = k;
            }
        }

        return From(state, failure, failedAt);
    }

    internal static SelectionAttempt From(GreedyState state, string? failure, int failedAt) =>
        failure is null ? new(state.Panel.ToArray(), null, -1, state.Steps) : new([], failure, failedAt, state.Steps);
}
