using System.Diagnostics;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Providers;

public sealed partial class ProviderRunResult
{
    /// <summary>With <see cref="ProviderRun.RunInSessionAsync"/>: this provider's shares of the panel indicator (n values,
    /// 1 for a member, pool order), kept secret-shared for computations on the panel in the same session, such as opening
    /// the members' contact details to the analyser (<c>IntakeChecks.OpenPanelContactsAsync</c>). SECRET: shares; never log
    /// or send them. <see langword="null"/> after <see cref="ProviderRun.RunAsync"/> (its session is closed).</summary>
    public ShareVector? SharedPanel { get; internal set; }

    /// <summary>The selector's shared panel, kept only for <see cref="ProviderRun.RunInSessionAsync"/> to hand out.</summary>
    internal ShareVector? SharedPanelFromSelection { get; }
}

public static partial class ProviderRun
{
    /// <summary>
    /// Runs the round at this provider inside a session the caller already holds and keeps open: computations on the same
    /// pool may come before (for example a sign-up intake's well-formedness check, which decides the round's candidates)
    /// and after it (opening the panel members' contact blocks with <see cref="ProviderRunResult.SharedPanel"/>). The
    /// steps are those of <see cref="RunAsync"/>: the agreement (sent over <paramref name="transport"/> directly, before
    /// any secret of this run is used), the committed joint tape or public test seed, the secure selection, the panel
    /// opened to the analyser only. The caller owns <paramref name="transport"/> and <paramref name="abb"/> and disposes
    /// them; every provider must call this at the same point of the session with the same round and options.
    /// </summary>
    /// <param name="transport">The links under <paramref name="abb"/>'s session (three parties).</param>
    /// <param name="abb">This provider's black box on that session.</param>
    /// <param name="round">The round (e.g. <see cref="RoundDefinition.ForPool"/>).</param>
    /// <param name="shares">This provider's n·V shares, row-major.</param>
    /// <param name="options">The settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The result with <see cref="ProviderRunResult.SharedPanel"/> at every provider; the panel in clear only at the analyser's.</returns>
    /// <exception cref="ArgumentException">The transport or black box does not have three parties or they disagree on
    /// this provider's index, or the number of shares is not n·V.</exception>
    /// <exception cref="ProviderFileException">A public seed was given that the round does not commit to.</exception>
    /// <exception cref="ProviderMismatchException">A peer runs another round or other settings.</exception>
    /// <exception cref="PeerException">A link failed (the message names the peer).</exception>
    /// <exception cref="InfeasibleQuotasException">The public quotas cannot be met.</exception>
    /// <exception cref="SecureSelectionFailedException">Every attempt failed.</exception>
    public static async Task<ProviderRunResult> RunInSessionAsync(ITransport transport, IArithmeticBlackBox abb, RoundDefinition round, ReadOnlyMemory<uint> shares, ProviderRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(abb);
        if (transport is not TranscriptTransport recorder)
        {
            throw new ArgumentException(
                "Wrap the session's transport in a TranscriptTransport before creating the black box (new TranscriptTransport(tls), then SemiHonestBlackBox.CreateAsync on it), so that the signed transcript covers every message of the session.",
                nameof(transport));
        }

        options ??= new ProviderRunOptions();
        Validate(recorder, round, shares, options);
        if (abb.PartyCount != Parties || abb.PartyIndex != transport.PartyIndex)
        {
            throw new ArgumentException($"A provider run has {Parties} parties; the black box is party {abb.PartyIndex} of {abb.PartyCount}, the transport party {transport.PartyIndex}.", nameof(abb));
        }

        ProviderRunResult result = await RunCoreAsync(recorder, () => Task.FromResult(abb), round, shares, options, cancellationToken).ConfigureAwait(false);
        result.SharedPanel = result.SharedPanelFromSelection;
        return result;
    }
}
