namespace MpcSortition.Selection;

/// <summary>
/// A selection strategy: one attempt at a panel, as exactly <see cref="SelectionProblem.PanelSize"/> steps, each step
/// reading exactly one word of the random tape (also after the attempt has failed) and making every choice from the
/// public per-value counts and that word. <see cref="PanelSelector"/> adds the retries.
/// </summary>
/// <remarks>An implementation outside this library returns <see cref="SelectionAttempt.Success"/> (the panel is checked
/// against the problem) or <see cref="SelectionAttempt.Failure"/>. Reading exactly k words per attempt is what lets
/// attempt a use words [a·k, (a+1)·k) and a secure counterpart replay the same tape; a strategy that has no secure
/// counterpart may read fewer, but then its attempts are not aligned with the tape.</remarks>
public interface ISelectionStrategy
{
    /// <summary>A short name (<c>legacy</c>, <c>legacy-clamped</c>, <c>two-phase</c>).</summary>
    string Name { get; }

    /// <summary>Runs one attempt. Reads exactly <c>problem.PanelSize</c> words from <paramref name="tape"/>.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="tape">The random tape.</param>
    /// <returns>The panel, or the reason the attempt failed.</returns>
    SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape);
}

/// <summary>
/// The Sortition Foundation's "legacy" greedy, written as a fixed sequence of k steps for oblivious execution.
/// </summary>
/// <remarks>
/// <para>State: see the rules of the per-attempt state (selected[v], remaining[v], alive[i]); at the start every
/// candidate in a value with max 0 is removed. Step t = 0 … k−1 reads tape word w_t, then:</para>
/// <list type="number">
/// <item><b>Check</b>: if some value has remaining[v] &lt; min[v] − selected[v] the attempt fails (first such v in value order).</item>
/// <item><b>Choose</b> the value: among values with remaining[v] &gt; 0, the one with the largest
/// need[v] / remaining[v], where need[v] = min[v] − selected[v] (paper-era, may be negative) or
/// max(min[v] − selected[v], 0) (<see cref="Clamped"/>). Ratios are compared exactly by integer cross-multiplication
/// (a/b &gt; c/d ⇔ a·d &gt; c·b, b, d &gt; 0); only a strictly larger ratio replaces the current best, so ties go to the
/// first value in value order. No such value (nobody alive) fails the attempt.</item>
/// <item><b>Pick</b>: r = <see cref="RandomTape.Uniform"/>(w_t, remaining[v]); the picked candidate is the r-th (0-based)
/// alive candidate with value v in pool order.</item>
/// <item><b>Update</b>: count the candidate into each of their values; remove everyone at the same address; remove everyone
/// in any value that has reached its max.</item>
/// </list>
/// <para>After step k−1 the attempt fails if some value is below its min (first such v). Once an attempt has failed, the
/// remaining steps still read their word and do nothing else, so an attempt always reads exactly k words.</para>
/// <para>Relation to the Sortition Foundation code (stratification-app, 2020–2021, used for the published figures): the
/// same ratio, order, pick and removal rules. That code raises at slightly different moments (a ratio above 1, a count
/// reaching 0 below its min, the final min check) but every such case is an attempt that cannot end with all minimums
/// met, so the set of successful attempts and the distribution of their panels are the same. It compares ratios in
/// floating point starting from −100; the exact comparison here agrees for all realistic counts, and values whose ratio
/// is below −100 stay eligible here.</para>
/// </remarks>
public sealed class LegacyGreedy : ISelectionStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="clamped"><see langword="false"/> (default) for the paper-era need = min − selected, which can be negative;
    /// <see langword="true"/> for need = max(min − selected, 0).</param>
    public LegacyGreedy(bool clamped = false)
    {
        Clamped = clamped;
    }

    /// <summary>Whether need is clamped at 0.</summary>
    public bool Clamped { get; }

    /// <inheritdoc/>
    public string Name => Clamped ? "legacy-clamped" : "legacy";

    /// <inheritdoc/>
    public SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(tape);
        var state = new GreedyState(problem);
        return SelectionAttempt.Run(state, problem.PanelSize, tape, (t, word) =>
        {
            int v = ChooseValue(state.Selected, state.Remaining, problem.ValueMin, Clamped);
            if (v < 0)
            {
                return $"ran out of people after {t} of {problem.PanelSize} picks";
            }

            int r = RandomTape.Uniform(word, state.Remaining[v]);
            state.Pick(state.NthAliveWithValue(v, r), v, r);
            return null;
        });
    }

    /// <summary>The value with the largest need/remaining among values with remaining &gt; 0 (ties: lowest index), or -1.</summary>
    internal static int ChooseValue(int[] selected, int[] remaining, int[] min, bool clamped)
    {
        int best = -1;
        long bestNeed = 0;
        long bestRemaining = 1;
        for (int v = 0; v < remaining.Length; v++)
        {
            int rem = remaining[v];
            if (rem <= 0)
            {
                continue;
            }

            long need = (long)min[v] - selected[v];
            if (clamped && need < 0)
            {
                need = 0;
            }

            // need/rem > bestNeed/bestRemaining  ⇔  need·bestRemaining > bestNeed·rem (both denominators positive).
            if (best < 0 || need * bestRemaining > bestNeed * rem)
            {
                best = v;
                bestNeed = need;
                bestRemaining = rem;
            }
        }

        return best;
    }
}

/// <summary>
/// The seed paper's two-phase outline, as a fixed sequence of k steps: first random sampling among people who help an
/// unmet lower quota, then filling the value with the lowest selected/max ratio.
/// </summary>
/// <remarks>
/// <para>Same state, start, failure check (remaining[v] &lt; min[v] − selected[v]), update rules and final min check as
/// <see cref="LegacyGreedy"/>; step t reads word w_t, then:</para>
/// <list type="bullet">
/// <item><b>Phase 1</b> (some value has selected[v] &lt; min[v]): the eligible candidates are the alive candidates having at
/// least one value with selected &lt; min and, in every feature f, either a value with selected &lt; min or slack_f ≥ 1, where
/// slack_f = (k − picks so far) − Σ_{v ∈ f} max(min[v] − selected[v], 0) (so no pick wastes a place that a feature's unmet
/// minimums still need; the paper's outline leaves this open, and without it tight quotas almost never succeed); with c of them, r = <see cref="RandomTape.Uniform"/>(w_t, c) and the r-th
/// eligible candidate in pool order is picked. c = 0 fails the attempt.</item>
/// <item><b>Phase 2</b> (every lower quota met): among values with remaining[v] &gt; 0 choose the one with the lowest
/// selected[v]/max[v] (exact cross-multiplication, ties to the first value), then pick the r-th alive candidate with
/// that value, r = Uniform(w_t, remaining[v]). No such value fails the attempt.</item>
/// </list>
/// </remarks>
public sealed class TwoPhaseGreedy : ISelectionStrategy
{
    /// <inheritdoc/>
    public string Name => "two-phase";

    /// <inheritdoc/>
    public SelectionAttempt Attempt(SelectionProblem problem, IRandomTape tape)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(tape);
        var state = new GreedyState(problem);
        int k = problem.PanelSize;
        int n = problem.Candidates.Count;
        int[] slack = new int[problem.Features.Count];
        var eligibleBuffer = new int[n];
        return SelectionAttempt.Run(state, k, tape, (t, word) =>
        {
            int unmet = state.FirstUnmetMin();
            if (unmet >= 0)
            {
                state.FeatureSlack(slack);
                int eligible = 0;
                for (int i = 0; i < n; i++)
                {
                    if (state.HelpsUnmetMin(i, slack))
                    {
                        eligibleBuffer[eligible++] = i; // pool order
                    }
                }

                if (eligible == 0)
                {
                    return $"nobody left who helps the minimum of {state.DescribeValue(unmet)} (step {t + 1} of {k})";
                }

                int r = RandomTape.Uniform(word, eligible);
                state.Pick(eligibleBuffer[r], -1, r);
            }
            else
            {
                int v = ChooseLowestFill(state.Selected, state.Remaining, problem.ValueMax);
                if (v < 0)
                {
                    return $"ran out of people after {t} of {k} picks";
                }

                int r = RandomTape.Uniform(word, state.Remaining[v]);
                state.Pick(state.NthAliveWithValue(v, r), v, r);
            }

            return null;
        });
    }

    /// <summary>The value with the lowest selected/max among values with remaining &gt; 0 (ties: lowest index), or -1.</summary>
    internal static int ChooseLowestFill(int[] selected, int[] remaining, int[] max)
    {
        int best = -1;
        long bestSelected = 0;
        long bestMax = 1;
        for (int v = 0; v < remaining.Length; v++)
        {
            if (remaining[v] <= 0)
            {
                continue;
            }

            // Alive members imply max[v] > selected[v] ≥ 0, so the denominator is positive.
            long s = selected[v];
            long m = max[v];
            if (best < 0 || s * bestMax < bestSelected * m)
            {
                best = v;
                bestSelected = s;
                bestMax = m;
            }
        }

        return best;
    }
}
