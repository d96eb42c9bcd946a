using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>Options of <see cref="SecureSelector.SelectAsync"/>.</summary>
public sealed class SecureSelectionOptions
{
    /// <summary>Attempts before giving up; at least 1. Default <see cref="PanelSelector.DefaultAttempts"/>.</summary>
    public int MaxAttempts { get; init; } = PanelSelector.DefaultAttempts;

    /// <summary>The party that receives the panel (the analyser's provider). Default 0.</summary>
    public int Analyser { get; init; }

    /// <summary>Where the tape words come from; <see langword="null"/> (default) for <see cref="JointRandomTape"/>.</summary>
    public ISharedTape? Tape { get; init; }

    /// <summary>Also open the panel's composition (members per feature value) to the analyser. Default false.</summary>
    public bool RevealComposition { get; init; }

    /// <summary>Open each member's pick position (1..k) instead of a 0/1 indicator, so the analyser gets the panel in pick
    /// order as the reference returns it. The order reveals a little about the pool (which values were short), so
    /// the default is false: the analyser gets the panel in pool order.</summary>
    public bool RevealPickOrder { get; init; }

    /// <summary>How many attempts run as one batched computation (m): the m attempts read the same tape words as m
    /// sequential attempts, run with the rounds of one attempt and m times its bytes, and only the index of the first
    /// success (or that all m failed) is opened, so the panel and the leakage are those of sequential retries. 1 runs
    /// the attempts one after another; 0 (default) chooses m from the pool's size
    /// (<see cref="SecureSelector.AutomaticParallelAttempts"/>). Every party must use the same value.</summary>
    public int ParallelAttempts { get; init; }

    /// <summary>Called after each batch whose outcome was opened, with the number of attempts known to have failed so
    /// far (for a provider's run log).</summary>
    internal Action<int>? AttemptsFailed { get; init; }
}

/// <summary>The outcome of a secure selection at one party.</summary>
public sealed class SecureSelectionResult
{
    internal SecureSelectionResult(int attempts, int[]? panel, int[]? composition, SessionCost cost, ShareVector sharedPanel)
    {
        Attempts = attempts;
        Cost = cost;
        _panel = panel;
        _composition = composition;
        SharedPanel = sharedPanel;
    }

    private readonly int[]? _panel;
    private readonly int[]? _composition;

    /// <summary>The 1-based number of the attempt that succeeded (public: every party learns each success bit).</summary>
    public int Attempts { get; }

    /// <summary>This party's traffic during the selection (all attempts and the final openings).</summary>
    public SessionCost Cost { get; }

    /// <summary>Whether this party is the analyser and holds the panel.</summary>
    public bool HasPanel => _panel is not null;

    /// <summary>At the analyser: the panel as candidate indexes (pool order, or pick order with
    /// <see cref="SecureSelectionOptions.RevealPickOrder"/>); <see langword="null"/> at the other parties.</summary>
    public IReadOnlyList<int>? Panel => _panel;

    /// <summary>At the analyser, when <see cref="SecureSelectionOptions.RevealComposition"/> is set: members per global
    /// value index; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<int>? Composition => _composition;

    /// <summary>At every party: this party's shares of the successful attempt's panel indicator (n values, 1 for a
    /// member, 0 otherwise, pool order), still secret-shared, for computations on the panel after the selection in the
    /// same session (for example opening the members' contact details to the analyser without the analyser feeding the
    /// panel back in). SECRET: these are shares; never log or send them. They are meaningful only with the black box that
    /// made them.</summary>
    public ShareVector SharedPanel { get; }

    /// <summary>Describes the result without the panel.</summary>
    /// <returns>The attempt count and whether this party holds the panel.</returns>
    public override string ToString() => $"SecureSelectionResult(attempt {Attempts}, {(HasPanel ? "panel held" : "no panel at this party")})";
}

/// <summary>Every secure attempt failed. The secure selector does not learn why (it would be leakage).</summary>
public sealed class SecureSelectionFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="attempts">How many attempts were made.</param>
    public SecureSelectionFailedException(int attempts)
        : base($"No panel found after {attempts} attempt{(attempts == 1 ? string.Empty : "s")} (the secure selector reveals only that each attempt failed, not why).")
    {
        Attempts = attempts;
    }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }
}

/// <summary>
/// Runs a secure strategy with retries and performs the only openings of a secure selection: per attempt one success
/// bit (to every provider: they must agree whether to retry), and on success the panel, to the analyser only
/// (optionally with its composition). Every party calls this with the same public arguments (SPMD).
/// </summary>
public static class SecureSelector
{
    /// <summary>Audit label of the per-attempt success bit (declared leakage).</summary>
    public const string SuccessLabel = "selection: success bit of one attempt (declared leakage)";

    /// <summary>Audit label of the panel opened to the analyser.</summary>
    public const string PanelLabel = "selection: panel indicator, to the analyser only";

    /// <summary>Audit label of the panel's pick positions opened to the analyser.</summary>
    public const string PickOrderLabel = "selection: panel pick positions, to the analyser only";

    /// <summary>Audit label of the composition opened to the analyser.</summary>
    public const string CompositionLabel = "selection: panel composition per feature value, to the analyser only";

    /// <summary>Audit label of the replicated engine's masked opening of the pool's shares minus a fresh random mask, once
    /// per attempt (uniform: reveals nothing; it makes the shares replicated; see docs/secure-selection.md §4).</summary>
    public const string MaskedPoolLabel = "selection: pool shares minus a fresh random mask (makes them replicated)";

    /// <summary>Audit label of the opening that ends a batch of parallel attempts: the one-hot vector of the first
    /// successful attempt in tape order (all zero when every attempt of the batch failed). Declared leakage, exactly what
    /// the success bits of sequential retries up to the first success reveal.</summary>
    public const string FirstSuccessLabel = "selection: which attempt of a parallel batch succeeded first, or none (declared leakage)";

    /// <summary>The largest m that <see cref="AutomaticParallelAttempts"/> chooses.</summary>
    public const int MaxAutomaticParallelAttempts = 16;

    /// <summary>The work budget of an automatic batch: m·n·V one-hot entries at most, 2^17 (see docs/secure-selection.md §8).</summary>
    public const int AutomaticBatchEntries = 1 << 17;

    /// <summary>
    /// The number of attempts batched when <see cref="SecureSelectionOptions.ParallelAttempts"/> is 0: ⌊2^17 / (n·V)⌋,
    /// at least 1 and at most <see cref="MaxAutomaticParallelAttempts"/>. It depends on public parameters only, so every
    /// provider resolves it to the same m. An attempt's rounds (and so its waiting on the network) do not depend on n,
    /// while its computation and memory grow with n·V: small pools run up to 16 attempts per batch, and from n·V above
    /// 2^16 (about n = 2 200 at V = 30) a batch is 1 attempt (the sequential run), because a batch costs m times the
    /// memory and computation of an attempt whose own round trips no longer dominate.
    /// </summary>
    /// <param name="layout">The public layout.</param>
    /// <returns>m, between 1 and <see cref="MaxAutomaticParallelAttempts"/>.</returns>
    public static int AutomaticParallelAttempts(SecureSelectionLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        long entries = Math.Max(1L, (long)layout.CandidateCount * layout.ValueCount);
        return (int)Math.Clamp(AutomaticBatchEntries / entries, 1L, MaxAutomaticParallelAttempts);
    }

    /// <summary>The m that a <see cref="SecureSelectionOptions.ParallelAttempts"/> value asks for on
    /// <paramref name="layout"/>: the value itself, or the automatic choice for 0; never more than the attempt limit.</summary>
    /// <param name="layout">The public layout.</param>
    /// <param name="parallelAttempts">The option's value (0 = automatic).</param>
    /// <param name="maxAttempts">The attempt limit.</param>
    /// <returns>m ≥ 1.</returns>
    public static int ResolveParallelAttempts(SecureSelectionLayout layout, int parallelAttempts, int maxAttempts)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegative(parallelAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        int m = parallelAttempts == 0 ? AutomaticParallelAttempts(layout) : parallelAttempts;
        return Math.Min(m, maxAttempts);
    }

    /// <summary>The selection's masked-opening labels: openings of uniform values that reveal nothing. Since the draw
    /// returns a replicated rank (issue 15 item 3) this is <see cref="MaskedPoolLabel"/> alone.</summary>
    public static IReadOnlyList<string> MaskedLabels { get; } = [MaskedPoolLabel];

    /// <summary>
    /// Checks the public feasibility conditions, then runs up to <see cref="SecureSelectionOptions.MaxAttempts"/>
    /// attempts; attempt a reads the next k words of the tape.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="pool">This party's view of the pool.</param>
    /// <param name="strategy">The secure strategy.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the selection.</param>
    /// <returns>The result (the panel at the analyser only).</returns>
    /// <exception cref="InfeasibleQuotasException">The public quotas cannot be met by any panel.</exception>
    /// <exception cref="SecureSelectionFailedException">Every attempt failed.</exception>
    public static async ValueTask<SecureSelectionResult> SelectAsync(IArithmeticBlackBox abb, SecurePool pool, ISecureSelectionStrategy strategy, SecureSelectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(strategy);
        options ??= new SecureSelectionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ParallelAttempts, nameof(options));
        if (options.Analyser < 0 || options.Analyser >= abb.PartyCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Analyser, $"The analyser must be a party index 0..{abb.PartyCount - 1}.");
        }

        SecureSelectionLayout layout = pool.Layout;
        IReadOnlyList<FeasibilityViolation> infeasible = layout.CheckPublicFeasibility();
        if (infeasible.Count > 0)
        {
            throw new InfeasibleQuotasException(infeasible);
        }

        ISharedTape tape = options.Tape ?? JointRandomTape.Instance;
        SessionCost start = abb.Cost;
        int k = layout.PanelSize;
        int parallel = ResolveParallelAttempts(layout, options.ParallelAttempts, options.MaxAttempts);
        if (parallel > 1)
        {
            return await SelectInBatchesAsync(abb, pool, strategy, options, tape, parallel, start, cancellationToken).ConfigureAwait(false);
        }

        for (int a = 0; a < options.MaxAttempts; a++)
        {
            BitShareVector words = (await WithCompanionsAsync(abb, [NextWords(abb, tape, k)], cancellationToken).ConfigureAwait(false))[0];
            SecureAttempt attempt = await strategy.AttemptAsync(abb, pool, words, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The strategy '{strategy.Name}' returned no attempt.");
            attempt.Validate(pool, abb.PartyIndex, strategy.Name);
            ulong[] success = await abb.OpenBitsAsync(attempt.Success, SuccessLabel, cancellationToken).ConfigureAwait(false);
            if ((success[0] & 1) == 0)
            {
                options.AttemptsFailed?.Invoke(a + 1);
                continue;
            }

            return await OpenOutcomeAsync(abb, attempt, a + 1, options, k, start, cancellationToken).ConfigureAwait(false);
        }

        throw new SecureSelectionFailedException(options.MaxAttempts);
    }

    /// <summary>
    /// Batches of m attempts (the last one smaller when the limit is not a multiple of m): the batch reads the next m·k
    /// words in tape order (attempt i of the batch exactly the words sequential attempt i would read), runs the m attempts
    /// in lockstep as one computation (<see cref="Lockstep"/>), computes the one-hot vector of the first success under
    /// MPC and opens only that (<see cref="FirstSuccessLabel"/>); then the panel of that attempt goes to the analyser.
    /// </summary>
    private static async ValueTask<SecureSelectionResult> SelectInBatchesAsync(IArithmeticBlackBox abb, SecurePool pool, ISecureSelectionStrategy strategy, SecureSelectionOptions options, ISharedTape tape, int parallel, SessionCost start, CancellationToken cancellationToken)
    {
        int k = pool.Layout.PanelSize;
        for (int first = 0; first < options.MaxAttempts; first += parallel)
        {
            int m = Math.Min(parallel, options.MaxAttempts - first);
            var words = new BitShareVector[m];
            for (int i = 0; i < m; i++)
            {
                words[i] = NextWords(abb, tape, k);
            }

            words = await WithCompanionsAsync(abb, words, cancellationToken).ConfigureAwait(false);

            SecureAttempt[] attempts = await Lockstep.RunAsync(
                abb,
                m,
                async (i, facade) => await strategy.AttemptAsync(facade, pool, words[i], cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The strategy '{strategy.Name}' returned no attempt."),
                cancellationToken).ConfigureAwait(false);
            foreach (SecureAttempt attempt in attempts)
            {
                attempt.Validate(pool, abb.PartyIndex, strategy.Name);
            }

            int winner = await FirstSuccessAsync(abb, attempts.Select(a => a.Success).ToArray(), cancellationToken).ConfigureAwait(false);
            if (winner < 0)
            {
                options.AttemptsFailed?.Invoke(first + m);
                continue;
            }

            return await OpenOutcomeAsync(abb, attempts[winner], first + winner + 1, options, k, start, cancellationToken).ConfigureAwait(false);
        }

        throw new SecureSelectionFailedException(options.MaxAttempts);
    }

    /// <summary>
    /// The index of the first 1 among m shared bits, opening only that index (or that there is none): with the exclusive
    /// prefix OR q_i = s_0 ∨ … ∨ s_{i−1} (q_0 = 0; Kogge–Stone, ⌈log2(m − 1)⌉ AND rounds), f_i = s_i ∧ ¬q_i is the
    /// one-hot vector of the first success, or all zero. Every f_i is the output of one AND gate (a fresh sharing), so
    /// its opening shows the value only. One more round for the AND and one for the opening.
    /// </summary>
    /// <returns>The index, or −1 when every bit is 0.</returns>
    internal static async ValueTask<int> FirstSuccessAsync(IArithmeticBlackBox abb, BitShareVector[] success, CancellationToken cancellationToken)
    {
        int m = success.Length;
        BitShareVector s = abb.ConcatBits(success);
        BitShareVector q = ShiftUp(abb, s, 1);
        for (int d = 1; d < m - 1; d *= 2)
        {
            BitShareVector shifted = ShiftUp(abb, q, d);
            BitShareVector both = await abb.AndAsync(q, shifted, cancellationToken).ConfigureAwait(false);
            q = abb.Xor(abb.Xor(q, shifted), both); // q ∨ shifted
        }

        BitShareVector f = await abb.AndAsync(s, abb.Not(q), cancellationToken).ConfigureAwait(false);
        ulong[] opened = await abb.OpenBitsAsync(f, FirstSuccessLabel, cancellationToken).ConfigureAwait(false);
        int found = -1;
        for (int i = 0; i < m; i++)
        {
            if (((opened[i >> 6] >> (i & 63)) & 1) != 0)
            {
                if (found >= 0)
                {
                    throw new InvalidOperationException("Internal error: the first-success vector has more than one 1.");
                }

                found = i;
            }
        }

        return found;
    }

    /// <summary>x shifted towards higher indexes by d (the d lowest bits public zeros).</summary>
    private static BitShareVector ShiftUp(IArithmeticBlackBox abb, BitShareVector x, int d)
    {
        int m = x.BitLength;
        if (d >= m)
        {
            return abb.PublicBits(new ulong[PackedBits.WordCount(m)], m);
        }

        BitShareVector zeros = abb.PublicBits(new ulong[PackedBits.WordCount(d)], d);
        return abb.ConcatBits(zeros, abb.SliceBits(x, 0, m - d));
    }

    private static BitShareVector NextWords(IArithmeticBlackBox abb, ISharedTape tape, int k)
    {
        BitShareVector words = tape.NextWords(abb, k)
            ?? throw new InvalidOperationException("The shared tape returned no words.");
        if (words.BitLength != 64 * k || words.PartyIndex != abb.PartyIndex)
        {
            throw new InvalidOperationException($"The shared tape returned party {words.PartyIndex}'s {words.BitLength} bits; party {abb.PartyIndex} asked for {64 * k} (k = {k} words).");
        }

        return words;
    }

    /// <summary>
    /// On the replicated engine, makes tape words without companions (the providers' <c>ContributionTape</c>: each
    /// party's own XOR share) a replicated sharing before the attempts use them: one resharing round for all the given
    /// words, 1 bit per bit to the previous party (the engine's resharing, docs/security.md §8 "Conversions"). Without
    /// it the attempt's draw gets additive bits, its results stay additive, and every later product and inner product
    /// of the attempt re-shares its operands: 4.4 times the bytes of an attempt on the fixture, 6.6 times at n = 1 000.
    /// Words that carry their companions (a public tape, <see cref="JointRandomTape"/>) come back without a round; on
    /// other engines the words are returned as they are.
    /// </summary>
    private static async ValueTask<BitShareVector[]> WithCompanionsAsync(IArithmeticBlackBox abb, BitShareVector[] words, CancellationToken cancellationToken)
    {
        if (abb is not IReplicatedShortcuts replicated || words.Length == 0)
        {
            return words;
        }

        BitShareVector all = await replicated.ToReplicatedAsync(words.Length == 1 ? words[0] : abb.ConcatBits(words), cancellationToken).ConfigureAwait(false);
        var result = new BitShareVector[words.Length];
        for (int i = 0, at = 0; i < words.Length; at += words[i].BitLength, i++)
        {
            result[i] = abb.SliceBits(all, at, words[i].BitLength);
        }

        return result;
    }

    /// <summary>Opens the successful attempt's panel (and the options' extras) to the analyser.</summary>
    private static async ValueTask<SecureSelectionResult> OpenOutcomeAsync(IArithmeticBlackBox abb, SecureAttempt attempt, int attemptNumber, SecureSelectionOptions options, int k, SessionCost start, CancellationToken cancellationToken)
    {
        uint[]? opened = options.RevealPickOrder
            ? await abb.OpenToAsync(attempt.PickOrder, options.Analyser, PickOrderLabel, cancellationToken).ConfigureAwait(false)
            : await abb.OpenToAsync(attempt.Panel, options.Analyser, PanelLabel, cancellationToken).ConfigureAwait(false);
        uint[]? composition = options.RevealComposition
            ? await abb.OpenToAsync(attempt.Composition, options.Analyser, CompositionLabel, cancellationToken).ConfigureAwait(false)
            : null;
        return new SecureSelectionResult(attemptNumber, opened is null ? null : ToPanel(opened, k, options.RevealPickOrder), composition?.Select(c => (int)c).ToArray(), abb.Cost - start, attempt.Panel);
    }

    private static int[] ToPanel(uint[] opened, int k, bool pickOrder)
    {
        var members = new List<(uint Key, int Index)>(k);
        for (int j = 0; j < opened.Length; j++)
        {
            if (opened[j] != 0)
            {
                members.Add((pickOrder ? opened[j] : 0u, j));
            }
        }

        if (members.Count != k || (pickOrder && members.Select(m => m.Key).Distinct().Count() != k))
        {
            throw new InvalidOperationException($"Internal error: the opened panel has {members.Count} members instead of {k}.");
        }

        return members.OrderBy(m => m.Key).ThenBy(m => m.Index).Select(m => m.Index).ToArray();
    }
}
