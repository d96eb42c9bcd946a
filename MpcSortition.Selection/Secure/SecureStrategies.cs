using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// A selection strategy on secret-shared data: one attempt, run by every provider on its own black box (SPMD), that
/// makes exactly the choices of the plaintext reference strategy of the same name for the same tape words, and opens
/// nothing. <see cref="SecureSelector"/> adds the retries and the declared openings.
/// </summary>
/// <remarks>Implementable in another assembly: compose a built-in strategy or build the outcome with the public
/// <see cref="SecureAttempt"/> constructor. <see cref="SecureSelector"/> checks the outcome's lengths against the pool
/// before it opens anything; that the strategy mirrors its reference, and that its rounds depend only on public
/// parameters, is the implementer's to prove (the built-in ones are tested step by step).</remarks>
public interface ISecureSelectionStrategy
{
    /// <summary>The name of the reference strategy it mirrors (<c>legacy</c>, <c>legacy-clamped</c>, <c>two-phase</c>).</summary>
    string Name { get; }

    /// <summary>Runs one attempt on shares. Reads the k words of <paramref name="tape"/>; opens nothing.</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="pool">This party's view of the pool.</param>
    /// <param name="tape">64·k shared bits: word t drives step t.</param>
    /// <param name="cancellationToken">Cancels the attempt (the session is unusable afterwards).</param>
    /// <returns>Shares of the attempt's outcome.</returns>
    ValueTask<SecureAttempt> AttemptAsync(IArithmeticBlackBox abb, SecurePool pool, BitShareVector tape, CancellationToken cancellationToken = default);
}

/// <summary>
/// The shared outcome of one secure attempt; nothing in it has been opened. A strategy written outside this library
/// creates it from its own shares (or composes the outcome of a built-in strategy); <see cref="SecureSelector"/> checks
/// the lengths against the pool before it opens anything.
/// </summary>
public sealed class SecureAttempt
{
    /// <summary>Creates the outcome from this party's shares.</summary>
    /// <param name="success">One shared bit: 1 iff the attempt succeeded.</param>
    /// <param name="panel">n shared values: 1 for a panel member, 0 otherwise.</param>
    /// <param name="pickOrder">n shared values: t + 1 for the member picked at step t, 0 for everyone else.</param>
    /// <param name="composition">V shared values: panel members per feature value.</param>
    /// <exception cref="ArgumentException"><paramref name="success"/> is not one bit, <paramref name="panel"/> and
    /// <paramref name="pickOrder"/> differ in length, or the shares belong to different parties.</exception>
    public SecureAttempt(BitShareVector success, ShareVector panel, ShareVector pickOrder, ShareVector composition)
    {
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(panel);
        ArgumentNullException.ThrowIfNull(pickOrder);
        ArgumentNullException.ThrowIfNull(composition);
        if (success.BitLength != 1)
        {
            throw new ArgumentException($"The success flag is one shared bit, not {success.BitLength}.", nameof(success));
        }

        if (pickOrder.Length != panel.Length)
        {
            throw new ArgumentException($"The pick order has {pickOrder.Length} values for a panel indicator of {panel.Length}.", nameof(pickOrder));
        }

        if (panel.PartyIndex != success.PartyIndex || pickOrder.PartyIndex != success.PartyIndex || composition.PartyIndex != success.PartyIndex)
        {
            throw new ArgumentException("The shares of one attempt must all belong to the same party.", nameof(panel));
        }

        Success = success;
        Panel = panel;
        PickOrder = pickOrder;
        Composition = composition;
    }

    /// <summary>One shared bit: 1 iff the reference attempt with the same words succeeds.</summary>
    public BitShareVector Success { get; }

    /// <summary>n shared values: 1 for a panel member, 0 otherwise (meaningful only when <see cref="Success"/> is 1).</summary>
    public ShareVector Panel { get; }

    /// <summary>n shared values: t + 1 for the member picked at step t, 0 for everyone else (meaningful on success).</summary>
    public ShareVector PickOrder { get; }

    /// <summary>V shared values: the number of panel members with each feature value (meaningful on success).</summary>
    public ShareVector Composition { get; }

    /// <summary>Throws unless the outcome fits <paramref name="pool"/> and belongs to <paramref name="party"/>.</summary>
    internal void Validate(SecurePool pool, int party, string strategy)
    {
        SecureSelectionLayout layout = pool.Layout;
        if (Success.PartyIndex != party || Panel.Length != layout.CandidateCount || Composition.Length != layout.ValueCount)
        {
            throw new InvalidOperationException(
                $"The strategy '{strategy}' returned an attempt of party {Success.PartyIndex} with {Panel.Length} panel values and {Composition.Length} composition values; " +
                $"party {party} expects n = {layout.CandidateCount} and V = {layout.ValueCount}.");
        }
    }
}

/// <summary>
/// The secure counterpart of <see cref="LegacyGreedy"/>: the Sortition Foundation's legacy greedy on shares
/// (paper-era need = min − selected by default, or clamped at 0). See docs/secure-selection.md for the circuit.
/// </summary>
/// <param name="clamped">Whether need is clamped at 0 (<c>legacy-clamped</c>).</param>
public sealed class SecureLegacyGreedy(bool clamped = false) : ISecureSelectionStrategy
{
    /// <summary>Whether need is clamped at 0.</summary>
    public bool Clamped { get; } = clamped;

    /// <inheritdoc/>
    public string Name => Clamped ? "legacy-clamped" : "legacy";

    /// <summary>Test hook: receives this party's shares of every step (never opened).</summary>
    internal ISecureStepObserver? Observer { get; set; }

    /// <inheritdoc/>
    public ValueTask<SecureAttempt> AttemptAsync(IArithmeticBlackBox abb, SecurePool pool, BitShareVector tape, CancellationToken cancellationToken = default) =>
        new SecureGreedyEngine(abb, pool, context => new LegacyStepRule(context, Clamped), Observer, cancellationToken).RunAsync(tape);
}

/// <summary>The secure counterpart of <see cref="TwoPhaseGreedy"/> (the seed paper's two-phase outline) on shares.</summary>
public sealed class SecureTwoPhaseGreedy : ISecureSelectionStrategy
{
    /// <inheritdoc/>
    public string Name => "two-phase";

    /// <summary>Test hook: receives this party's shares of every step (never opened).</summary>
    internal ISecureStepObserver? Observer { get; set; }

    /// <inheritdoc/>
    public ValueTask<SecureAttempt> AttemptAsync(IArithmeticBlackBox abb, SecurePool pool, BitShareVector tape, CancellationToken cancellationToken = default) =>
        new SecureGreedyEngine(abb, pool, context => new TwoPhaseStepRule(context), Observer, cancellationToken).RunAsync(tape);
}

/// <summary>Maps the reference strategies to their secure counterparts.</summary>
public static class SecureStrategies
{
    /// <summary>The secure strategy mirroring <paramref name="reference"/>.</summary>
    /// <param name="reference">A <see cref="LegacyGreedy"/> or <see cref="TwoPhaseGreedy"/>.</param>
    /// <returns>The secure strategy.</returns>
    /// <exception cref="ArgumentException">Another strategy type.</exception>
    public static ISecureSelectionStrategy For(ISelectionStrategy reference) => reference switch
    {
        null => throw new ArgumentNullException(nameof(reference)),
        LegacyGreedy legacy => new SecureLegacyGreedy(legacy.Clamped),
        TwoPhaseGreedy => new SecureTwoPhaseGreedy(),
        _ => throw new ArgumentException($"No secure counterpart of the strategy '{reference.Name}'.", nameof(reference)),
    };
}

/// <summary>Test hook: one party's shares of what happened at one step.</summary>
internal interface ISecureStepObserver
{
    /// <summary>Called once per step, with this party's shares only.</summary>
    void OnStep(int party, int step, SecureStepShares shares);
}

/// <summary>One party's shares of one step: the tape word (XOR share), the chosen value's one-hot vector, the phase
/// bit (two-phase: 1 in phase 1), the rank r, and the one-hot pick vector.</summary>
internal sealed record SecureStepShares(ulong Word, uint[] Winner, uint Phase1, uint Rank, uint[] Pick);
