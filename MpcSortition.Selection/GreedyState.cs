namespace MpcSortition.Selection;

/// <summary>
/// The state of one selection attempt, in the form the secure selector mirrors on shares: per global value index the
/// counts <c>selected[v]</c> and <c>remaining[v]</c> (alive candidates with value v), and per candidate the
/// eligibility bit <c>alive[i]</c>. Every transition is one of the rules below, so a secure version can apply the same
/// rule to every candidate at once.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item><b>Start</b>: everyone is alive; then rule 4 (a value with max 0 removes all its people).</item>
/// <item><b>Pick</b> candidate i: alive[i] ← 0; for each feature, selected[v] += 1 and remaining[v] −= 1 for i's value v.</item>
/// <item><b>Same address</b>: every alive j with household[j] = household[i] (i has an address) is removed.</item>
/// <item><b>Full value</b>: every alive j having some value v with selected[v] ≥ max[v] is removed.</item>
/// </list>
/// Removing j sets alive[j] ← 0 and decrements remaining[v] for each of j's values (selected is unchanged).
/// </remarks>
internal sealed class GreedyState
{
    private readonly SelectionProblem _problem;
    private readonly int _features;

    internal GreedyState(SelectionProblem problem)
    {
        _problem = problem;
        _features = problem.Features.Count;
        int n = problem.Candidates.Count;
        Selected = new int[problem.ValueCount];
        Remaining = new int[problem.ValueCount];
        Alive = new bool[n];
        Panel = new List<int>(problem.PanelSize);
        Steps = new List<SelectionStep>(problem.PanelSize);
        Array.Fill(Alive, true);
        AliveCount = n;
        for (int v = 0; v < problem.ValueCount; v++)
        {
            Remaining[v] = problem.Members[v].Length;
        }

        for (int v = 0; v < problem.ValueCount; v++)
        {
            if (problem.ValueMax[v] == 0)
            {
                RemoveAllWithValue(v);
            }
        }
    }

    /// <summary>Per global value index: panel members with the value so far.</summary>
    internal int[] Selected { get; }

    /// <summary>Per global value index: alive candidates with the value.</summary>
    internal int[] Remaining { get; }

    /// <summary>Per candidate: still eligible (neither picked nor removed).</summary>
    internal bool[] Alive { get; }

    internal int AliveCount { get; private set; }

    /// <summary>The panel so far, in pick order.</summary>
    internal List<int> Panel { get; }

    /// <summary>Per pick: the chosen value (-1 for a two-phase phase-1 pick), the rank r drawn, and the person picked.</summary>
    internal List<SelectionStep> Steps { get; }

    internal SelectionProblem Problem => _problem;

    /// <summary>The first value (in value order) whose lower quota can no longer be met: remaining[v] &lt; min[v] − selected[v]; or -1.</summary>
    internal int FirstUnreachableMin()
    {
        int[] min = _problem.ValueMin;
        for (int v = 0; v < Selected.Length; v++)
        {
            if (Remaining[v] < min[v] - Selected[v])
            {
                return v;
            }
        }

        return -1;
    }

    /// <summary>The first value (in value order) with selected[v] &lt; min[v]; or -1.</summary>
    internal int FirstUnmetMin()
    {
        int[] min = _problem.ValueMin;
        for (int v = 0; v < Selected.Length; v++)
        {
            if (Selected[v] < min[v])
            {
                return v;
            }
        }

        return -1;
    }

    /// <summary>The candidate at position <paramref name="r"/> (0-based) among alive candidates with value v, in pool order.</summary>
    internal int NthAliveWithValue(int v, int r)
    {
        foreach (int i in _problem.Members[v])
        {
            if (Alive[i] && r-- == 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("Internal error: the value has fewer alive members than its count.");
    }

    /// <summary>
    /// Per feature f, the slack (k − picks so far) − Σ_{v ∈ f} max(min[v] − selected[v], 0): how many of the remaining
    /// picks may go to people who do not help f's unmet minimums. Written into <paramref name="slack"/>.
    /// </summary>
    internal void FeatureSlack(Span<int> slack)
    {
        int[] min = _problem.ValueMin;
        int left = _problem.PanelSize - Panel.Count;
        for (int f = 0; f < _features; f++)
        {
            int need = 0;
            for (int v = _problem.FeatureOffset[f]; v < _problem.FeatureOffset[f + 1]; v++)
            {
                need += Math.Max(min[v] - Selected[v], 0);
            }

            slack[f] = left - need;
        }
    }

    /// <summary>
    /// Phase-1 eligibility of the two-phase strategy: i is alive, has at least one value whose lower quota is unmet,
    /// and in every feature either i's value is below its min or the feature has slack ≥ 1.
    /// </summary>
    internal bool HelpsUnmetMin(int i, ReadOnlySpan<int> slack)
    {
        if (!Alive[i])
        {
            return false;
        }

        int[] valueOf = _problem.ValueOf;
        int[] min = _problem.ValueMin;
        int at = i * _features;
        bool helps = false;
        for (int f = 0; f < _features; f++)
        {
            int v = valueOf[at + f];
            if (Selected[v] < min[v])
            {
                helps = true;
            }
            else if (slack[f] < 1)
            {
                return false;
            }
        }

        return helps;
    }

    /// <summary>Rules 2–4: pick i, remove its household, remove everyone in a value that reached its max.</summary>
    internal void Pick(int i, int value, int rank)
    {
        Steps.Add(new SelectionStep(value, rank, i));
        int[] valueOf = _problem.ValueOf;
        int at = i * _features;
        Alive[i] = false;
        AliveCount--;
        for (int f = 0; f < _features; f++)
        {
            int v = valueOf[at + f];
            Selected[v]++;
            Remaining[v]--;
        }

        Panel.Add(i);

        int h = _problem.Household[i];
        if (h >= 0 && _problem.HouseholdMembers.TryGetValue(h, out int[]? members))
        {
            foreach (int j in members)
            {
                if (Alive[j])
                {
                    Remove(j);
                }
            }
        }

        int[] max = _problem.ValueMax;
        for (int f = 0; f < _features; f++)
        {
            int v = valueOf[at + f];
            if (Selected[v] >= max[v])
            {
                RemoveAllWithValue(v);
            }
        }
    }

    private void RemoveAllWithValue(int v)
    {
        if (Remaining[v] == 0)
        {
            return;
        }

        foreach (int j in _problem.Members[v])
        {
            if (Alive[j])
            {
                Remove(j);
            }
        }
    }

    private void Remove(int j)
    {
        int[] valueOf = _problem.ValueOf;
        int at = j * _features;
        Alive[j] = false;
        AliveCount--;
        for (int f = 0; f < _features; f++)
        {
            Remaining[valueOf[at + f]]--;
        }
    }

    internal string DescribeValue(int v)
    {
        (Feature feature, FeatureValue value) = _problem.GetValue(v);
        return $"{feature.Name}/{value.Name}";
    }
}

/// <summary>One pick of an attempt, for step-by-step comparison with the secure selector.</summary>
/// <param name="Value">The chosen global value index, or -1 for a two-phase phase-1 pick.</param>
/// <param name="Rank">r, the 0-based rank among the eligible people.</param>
/// <param name="Person">The picked candidate index.</param>
internal readonly record struct SelectionStep(int Value, int Rank, int Person);
