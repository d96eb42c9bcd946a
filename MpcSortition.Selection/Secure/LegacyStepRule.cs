using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The secure step of <see cref="SecureLegacyGreedy"/>: the value with the highest need/remaining, need = min − selected
/// (paper-era) or deficit = max(min − selected, 0) (clamped), then a uniform person with that value.
/// </summary>
internal sealed class LegacyStepRule(SecureGreedyContext context, bool clamped) : SecureStepRule(context)
{
    /// <summary>a beats b iff need_a·rem_b ≥ need_b·rem_a: the 2P cross products in one round (with the engine's).</summary>
    internal override async ValueTask<(ShareVector D, ShareVector[] Alongside)> PreferenceAsync(SecureStepState state, ShareVector remaining, (ShareVector X, ShareVector Y)[] alongside)
    {
        SecureGreedyContext c = Context;
        IArithmeticBlackBox abb = c.Abb;
        ShareVector need = clamped ? state.Deficit : abb.AddPublic(abb.Negate(state.Selected), c.Min);
        ShareVector[] cross = await c.MulAsync([
            (c.Gather(need, c.PairA), c.Gather(remaining, c.PairB)),
            (c.Gather(need, c.PairB), c.Gather(remaining, c.PairA)),
            .. alongside]).ConfigureAwait(false);
        return (abb.Subtract(cross[0], cross[1]), cross[2..]);
    }

    /// <summary>The people with the winning value (one round of inner products); alive ∘ y is left to the draw's round.</summary>
    internal override async ValueTask<EligiblePeople> EligibleAsync(SecureStepState state, ShareVector winner, ShareVector remaining, ShareVector[] converted, (ShareVector X, ShareVector Y, int Length, int Outputs)[] alongside)
    {
        ShareVector[] r6 = await Context.InnerProductsAsync([.. WinnerProducts(winner, remaining), .. alongside]).ConfigureAwait(false);
        (ShareVector y, ShareVector count) = WinnerMembers(winner, r6);
        return new EligiblePeople(null, y, count, r6[2..]);
    }
}
