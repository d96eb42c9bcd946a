using MpcSortition.Core;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The seam between the secure strategies: the parts of one step of <see cref="SecureGreedyEngine"/> in which the
/// strategies differ. The engine runs the shared skeleton of every step (alive ∘ x and the remaining counts, one batch of
/// sign bits, the winning value, one batch of B2A, the draw, the pick and the update) and asks the rule, at fixed
/// points, for what its strategy adds; a rule may add inputs to the engine's batches so that it costs no extra round.
/// </summary>
/// <remarks>
/// One instance serves one attempt (it may keep values from one hook to the next within a step). Every hook is called
/// at every step, in the order of the members below, with shares only; what a hook does may depend on public
/// parameters (n, V, F, k, the quotas, the step number) but never on a secret, so the rounds and message sizes of a
/// step stay a function of the public parameters.
/// </remarks>
internal abstract class SecureStepRule
{
    /// <summary>Creates the rule for one attempt.</summary>
    /// <param name="context">The attempt's shared machinery.</param>
    protected SecureStepRule(SecureGreedyContext context)
    {
        Context = context;
    }

    /// <summary>The attempt's shared machinery.</summary>
    protected SecureGreedyContext Context { get; }

    /// <summary>Step 1: products to multiply in the same round as alive ∘ x (none by default).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <returns>The (x, y) pairs.</returns>
    internal virtual (ShareVector X, ShareVector Y)[] AliveRoundProducts(in SecureStepState state) => [];

    /// <summary>Step 1: receives the products of <see cref="AliveRoundProducts"/>, in order.</summary>
    /// <param name="products">The products.</param>
    /// <param name="state">The state at the start of the step.</param>
    internal virtual void TakeAliveRoundProducts(ReadOnlySpan<ShareVector> products, in SecureStepState state)
    {
    }

    /// <summary>Step 2: the P = V(V−1)/2 values D_ab (pair order of <see cref="SecureGreedyContext.PairA"/>) with
    /// D_ab ≥ 0 iff value a is at least as good as value b (|D| &lt; 2^31).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <param name="remaining">Per value: alive people with the value.</param>
    /// <returns>Shares of D.</returns>
    internal abstract ValueTask<ShareVector> PreferenceAsync(SecureStepState state, ShareVector remaining);

    /// <summary>Step 3: further inputs of the step's batch of sign bits (none by default).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <returns>The inputs.</returns>
    internal virtual ShareVector[] SignInputs(in SecureStepState state) => [];

    /// <summary>Step 5: further inputs of the step's batch of B2A conversions, made from the sign bits of
    /// <see cref="SignInputs"/> (none by default).</summary>
    /// <param name="signs">The sign bits of <see cref="SignInputs"/>, in order.</param>
    /// <returns>The bits to convert.</returns>
    internal virtual BitShareVector[] BooleanInputs(ReadOnlySpan<BitShareVector> signs) => [];

    /// <summary>Step 6: e[j] = 1 for the people the draw chooses among, and their count.</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <param name="winner">The winning value, one-hot (V values).</param>
    /// <param name="aliveX">alive ∘ x (n × V).</param>
    /// <param name="converted">The arithmetic shares of <see cref="BooleanInputs"/>, in order.</param>
    /// <returns>e (n values) and the count (one value).</returns>
    internal abstract ValueTask<(ShareVector Eligible, ShareVector Count)> EligibleAsync(SecureStepState state, ShareVector winner, ShareVector aliveX, ShareVector[] converted);

    /// <summary>For the test observer: this party's share of the step's phase bit (1 in two-phase's phase 1; 0 when the
    /// strategy has no phases).</summary>
    internal virtual uint PhaseShare => 0;

    /// <summary>
    /// The people with the winning value: e[j] = Σ_v w[v]·(alive ∘ x)[j, v] (one multiplication round, n·V) — callers
    /// may batch the product with others instead; count = Σ_j e[j] = Σ_v w[v]·remaining[v] (local).
    /// </summary>
    /// <param name="winnerProduct">The product of <see cref="SecureGreedyContext.Cols"/>(w) with alive ∘ x.</param>
    /// <returns>e and its sum.</returns>
    protected (ShareVector Eligible, ShareVector Count) WinnerMembers(ShareVector winnerProduct)
    {
        ShareVector eligible = Context.RowSums(winnerProduct, Context.V);
        return (eligible, Context.Sum(eligible));
    }
}

/// <summary>The shared state at the start of a step.</summary>
/// <param name="Step">The step number t (0-based).</param>
/// <param name="Alive">alive[j]: 0/1 per person.</param>
/// <param name="Selected">selected[v]: panel members per value so far.</param>
/// <param name="Below">below[v] = [selected[v] &lt; min[v]].</param>
/// <param name="Deficit">deficit[v] = max(min[v] − selected[v], 0).</param>
internal readonly record struct SecureStepState(int Step, ShareVector Alive, ShareVector Selected, ShareVector Below, ShareVector Deficit);
