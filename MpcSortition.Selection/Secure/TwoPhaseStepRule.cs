using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The secure step of <see cref="SecureTwoPhaseGreedy"/>. Phase 1 (some value below its min): the alive people who help
/// an unmet minimum without taking a place another feature's minimums need; phase 2: the value with the lowest
/// selected/max, then a uniform person with it. Both candidate sets are computed at every step and the phase bit
/// chooses between them obliviously.
/// </summary>
internal sealed class TwoPhaseStepRule(SecureGreedyContext context) : SecureStepRule(context)
{
    /// <summary>n × F: whether person j's value in feature f is below its min (this step).</summary>
    private ShareVector _belowOf = default!;

    /// <summary>The phase-1 bit of this step (arithmetic shares).</summary>
    private ShareVector _phase1 = default!;

    /// <summary>In phase 1 the count is that of the phase-1 people, known only after step 6.</summary>
    internal override bool CountIsTheWinnersRemaining => false;

    /// <inheritdoc/>
    internal override uint PhaseShare => _phase1.Values[0];

    /// <summary>belowOf[j, f] = Σ_{v ∈ f} below_v·x[j, v] = below_last(f) + Σ_{v ∈ f, not last} (below_v − below_last)·x[j, v]:
    /// n·F inner products over the zero-padded per-feature columns, in the remaining counts' round.</summary>
    internal override (ShareVector X, ShareVector Y, int Length, int Outputs)[] AliveRoundProducts(in SecureStepState state) =>
        [(Context.XPadded, Context.PaddedReducedCols(state.Below), Context.PaddedWidth, Context.N * Context.F)];

    /// <inheritdoc/>
    internal override void TakeAliveRoundProducts(ReadOnlySpan<ShareVector> products, in SecureStepState state) =>
        _belowOf = Context.Abb.Add(products[0], Context.LastValueRows(state.Below));

    /// <summary>Lowest selected/max: a beats b iff selected_a·max_b ≤ selected_b·max_a (max is public: local).</summary>
    internal override async ValueTask<(ShareVector D, ShareVector[] Alongside)> PreferenceAsync(SecureStepState state, ShareVector remaining, (ShareVector X, ShareVector Y)[] alongside)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        ShareVector d = abb.Subtract(
            abb.MultiplyPublic(c.Gather(state.Selected, c.PairB), SecureGreedyContext.Gather(c.Max, c.PairA)),
            abb.MultiplyPublic(c.Gather(state.Selected, c.PairA), SecureGreedyContext.Gather(c.Max, c.PairB)));
        return (d, alongside.Length == 0 ? [] : await c.MulAsync(alongside).ConfigureAwait(false));
    }

    /// <summary>slack_f − 1 = (k − t − 1) − Σ_{v ∈ f} deficit_v (F values); Σ below − 1 (some value below its min).</summary>
    internal override ShareVector[] SignInputs(in SecureStepState state)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        return
        [
            abb.AddPublic(abb.Negate(c.FeatureSums(state.Deficit)), (uint)(c.Layout.PanelSize - state.Step - 1)),
            abb.AddPublic(c.Sum(state.Below), uint.MaxValue),
        ];
    }

    /// <summary>Feature f has slack ≥ 1; phase 1.</summary>
    internal override BitShareVector[] BooleanInputs(ReadOnlySpan<BitShareVector> signs) =>
        [Context.Abb.Not(signs[0]), Context.Abb.Not(signs[1])];

    /// <summary>e = phase1 ? e1 : e2 and the count likewise, with e1 the phase-1 eligible people and e2 the alive people
    /// with the winning value.</summary>
    internal override async ValueTask<EligiblePeople> EligibleAsync(SecureStepState state, ShareVector winner, ShareVector remaining, ShareVector[] converted, (ShareVector X, ShareVector Y, int Length, int Outputs)[] alongside)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        CancellationToken ct = c.CancellationToken;
        int n = c.N, f = c.F;
        ShareVector featureOk = converted[0];
        _phase1 = converted[1];
        ShareVector[] r6 = await c.InnerProductsAsync([.. WinnerProducts(winner, remaining), (_belowOf, c.RowsOfFeatures(featureOk), 1, n * f), .. alongside]).ConfigureAwait(false);
        (ShareVector y, ShareVector c2) = WinnerMembers(winner, r6);

        // ok_{j,f} = belowOf ∨ featureOk = belowOf + featureOk − belowOf·featureOk.
        ShareVector ok = abb.Subtract(abb.Add(_belowOf, c.RowsOfFeatures(featureOk)), r6[2]);
        ShareVector helps = c.RowSums(_belowOf, f);
        ShareVector okMissing = abb.AddPublic(c.RowSums(ok, f), (uint)-f);
        BitShareVector zeros = await abb.IsZeroAsync(abb.Concat(helps, okMissing), ct).ConfigureAwait(false);
        BitShareVector helpsBit = abb.Not(abb.SliceBits(zeros, 0, n));
        BitShareVector allOk = abb.SliceBits(zeros, n, n);
        BitShareVector e1Bits = await abb.AndAsync(helpsBit, allOk, ct).ConfigureAwait(false);
        ShareVector e1Raw = await abb.ToArithmeticKeepingCompanionsAsync(e1Bits, ct).ConfigureAwait(false);
        ShareVector[] alive = await c.MulAsync((state.Alive, e1Raw), (state.Alive, y)).ConfigureAwait(false);
        ShareVector e1 = alive[0], e2 = alive[1];
        ShareVector c1 = c.Sum(e1);

        // e = phase1 ? e1 : e2, count = phase1 ? c1 : c2.
        ShareVector both1 = abb.Concat(e1, c1), both2 = abb.Concat(e2, c2);
        ShareVector delta = (await c.MulAsync((c.Broadcast(_phase1, n + 1), abb.Subtract(both1, both2))).ConfigureAwait(false))[0];
        ShareVector chosen = abb.Add(both2, delta);
        return new EligiblePeople(abb.Slice(chosen, 0, n), null, abb.Slice(chosen, n, 1), r6[3..]);
    }
}
