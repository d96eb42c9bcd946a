using System.Buffers.Binary;
using System.Security.Cryptography;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Providers;

/// <summary>
/// The committed joint tape of one provider: provider i draws a fresh 16-byte contribution s_i from the operating
/// system, publishes <see cref="Commit"/>(round id, i, s_i) to its peers before the draw (see
/// <see cref="ProviderAgreement"/>), and uses the AES-128-CTR expansion of s_i as its XOR share of the tape words. The
/// words are the XOR of the three expansions: no provider knows them, and they are uniform as long as one provider is
/// honest. No communication is needed. After the draw <see cref="ProviderRun"/> opens the three contributions to the
/// providers (each checks them against the commitments, <see cref="Verification.TapeReveal"/>) and records them in the
/// signed transcripts, so that an auditor can rebuild the tape (<see cref="Verification.JointTapeReplay"/>) and replay
/// the draw (<see cref="Verification.RunAudit.Replay"/>).
/// </summary>
/// <remarks>Every party must read the same number of words in the same order; the object is not thread-safe.</remarks>
public sealed class ContributionTape : ISharedTape, IDisposable
{
    private readonly byte[] _contribution;
    private readonly byte[] _commitment;
    private readonly AesCtrPrg _prg;

    /// <summary>Draws a fresh contribution for provider <paramref name="party"/> of the round <paramref name="roundId"/>.</summary>
    /// <param name="roundId">The 16-byte round id (binds the commitment to this round).</param>
    /// <param name="party">This provider's index.</param>
    public ContributionTape(ReadOnlySpan<byte> roundId, int party)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        _contribution = AesCtrPrg.CreateSeed();
        _commitment = Commit(roundId, party, _contribution);
        _prg = new AesCtrPrg(_contribution);
    }

    /// <summary>This provider's contribution s_i (16 bytes). Secret: keep it private like the share file; sending it to
    /// anyone before the draw would let them know this provider's share of the tape, and after the draw, together with
    /// the others' contributions, the random words.</summary>
    public ReadOnlyMemory<byte> Contribution => _contribution;

    /// <summary>The commitment SHA-256("MpcSortition.tape-contribution.v1" ‖ round id ‖ party as 4 bytes LE ‖ s_i) that
    /// this provider publishes before the draw.</summary>
    public ReadOnlyMemory<byte> Commitment => _commitment;

    /// <summary>The commitment to a contribution (for checking an opened contribution in an audit).</summary>
    /// <param name="roundId">The 16-byte round id.</param>
    /// <param name="party">The provider's index.</param>
    /// <param name="contribution">The 16-byte contribution.</param>
    /// <returns>32 bytes.</returns>
    public static byte[] Commit(ReadOnlySpan<byte> roundId, int party, ReadOnlySpan<byte> contribution)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.tape-contribution.v1"u8);
        hash.AppendData(roundId);
        Span<byte> p = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(p, party);
        hash.AppendData(p);
        hash.AppendData(contribution);
        return hash.GetHashAndReset();
    }

    /// <inheritdoc/>
    public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var words = new ulong[count];
        _prg.Fill(words);
        return abb.FromBitShares(words, checked(64 * count));
    }

    /// <summary>Forgets the contribution.</summary>
    public void Dispose()
    {
        _prg.Dispose();
        CryptographicOperations.ZeroMemory(_contribution);
    }

    /// <summary>Describes the tape without the contribution.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "ContributionTape";
}
