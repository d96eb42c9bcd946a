using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Cli;

/// <summary>
/// The jointly random tape of a provider node with a commitment: provider i draws a fresh 16-byte contribution s_i from
/// the operating system, publishes SHA-256("MpcSortition.tape-contribution.v1" ‖ round id ‖ i ‖ s_i) to its peers before
/// the draw, and uses the AES-CTR expansion of s_i as its XOR share of the tape words. The words are the XOR of the
/// three expansions: no provider knows them, and they are uniform if one provider is honest. The three providers can
/// later open their contributions (kept privately by each) to show which tape was used.
/// </summary>
internal sealed class ContributionTape : ISharedTape, IDisposable
{
    private readonly AesCtrPrg _prg;

    internal ContributionTape(byte[] roundId, int party)
    {
        Contribution = AesCtrPrg.CreateSeed();
        Commitment = Commit(roundId, party, Contribution);
        _prg = new AesCtrPrg(Contribution);
    }

    /// <summary>This provider's contribution (private to it).</summary>
    internal byte[] Contribution { get; }

    /// <summary>The commitment it publishes before the draw.</summary>
    internal byte[] Commitment { get; }

    internal static byte[] Commit(ReadOnlySpan<byte> roundId, int party, ReadOnlySpan<byte> contribution)
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

    public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
    {
        ArgumentNullException.ThrowIfNull(abb);
        var words = new ulong[count];
        _prg.Fill(words);
        return abb.FromBitShares(words, checked(64 * count));
    }

    public void Dispose() => _prg.Dispose();

    public override string ToString() => "ContributionTape";
}

/// <summary>Passes words through from another tape and reports each attempt (one call per attempt) on standard error.</summary>
internal sealed class ProgressTape(ISharedTape inner, int party, int maxAttempts, Stopwatch clock) : ISharedTape
{
    private int _attempt;

    public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
    {
        _attempt++;
        Console.Error.WriteLine($"party {party}: attempt {_attempt} of at most {maxAttempts} ({clock.Elapsed.TotalSeconds:F1} s)");
        return inner.NextWords(abb, count);
    }

    public override string ToString() => "ProgressTape";
}
