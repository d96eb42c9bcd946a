using MpcSortition.Core;
using MpcSortition.Protocols;

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

    /// <summary>Inner products the rule needs at step <c>state.Step</c> (none by default); see
    /// <see cref="SecureGreedyContext.InnerProductsAsync"/>. They are computed in the previous step's removal round
    /// (for step 0 in a round of their own before the steps), so they may use <c>state.Below</c> and
    /// <c>state.Selected</c> only (the other fields are not final yet).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <returns>The groups (x, y, row length, rows).</returns>
    internal virtual (ShareVector X, ShareVector Y, int Length, int Outputs)[] AliveRoundProducts(in SecureStepState state) => [];

    /// <summary>Step 1: receives the products of <see cref="AliveRoundProducts"/>, in order.</summary>
    /// <param name="products">The products.</param>
    /// <param name="state">The state at the start of the step.</param>
    internal virtual void TakeAliveRoundProducts(ReadOnlySpan<ShareVector> products, in SecureStepState state)
    {
    }

    /// <summary>Step 2: the P = V(V−1)/2 values D_ab (pair order of <see cref="SecureGreedyContext.PairA"/>) with
    /// D_ab ≥ 0 iff value a is at least as good as value b (|D| &lt; 2^31), and the engine's products
    /// <paramref name="alongside"/> (the draw's), made in the same multiplication round as the rule's own (or in one of
    /// their own when the rule needs none).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <param name="remaining">Per value: alive people with the value.</param>
    /// <param name="alongside">Element-wise products the engine needs in this round.</param>
    /// <returns>Shares of D, and the products of <paramref name="alongside"/> in order.</returns>
    internal abstract ValueTask<(ShareVector D, ShareVector[] Alongside)> PreferenceAsync(SecureStepState state, ShareVector remaining, (ShareVector X, ShareVector Y)[] alongside);

    /// <summary>Step 3: further inputs of the step's batch of sign bits (none by default).</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <returns>The inputs.</returns>
    internal virtual ShareVector[] SignInputs(in SecureStepState state) => [];

    /// <summary>Step 5: further inputs of the step's batch of B2A conversions, made from the sign bits of
    /// <see cref="SignInputs"/> (none by default).</summary>
    /// <param name="signs">The sign bits of <see cref="SignInputs"/>, in order.</param>
    /// <returns>The bits to convert.</returns>
    internal virtual BitShareVector[] BooleanInputs(ReadOnlySpan<BitShareVector> signs) => [];

    /// <summary>Step 6: the people the draw chooses among and their count: either e itself, or y with e = alive ∘ y,
    /// which the engine then multiplies in a round of its own; the engine's inner products <paramref name="alongside"/>
    /// (the draw's rank) go into the rule's first round.</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <param name="winner">The winning value, one-hot (V values).</param>
    /// <param name="remaining">Per value: alive people with the value.</param>
    /// <param name="converted">The arithmetic shares of <see cref="BooleanInputs"/>, in order.</param>
    /// <param name="alongside">Inner-product groups (x, y, row length, rows) of the engine, for the rule's first round.</param>
    /// <returns>The eligible people, with the results of <paramref name="alongside"/>.</returns>
    internal abstract ValueTask<EligiblePeople> EligibleAsync(SecureStepState state, ShareVector winner, ShareVector remaining, ShareVector[] converted, (ShareVector X, ShareVector Y, int Length, int Outputs)[] alongside);

    /// <summary>Step 1: further inner products in the remaining counts' round (none by default), e.g. a count the rule
    /// draws on; the state's fields are final here.</summary>
    /// <param name="state">The state at the start of the step.</param>
    /// <returns>The groups (x, y, row length, rows).</returns>
    internal virtual (ShareVector X, ShareVector Y, int Length, int Outputs)[] RemainingRoundProducts(in SecureStepState state) => [];

    /// <summary>Step 1: receives the products of <see cref="RemainingRoundProducts"/>, in order.</summary>
    /// <param name="products">The products.</param>
    internal virtual void TakeRemainingRoundProducts(ReadOnlySpan<ShareVector> products)
    {
    }

    /// <summary>Step 2: the counts the engine draws on beside the value choice: the V remaining counts (default) and any
    /// further counts of the rule, each below the draw's limit; the rank is Σ_i <see cref="RankWeights"/>_i·r_i.</summary>
    /// <param name="remaining">Per value: alive people with the value.</param>
    /// <returns>V or more counts.</returns>
    internal virtual ShareVector DrawCounts(ShareVector remaining) => remaining;

    /// <summary>Step 6: the weights of the draws of <see cref="DrawCounts"/> in the rank (default: the winner's one-hot).</summary>
    /// <param name="winner">The winning value, one-hot (or zero).</param>
    /// <returns>As many weights as <see cref="DrawCounts"/> has counts.</returns>
    internal virtual ShareVector RankWeights(ShareVector winner) => winner;

    /// <summary>Step 4: a bit (1 value) the winner is ANDed with (one more plane of the winner's AND), or null.</summary>
    /// <param name="signs">The sign bits of <see cref="SignInputs"/>, in order.</param>
    /// <returns>The mask bit, or null.</returns>
    internal virtual BitShareVector? WinnerMask(ReadOnlySpan<BitShareVector> signs) => null;

    /// <summary>Step 5: [selected_v = min_v − 1] per value (arithmetic 0/1), before <see cref="EligibleAsync"/>.</summary>
    /// <param name="atMinLessOne">The bits.</param>
    internal virtual void TakeUpdateBits(ShareVector atMinLessOne)
    {
    }

    /// <summary>Step 11 (not after the last step): element-wise products in the full/below update's round; pickX is the
    /// pick's one-hot per feature (or zero).</summary>
    /// <param name="pickX">Per value: 1 if the pick has it.</param>
    /// <returns>The pairs.</returns>
    internal virtual (ShareVector X, ShareVector Y)[] RemovalRoundPairs(ShareVector pickX) => [];

    /// <summary>Receives the products of <see cref="RemovalRoundPairs"/>, in order.</summary>
    /// <param name="products">The products.</param>
    internal virtual void TakeRemovalRoundProducts(ReadOnlySpan<ShareVector> products)
    {
    }

    /// <summary>Whether the rule's product trees (if any) are finished; the engine offers every round of its removal
    /// tree (<see cref="TreeRoundPairs"/>) and runs rounds of their own only while this is false afterwards.</summary>
    internal virtual bool TreeDone => true;

    /// <summary>The next level of the rule's product trees (element-wise pairs), for a round of the removal tree.</summary>
    /// <returns>The pairs (none when <see cref="TreeDone"/>).</returns>
    internal virtual (ShareVector X, ShareVector Y)[] TreeRoundPairs() => [];

    /// <summary>Receives the products of <see cref="TreeRoundPairs"/>, in order.</summary>
    /// <param name="products">The products.</param>
    internal virtual void TakeTreeRoundProducts(ReadOnlySpan<ShareVector> products)
    {
    }

    /// <summary>For the test observer: this party's share of the step's phase bit (1 in two-phase's phase 1; 0 when the
    /// strategy has no phases).</summary>
    internal virtual uint PhaseShare => 0;

    /// <summary>
    /// The inner products for the people with the winning value w: y[j] = Σ_v w[v]·x[j,v] (n rows over the reduced
    /// columns, plus Σ_f w[last f] locally) and count = Σ_v w[v]·remaining[v] (one row of V): add them to one
    /// <see cref="SecureGreedyContext.InnerProductsAsync"/> call, then <see cref="WinnerMembers"/>.
    /// </summary>
    /// <param name="winner">w.</param>
    /// <param name="remaining">Per value: alive people with the value.</param>
    /// <returns>Two groups.</returns>
    protected (ShareVector X, ShareVector Y, int Length, int Outputs)[] WinnerProducts(ShareVector winner, ShareVector remaining) =>
    [
        (Context.Xr, Context.ReducedCols(winner), Context.R, Context.N),
        (winner, remaining, Context.V, 1),
    ];

    /// <summary>y (everyone with the winning value, alive or not) and the count of the alive ones, from the products of
    /// <see cref="WinnerProducts"/>.</summary>
    /// <param name="winner">w.</param>
    /// <param name="products">The two results.</param>
    /// <returns>y and the count.</returns>
    protected (ShareVector HasWinner, ShareVector Count) WinnerMembers(ShareVector winner, ReadOnlySpan<ShareVector> products) =>
        (Context.Abb.Add(products[0], Context.Broadcast(Context.LastValueSum(winner), Context.N)), products[1]);
}

/// <summary>The outcome of step 6: <see cref="Eligible"/> = e, or <see cref="Members"/> = y with e = alive ∘ y.</summary>
/// <param name="Eligible">e, or null.</param>
/// <param name="Members">y when <paramref name="Eligible"/> is null.</param>
/// <param name="Count">Σ_j e[j].</param>
/// <param name="Extra">The results of the engine's inner products passed to <see cref="SecureStepRule.EligibleAsync"/>.</param>
internal readonly record struct EligiblePeople(ShareVector? Eligible, ShareVector? Members, ShareVector Count, ShareVector[] Extra);

/// <summary>The shared state at the start of a step.</summary>
/// <param name="Step">The step number t (0-based).</param>
/// <param name="Alive">alive[j]: 0/1 per person.</param>
/// <param name="Selected">selected[v]: panel members per value so far.</param>
/// <param name="Below">below[v] = [selected[v] &lt; min[v]].</param>
/// <param name="Deficit">deficit[v] = max(min[v] − selected[v], 0).</param>
internal readonly record struct SecureStepState(int Step, ShareVector Alive, ShareVector Selected, ShareVector Below, ShareVector Deficit);
