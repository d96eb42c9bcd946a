namespace MpcSortition.Core;

/// <summary>
/// One party's boolean (XOR) shares of a vector of secret bits, packed 64 per <see cref="ulong"/>:
/// the secret bits are the XOR of all parties' vectors. Immutable; operations return new vectors.
/// </summary>
/// <remarks>
/// XOR of two shared vectors and AND with a public mask are local. XOR with a public vector (and NOT) is
/// applied by party 0 only. Bits past <see cref="BitLength"/> in the last word are always zero.
/// A handle made by a three-party replicated engine may also carry, internally, the next party's share (the
/// companion, see <see cref="ShareVector"/>); the operations here keep it in step (public bits go into component 0:
/// party 0's own share and party 2's companion). <see cref="Words"/> is always this party's XOR share.
/// <see cref="ToString"/> never shows the bits.
/// </remarks>
public sealed class BitShareVector
{
    private readonly ulong[] _words;
    private readonly ulong[]? _next;

    /// <summary>Creates party <paramref name="partyIndex"/>'s shares of <paramref name="bitLength"/> bits from a copy of <paramref name="words"/>.</summary>
    /// <param name="partyIndex">The holder (0-based).</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <param name="words">Exactly ⌈bitLength/64⌉ words; bits past the end are cleared in the copy.</param>
    public BitShareVector(int partyIndex, int bitLength, ReadOnlySpan<ulong> words)
        : this(partyIndex, bitLength, CopyWords(bitLength, words))
    {
    }

    internal BitShareVector(int partyIndex, int bitLength, ulong[] words)
        : this(partyIndex, bitLength, words, null)
    {
    }

    internal BitShareVector(int partyIndex, int bitLength, ulong[] words, ulong[]? next)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        if (next is not null && next.Length != words.Length)
        {
            ThrowHelper.LengthMismatch(nameof(next), words.Length, next.Length);
        }

        PartyIndex = partyIndex;
        BitLength = bitLength;
        _words = words;
        _next = next;
    }

    /// <summary>The backing array, not copied: for engines in this solution that fill results in place.</summary>
    internal ulong[] Array => _words;

    /// <summary>The companion (the next party's share, replicated engines only), not copied; null when absent.</summary>
    internal ulong[]? Next => _next;

    /// <summary>Whether this handle carries the next party's share too.</summary>
    internal bool HasCompanion => _next is not null;

    /// <summary>The holder's 0-based party index.</summary>
    public int PartyIndex { get; }

    /// <summary>Number of shared bits.</summary>
    public int BitLength { get; }

    /// <summary>The packed shares (read-only), ⌈BitLength/64⌉ words.</summary>
    public ReadOnlySpan<ulong> Words => _words;

    /// <summary>Share of x XOR y.</summary>
    /// <param name="other">Shares of y held by the same party, same bit length.</param>
    /// <returns>The shares of the XOR.</returns>
    public BitShareVector Xor(BitShareVector other)
    {
        CheckCompatible(other);
        ulong[] result = GC.AllocateUninitializedArray<ulong>(_words.Length);
        PackedBits.Xor(_words, other._words, result);
        ulong[]? next = null;
        if (_next is not null && other._next is not null)
        {
            next = GC.AllocateUninitializedArray<ulong>(_words.Length);
            PackedBits.Xor(_next, other._next, next);
        }

        return new BitShareVector(PartyIndex, BitLength, result, next);
    }

    /// <summary>Share of x AND m for a public mask m (every party masks its own share).</summary>
    /// <param name="mask">Public packed bits, same word count.</param>
    /// <returns>The masked shares.</returns>
    public BitShareVector AndPublic(ReadOnlySpan<ulong> mask)
    {
        ThrowHelper.CheckSameLength<ulong>(_words, mask, nameof(mask));
        ulong[] result = GC.AllocateUninitializedArray<ulong>(_words.Length);
        PackedBits.And(_words, mask, result);
        ulong[]? next = null;
        if (_next is not null)
        {
            next = GC.AllocateUninitializedArray<ulong>(_words.Length);
            PackedBits.And(_next, mask, next);
        }

        return new BitShareVector(PartyIndex, BitLength, result, next);
    }

    /// <summary>Share of x XOR c for public bits c: party 0 applies c, the others copy their shares.</summary>
    /// <param name="bits">Public packed bits, same word count.</param>
    /// <returns>The shares of x XOR c.</returns>
    public BitShareVector XorPublic(ReadOnlySpan<ulong> bits)
    {
        var result = (ulong[])_words.Clone();
        ThrowHelper.CheckSameLength<ulong>(result, bits, nameof(bits));
        if (PartyIndex == AdditiveSharing.ConstantHolder)
        {
            PackedBits.Xor(result, bits, result);
            PackedBits.ClearTail(result, BitLength);
        }

        ulong[]? next = (ulong[]?)_next?.Clone();
        if (next is not null && PartyIndex == ShareVector.CompanionConstantHolder)
        {
            PackedBits.Xor(next, bits, next);
            PackedBits.ClearTail(next, BitLength);
        }

        return new BitShareVector(PartyIndex, BitLength, result, next);
    }

    /// <summary>Share of NOT x: party 0 flips its bits, the others copy their shares.</summary>
    /// <returns>The shares of the complement.</returns>
    public BitShareVector Not()
    {
        var result = (ulong[])_words.Clone();
        if (PartyIndex == AdditiveSharing.ConstantHolder)
        {
            PackedBits.Not(result, result);
            PackedBits.ClearTail(result, BitLength);
        }

        ulong[]? next = (ulong[]?)_next?.Clone();
        if (next is not null && PartyIndex == ShareVector.CompanionConstantHolder)
        {
            PackedBits.Not(next, next);
            PackedBits.ClearTail(next, BitLength);
        }

        return new BitShareVector(PartyIndex, BitLength, result, next);
    }

    /// <summary>The shares of the bits x[start .. start + bitLength).</summary>
    /// <param name="start">First bit.</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>A new vector (a copy).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the vector.</exception>
    public BitShareVector Slice(int start, int bitLength)
    {
        ThrowHelper.CheckRange(BitLength, start, bitLength);
        var result = new ulong[PackedBits.WordCount(bitLength)];
        PackedBits.CopyBits(_words, start, result, 0, bitLength);
        ulong[]? next = null;
        if (_next is not null)
        {
            next = new ulong[result.Length];
            PackedBits.CopyBits(_next, start, next, 0, bitLength);
        }

        return new BitShareVector(PartyIndex, bitLength, result, next);
    }

    /// <summary>The concatenation of bit share vectors of one party, in order (bit offsets need not be multiples of 64).</summary>
    /// <param name="parts">At least one vector; all of the same party.</param>
    /// <returns>One vector holding the shares of all parts.</returns>
    /// <exception cref="ArgumentException">No part, or parts of different parties.</exception>
    public static BitShareVector Concat(params ReadOnlySpan<BitShareVector> parts)
    {
        if (parts.IsEmpty)
        {
            throw new ArgumentException("Give at least one vector to concatenate.", nameof(parts));
        }

        long total = 0;
        int party = parts[0]?.PartyIndex ?? throw new ArgumentNullException(nameof(parts));
        foreach (BitShareVector p in parts)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parts));
            if (p.PartyIndex != party)
            {
                throw new ArgumentException($"Cannot concatenate party {party}'s shares with party {p.PartyIndex}'s.", nameof(parts));
            }

            total += p.BitLength;
        }

        int bits = checked((int)total);
        var result = new ulong[PackedBits.WordCount(bits)];
        bool companions = true;
        foreach (BitShareVector p in parts)
        {
            companions &= p._next is not null;
        }

        ulong[]? next = companions ? new ulong[result.Length] : null;
        int at = 0;
        foreach (BitShareVector p in parts)
        {
            PackedBits.CopyBits(p._words, 0, result, at, p.BitLength);
            if (next is not null)
            {
                PackedBits.CopyBits(p._next!, 0, next, at, p.BitLength);
            }

            at += p.BitLength;
        }

        return new BitShareVector(party, bits, result, next);
    }

    /// <summary>Party <paramref name="partyIndex"/>'s share of a trivial sharing of public bits: party 0 holds the
    /// bits, every other party holds zeros.</summary>
    /// <param name="partyIndex">The party whose share is made.</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <param name="words">The public packed bits, ⌈bitLength/64⌉ words; bits past the end are ignored.</param>
    /// <returns>The share.</returns>
    public static BitShareVector Public(int partyIndex, int bitLength, ReadOnlySpan<ulong> words)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        ulong[] copy = CopyWords(bitLength, words);
        if (partyIndex != AdditiveSharing.ConstantHolder)
        {
            System.Array.Clear(copy);
        }

        return new BitShareVector(partyIndex, bitLength, copy);
    }

    /// <summary>Wraps an array without copying it (the caller gives up the array; bits past the end must be zero).</summary>
    internal static BitShareVector Own(int partyIndex, int bitLength, ulong[] words) => new(partyIndex, bitLength, words);

    /// <summary>Wraps this party's share and the next party's share without copying (bits past the end must be zero).</summary>
    internal static BitShareVector Own(int partyIndex, int bitLength, ulong[] words, ulong[]? next) => new(partyIndex, bitLength, words, next);

    /// <summary>A trivial replicated sharing of public bits among three parties: party 0's share and party 2's companion.</summary>
    internal static BitShareVector PublicReplicated(int partyIndex, int bitLength, ReadOnlySpan<ulong> words)
    {
        ulong[] copy = CopyWords(bitLength, words);
        ulong[] mine = partyIndex == AdditiveSharing.ConstantHolder ? copy : new ulong[copy.Length];
        ulong[] next = partyIndex == ShareVector.CompanionConstantHolder ? (ulong[])copy.Clone() : new ulong[copy.Length];
        return new BitShareVector(partyIndex, bitLength, mine, next);
    }

    /// <summary>Describes the vector (party and bit length) without showing any share.</summary>
    /// <returns>For example <c>BitShareVector(party 2, 128 bits)</c>.</returns>
    public override string ToString() => $"BitShareVector(party {PartyIndex}, {BitLength} bits)";

    private static ulong[] CopyWords(int bitLength, ReadOnlySpan<ulong> words)
    {
        int expected = PackedBits.WordCount(bitLength);
        if (words.Length != expected)
        {
            ThrowHelper.LengthMismatch(nameof(words), expected, words.Length);
        }

        var copy = words.ToArray();
        PackedBits.ClearTail(copy, bitLength);
        return copy;
    }

    private void CheckCompatible(BitShareVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.PartyIndex != PartyIndex)
        {
            throw new ArgumentException($"Cannot combine party {PartyIndex}'s shares with party {other.PartyIndex}'s.", nameof(other));
        }

        if (other.BitLength != BitLength)
        {
            ThrowHelper.LengthMismatch(nameof(other), BitLength, other.BitLength);
        }
    }
}
