using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Exact selection probabilities of the paper-era legacy greedy, computed independently of the implementation: people
/// with the same values are exchangeable, so one attempt is a Markov chain on the vector of selected counts per type.
/// Written from the Sortition Foundation's description (floating-point ratios as in their code); no addresses.
/// </summary>
internal static class ExactLegacy
{
    /// <summary>Per candidate, P(selected | the attempt succeeds), and P(an attempt succeeds).</summary>
    internal static (double[] PerCandidate, double SuccessProbability) Compute(SelectionProblem problem)
    {
        int features = problem.Features.Count;
        int n = problem.Candidates.Count;

        // Types: distinct value vectors (global value indexes).
        var typeOf = new int[n];
        var types = new List<int[]>();
        var sizes = new List<int>();
        var index = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            int[] vec = Enumerable.Range(0, features).Select(f => problem.ValueIndexOf(i, f)).ToArray();
            string key = string.Join(",", vec);
            if (!index.TryGetValue(key, out int t))
            {
                t = types.Count;
                index.Add(key, t);
                types.Add(vec);
                sizes.Add(0);
            }

            sizes[t]++;
            typeOf[i] = t;
        }

        int values = problem.ValueCount;
        var min = new int[values];
        var max = new int[values];
        for (int v = 0; v < values; v++)
        {
            (_, FeatureValue fv) = problem.GetValue(v);
            min[v] = fv.Min;
            max[v] = fv.Max;
        }

        int typeCount = types.Count;
        var states = new Dictionary<string, (int[] Selected, double P)> { [Key(new int[typeCount])] = (new int[typeCount], 1.0) };
        for (int step = 0; step < problem.PanelSize; step++)
        {
            var next = new Dictionary<string, (int[] Selected, double P)>();
            foreach ((int[] sel, double p) in states.Values)
            {
                (int[] selectedV, int[] alive, int[] remainingV) = Counts(sel);

                // Fail when a minimum can no longer be met.
                bool fail = false;
                for (int v = 0; v < values; v++)
                {
                    fail |= selectedV[v] < min[v] && remainingV[v] < min[v] - selectedV[v];
                }

                if (fail)
                {
                    continue;
                }

                double best = double.NegativeInfinity;
                int chosen = -1;
                for (int v = 0; v < values; v++)
                {
                    if (remainingV[v] == 0 || max[v] == 0)
                    {
                        continue;
                    }

                    double ratio = (min[v] - selectedV[v]) / (double)remainingV[v];
                    if (ratio > best)
                    {
                        best = ratio;
                        chosen = v;
                    }
                }

                if (chosen < 0)
                {
                    continue; // ran out of people: the attempt fails
                }

                for (int t = 0; t < typeCount; t++)
                {
                    if (alive[t] > 0 && types[t].Contains(chosen))
                    {
                        int[] s2 = (int[])sel.Clone();
                        s2[t]++;
                        string key = Key(s2);
                        double q = p * alive[t] / remainingV[chosen];
                        next[key] = next.TryGetValue(key, out var e) ? (e.Selected, e.P + q) : (s2, q);
                    }
                }
            }

            states = next;
        }

        double success = 0;
        var expected = new double[typeCount];
        foreach ((int[] sel, double p) in states.Values)
        {
            (int[] selectedV, _, _) = Counts(sel);
            bool ok = true;
            for (int v = 0; v < values; v++)
            {
                ok &= selectedV[v] >= min[v] && selectedV[v] <= max[v];
            }

            if (!ok)
            {
                continue;
            }

            success += p;
            for (int t = 0; t < typeCount; t++)
            {
                expected[t] += p * sel[t];
            }
        }

        var perCandidate = new double[n];
        for (int i = 0; i < n; i++)
        {
            perCandidate[i] = expected[typeOf[i]] / (sizes[typeOf[i]] * success);
        }

        return (perCandidate, success);

        (int[] SelectedV, int[] Alive, int[] RemainingV) Counts(int[] sel)
        {
            var selectedV = new int[values];
            for (int t = 0; t < typeCount; t++)
            {
                foreach (int v in types[t])
                {
                    selectedV[v] += sel[t];
                }
            }

            var alive = new int[typeCount];
            var remainingV = new int[values];
            for (int t = 0; t < typeCount; t++)
            {
                bool full = types[t].Any(v => selectedV[v] >= max[v]);
                alive[t] = full ? 0 : sizes[t] - sel[t];
                foreach (int v in types[t])
                {
                    remainingV[v] += alive[t];
                }
            }

            return (selectedV, alive, remainingV);
        }
    }

    private static string Key(int[] sel) => string.Join(",", sel);
}
