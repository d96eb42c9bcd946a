using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// Two cheaper paths of the replicated engine that are not part of <see cref="IArithmeticBlackBox"/>: the resharing of
/// companion-less bits that <see cref="ObliviousToolkit.ToArithmeticAsync"/> uses before its one-round B2A, and the
/// grouped inner products summed in place behind <see cref="LocalMaps"/>' InnerProductPiecesAsync. The toolkit asks a
/// black box whether it offers them through this interface, not by its type, so that a black box which forwards to the
/// replicated engine (the lockstep facade of parallel attempts in MpcSortition.Selection, which batches the calls of m
/// attempts into one) reaches them too.
/// </summary>
/// <remarks>
/// <para>Internal (visible to MpcSortition.Selection): an engine written in another assembly does not implement it and
/// takes the generic paths, which give the same results in the same rounds with more bytes (B2A) or a padded copy (the
/// pieces). Only implement it for a black box whose every call ends up on <see cref="ReplicatedBlackBox"/>: the
/// messages and the security argument (docs/security.md §8) are that engine's.</para>
/// <para>Both members are interactive calls of one round: every party must make them with the same public lengths at
/// the same point of the program.</para>
/// </remarks>
internal interface IReplicatedShortcuts
{
    /// <summary>
    /// Makes companion-less (additive) bits a replicated sharing in one round: each party re-randomises its component
    /// with a fresh zero sharing and sends it to its previous party (1 bit per bit). Bits that carry their companion are
    /// returned as they are, without a round.
    /// </summary>
    /// <param name="x">The bits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The same secret bits, with companions.</returns>
    ValueTask<BitShareVector> ToReplicatedAsync(BitShareVector x, CancellationToken cancellationToken);

    /// <summary>
    /// Groups of inner products of replicated operands in one round, each row cut into pieces of at most
    /// <paramref name="pieceLength"/> terms (one output per piece, summed in place; no padded copy). Null, before
    /// anything is sent, when an operand lacks its companion: the caller then takes the padded path.
    /// </summary>
    /// <param name="groups">The groups (checked by the caller: equal lengths, a multiple of the row length).</param>
    /// <param name="pieceLength">The most terms per output, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One vector per group, or null.</returns>
    ValueTask<ShareVector[]?> InnerProductPiecesAsync(IReadOnlyList<(ShareVector X, ShareVector Y, int Length)> groups, int pieceLength, CancellationToken cancellationToken);
}
