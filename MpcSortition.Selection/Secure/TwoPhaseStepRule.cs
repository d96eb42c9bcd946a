using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The secure step of <see cref="SecureTwoPhaseGreedy"/>. Phase 1 (some value below its min): the alive people who help
/// an unmet minimum without taking a place another feature's minimums need; phase 2: the value with the lowest
/// selected/max, then a uniform person with it. Both candidate sets are computed at every step and combined obliviously.
/// </summary>
/// <remarks>
/// <para>Phase 1 depends only on the state at the start of the step, so it is computed in the rounds of the previous
/// step's removal and drawn on beside the value choice (docs/secure-selection.md §3 "Rounds", two-phase):</para>
/// <para>featureOk_f = [slack_f ≥ 1] with slack_f = (k − t) − Σ_{v ∈ f} deficit_v. Each step changes slack by −1 + helped_f
/// (helped_f = Σ_{v ∈ f} pickX_v·below_v ∈ {0, 1}), so featureOk(t + 1) = [slack ≥ 2] + helped·[slack = 1]: only the sign of
/// slack − 2 is extracted (in the step's batch); featureOk(0) is public.</para>
/// <para>e1_j = alive_j·helps_j·allOk_j with helps = [∃f: b_f = 1], allOk = Π_f (b_f ∨ featureOk_f), b_f = belowOf[j, f].
/// helps·allOk = Π_f ok_f − Π_f g_f with ok_f = featureOk_f + noSlack_f·b_f and g_f = featureOk_f·(1 − b_f) (b is 0/1).
/// noSlack_f·b_f = Σ_{v ∈ f} P_v·x[j, v] with P_v = noSlack_f·below_v, an inner product like belowOf, once P is known. P for
/// the next step is linear in the pick (pickX is one-hot per feature): P_v = (1 − ge2_f)·below_v − pickX_v·(eq1_f·below_v +
/// am_v·noSlack_f) − Σ_{u ∈ f, u ≠ v} pickX_u·eq1_f·below_u·below_v (ge2 = [slack ≥ 2], eq1 = [slack = 1], am_v =
/// [selected_v = min_v − 1], all of this step), so it is made in the full/below update's round, the leaves ok and g in the
/// newFullOf round, and the two trees in the removal tree's rounds. The next step's count c1 = ⟨alive, Πok − Πg⟩ is an
/// inner product in its remaining round and is drawn on beside the value choice.</para>
/// <para>In phase 2 no value is below its min, so nobody helps: e1 = 0 and c1 = 0 there; the winner is ANDed with "phase 2", so y, its count and its draw are 0 in phase 1. Then
/// e = alive∘y + e1, count = count₂ + c1 and r = Σ_v w_v·r_v + r(c1) are the chosen phase's, with no multiplexer.</para>
/// </remarks>
internal sealed class TwoPhaseStepRule : SecureStepRule
{
    /// <summary>featureOk_f of the current step (from the next step's update on: of the next step).</summary>
    private ShareVector _featureOk;

    /// <summary>P_v = noSlack_f·below_v for the step whose belowOf is computed next.</summary>
    private ShareVector _p;

    /// <summary>The phase-1 bit of this step (arithmetic shares).</summary>
    private ShareVector _phase1 = default!;

    /// <summary>The two product trees: Π_f ok_f and Π_f g_f (n-vectors), or null before the first leaves.</summary>
    private List<ShareVector>? _ok, _g;

    /// <summary>helps·allOk of this step, its phase-1 people and their count.</summary>
    private ShareVector _helpsAllOk = default!, _e1 = default!, _c1 = default!;

    /// <summary>below_u·below_v for the pairs u &lt; v of the same feature (this step).</summary>
    private ShareVector? _belowPairs;

    /// <summary>This step's [slack ≥ 2], am_v, and the pieces of P's coefficients.</summary>
    private ShareVector _ge2 = default!, _atMinLessOne = default!, _z = default!, _diagonal = default!, _constant = default!;
    private ShareVector? _pairCoefficients;

    /// <summary>Pairs (u, v), u &lt; v, of values of the same feature.</summary>
    private readonly int[] _pairU, _pairV;

    /// <summary>Creates the rule for one attempt: featureOk and P of step 0 are public (deficit = min).</summary>
    /// <param name="context">The attempt's shared machinery.</param>
    internal TwoPhaseStepRule(SecureGreedyContext context)
        : base(context)
    {
        SecureGreedyContext c = context;
        int v = c.V, f = c.F, k = c.Layout.PanelSize;
        var slack = new long[f];
        slack.AsSpan().Fill(k);
        for (int i = 0; i < v; i++)
        {
            slack[c.FeatureOf(i)] -= c.Min[i];
        }

        var ok = new uint[f];
        for (int i = 0; i < f; i++)
        {
            ok[i] = slack[i] >= 1 ? 1u : 0u;
        }

        var p = new uint[v];
        for (int i = 0; i < v; i++)
        {
            p[i] = c.Min[i] > 0 && ok[c.FeatureOf(i)] == 0 ? 1u : 0u;
        }

        _featureOk = c.Abb.Public(ok);
        _p = c.Abb.Public(p);
        var us = new List<int>();
        var vs = new List<int>();
        for (int a = 0; a < v; a++)
        {
            for (int b = a + 1; b < v; b++)
            {
                if (c.FeatureOf(a) == c.FeatureOf(b))
                {
                    us.Add(a);
                    vs.Add(b);
                }
            }
        }

        _pairU = [.. us];
        _pairV = [.. vs];
    }

    /// <inheritdoc/>
    internal override uint PhaseShare => _phase1.Values[0];

    /// <summary>belowOf[j, f] and Σ_{v ∈ f} P_v·x[j, v]: 2·n·F inner products over the zero-padded per-feature columns, in
    /// the previous step's newFullOf round (for step 0 in a round of its own).</summary>
    internal override (ShareVector X, ShareVector Y, int Length, int Outputs)[] AliveRoundProducts(in SecureStepState state) =>
    [
        (Context.XPadded, Context.PaddedReducedCols(state.Below), Context.PaddedWidth, Context.N * Context.F),
        (Context.XPadded, Context.PaddedReducedCols(_p), Context.PaddedWidth, Context.N * Context.F),
    ];

    /// <summary>The leaves ok_f = featureOk_f + noSlack_f·b_f and g_f = featureOk_f − b_f + noSlack_f·b_f of the two trees.</summary>
    internal override void TakeAliveRoundProducts(ReadOnlySpan<ShareVector> products, in SecureStepState state)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        ShareVector belowOf = abb.Add(products[0], c.LastValueRows(state.Below));
        ShareVector noSlackBelowOf = abb.Add(products[1], c.LastValueRows(_p));
        ShareVector okRows = c.RowsOfFeatures(_featureOk);
        ShareVector ok = abb.Add(okRows, noSlackBelowOf);
        ShareVector g = abb.Add(abb.Subtract(okRows, belowOf), noSlackBelowOf);
        _ok = [.. Enumerable.Range(0, c.F).Select(f => Column(ok, f))];
        _g = [.. Enumerable.Range(0, c.F).Select(f => Column(g, f))];
    }

    /// <inheritdoc/>
    internal override bool TreeDone => _ok is null || (_ok.Count == 1 && _g!.Count == 1);

    /// <inheritdoc/>
    internal override (ShareVector X, ShareVector Y)[] TreeRoundPairs()
    {
        if (TreeDone)
        {
            return [];
        }

        var pairs = new List<(ShareVector X, ShareVector Y)>();
        foreach (List<ShareVector> tree in new[] { _ok!, _g! })
        {
            for (int i = 0; i + 1 < tree.Count; i += 2)
            {
                pairs.Add((tree[i], tree[i + 1]));
            }
        }

        return [.. pairs];
    }

    /// <inheritdoc/>
    internal override void TakeTreeRoundProducts(ReadOnlySpan<ShareVector> products)
    {
        if (products.Length == 0)
        {
            return;
        }

        int at = 0;
        foreach (List<ShareVector> tree in new[] { _ok!, _g! })
        {
            int pairs = tree.Count / 2;
            var next = new List<ShareVector>(pairs + 1);
            for (int i = 0; i < pairs; i++)
            {
                next.Add(products[at++]);
            }

            if (tree.Count % 2 == 1)
            {
                next.Add(tree[^1]);
            }

            tree.Clear();
            tree.AddRange(next);
        }
    }

    /// <summary>c1 = ⟨alive, helps·allOk⟩ (one inner product of length n).</summary>
    internal override (ShareVector X, ShareVector Y, int Length, int Outputs)[] RemainingRoundProducts(in SecureStepState state)
    {
        if (!TreeDone)
        {
            throw new InvalidOperationException("The phase-1 trees must be finished before the step.");
        }

        _helpsAllOk = Context.Abb.Subtract(_ok![0], _g![0]);
        return [(state.Alive, _helpsAllOk, Context.N, 1)];
    }

    /// <inheritdoc/>
    internal override void TakeRemainingRoundProducts(ReadOnlySpan<ShareVector> products) => _c1 = products[0];

    /// <summary>The V remaining counts and c1.</summary>
    internal override ShareVector DrawCounts(ShareVector remaining) => Context.Abb.Concat(remaining, _c1);

    /// <summary>The (masked) winner's one-hot and 1 for c1's draw (which is 0 in phase 2).</summary>
    internal override ShareVector RankWeights(ShareVector winner) => Context.Abb.Concat(winner, Context.Abb.Public([1u]));

    /// <summary>Lowest selected/max: a beats b iff selected_a·max_b ≤ selected_b·max_a (max is public: local). In the same
    /// round: the engine's products, e1 = alive∘(helps·allOk), and below_u·below_v for the pairs of a feature.</summary>
    internal override async ValueTask<(ShareVector D, ShareVector[] Alongside)> PreferenceAsync(SecureStepState state, ShareVector remaining, (ShareVector X, ShareVector Y)[] alongside)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        ShareVector d = abb.Subtract(
            abb.MultiplyPublic(c.Gather(state.Selected, c.PairB), SecureGreedyContext.Gather(c.Max, c.PairA)),
            abb.MultiplyPublic(c.Gather(state.Selected, c.PairA), SecureGreedyContext.Gather(c.Max, c.PairB)));
        var pairs = new List<(ShareVector X, ShareVector Y)>(alongside) { (state.Alive, _helpsAllOk) };
        if (_pairU.Length > 0)
        {
            pairs.Add((c.Gather(state.Below, _pairU), c.Gather(state.Below, _pairV)));
        }

        ShareVector[] products = await c.MulAsync([.. pairs]).ConfigureAwait(false);
        _e1 = products[alongside.Length];
        _belowPairs = _pairU.Length > 0 ? products[alongside.Length + 1] : null;
        return (d, products[..alongside.Length]);
    }

    /// <summary>slack_f − 2 = (k − t − 2) − Σ_{v ∈ f} deficit_v (F values); Σ below − 1 (some value below its min).</summary>
    internal override ShareVector[] SignInputs(in SecureStepState state)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        return
        [
            abb.AddPublic(abb.Negate(c.FeatureSums(state.Deficit)), (uint)(c.Layout.PanelSize - state.Step - 2)),
            abb.AddPublic(c.Sum(state.Below), uint.MaxValue),
        ];
    }

    /// <summary>[slack_f ≥ 2]; phase 1.</summary>
    internal override BitShareVector[] BooleanInputs(ReadOnlySpan<BitShareVector> signs) =>
        [Context.Abb.Not(signs[0]), Context.Abb.Not(signs[1])];

    /// <summary>Phase 2 (no value below its min): the winner counts only then.</summary>
    internal override BitShareVector? WinnerMask(ReadOnlySpan<BitShareVector> signs) => signs[1];

    /// <inheritdoc/>
    internal override void TakeUpdateBits(ShareVector atMinLessOne) => _atMinLessOne = atMinLessOne;

    /// <summary>e = alive∘y + e1 and count = count₂ + c1 (y and count₂ are 0 in phase 1, e1 and c1 in phase 2); in the
    /// products' round also the coefficients of the next step's P and featureOk.</summary>
    internal override async ValueTask<EligiblePeople> EligibleAsync(SecureStepState state, ShareVector winner, ShareVector remaining, ShareVector[] converted, (ShareVector X, ShareVector Y, int Length, int Outputs)[] alongside)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        _ge2 = converted[0];
        _phase1 = converted[1];
        ShareVector[] r6 = await c.InnerProductsAsync([.. WinnerProducts(winner, remaining), .. alongside]).ConfigureAwait(false);
        (ShareVector y, ShareVector count2) = WinnerMembers(winner, r6);

        // eq1 = featureOk − ge2 = [slack = 1]; noSlack = 1 − featureOk (this step's).
        ShareVector eq1 = abb.Subtract(_featureOk, _ge2);
        ShareVector noSlack = abb.AddPublic(abb.Negate(_featureOk), 1u);
        int[] featureOfValue = [.. Enumerable.Range(0, c.V).Select(c.FeatureOf)];
        var products = new List<(ShareVector X, ShareVector Y)>
        {
            (state.Alive, y),
            (c.Gather(eq1, featureOfValue), state.Below),
            (c.Gather(noSlack, featureOfValue), _atMinLessOne),
            (c.Gather(abb.AddPublic(abb.Negate(_ge2), 1u), featureOfValue), state.Below),
        };
        if (_belowPairs is not null)
        {
            products.Add((c.Gather(eq1, [.. _pairU.Select(c.FeatureOf)]), _belowPairs));
        }

        ShareVector[] r7 = await c.MulAsync([.. products]).ConfigureAwait(false);
        _z = r7[1];
        _diagonal = abb.Add(r7[1], r7[2]);
        _constant = r7[3];
        _pairCoefficients = _belowPairs is not null ? r7[4] : null;
        ShareVector eligible = abb.Add(r7[0], _e1);
        return new EligiblePeople(eligible, null, abb.Add(count2, _c1), r6[2..]);
    }

    /// <summary>pickX_v·z_v (featureOk of the next step), pickX_v·(z_v + am_v·noSlack_f), and for every pair of a feature
    /// pickX_u·eq1·below_u·below_v and pickX_v·eq1·below_u·below_v (P of the next step).</summary>
    internal override (ShareVector X, ShareVector Y)[] RemovalRoundPairs(ShareVector pickX)
    {
        SecureGreedyContext c = Context;
        var pairs = new List<(ShareVector X, ShareVector Y)> { (pickX, _z), (pickX, _diagonal) };
        if (_pairCoefficients is not null)
        {
            pairs.Add((c.Gather(pickX, _pairU), _pairCoefficients));
            pairs.Add((c.Gather(pickX, _pairV), _pairCoefficients));
        }

        return [.. pairs];
    }

    /// <summary>featureOk(t + 1) = ge2 + Σ_{v ∈ f} pickX_v·z_v; P(t + 1) = constant − pickX∘diagonal − the pairs' terms.</summary>
    internal override void TakeRemovalRoundProducts(ReadOnlySpan<ShareVector> products)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        _featureOk = abb.Add(_ge2, c.FeatureSums(products[0]));
        ShareVector p = abb.Subtract(_constant, products[1]);
        if (_pairCoefficients is not null)
        {
            // pickX_u·K_uv goes to P_v, pickX_v·K_uv to P_u.
            int v = c.V;
            int[] pu = _pairU, pv = _pairV;
            ShareVector cross = abb.Map(abb.Concat(products[2], products[3]), v, (s, o) =>
            {
                int m = pu.Length;
                for (int i = 0; i < m; i++)
                {
                    o[pv[i]] += s[i];
                    o[pu[i]] += s[m + i];
                }
            });
            p = abb.Subtract(p, cross);
        }

        _p = p;
    }

    /// <summary>Column f of an n × F matrix.</summary>
    private ShareVector Column(ShareVector matrix, int feature)
    {
        int width = Context.F;
        return Context.Abb.Map(matrix, Context.N, (s, o) =>
        {
            for (int j = 0; j < o.Length; j++)
            {
                o[j] = s[(j * width) + feature];
            }
        });
    }
}
