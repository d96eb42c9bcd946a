namespace MpcSortition.Core;

/// <summary>
/// n-party boolean (XOR) secret sharing of packed bits: the secret bits are the XOR of all parties'
/// shares, and any n−1 shares are uniformly random and independent of the secret.
/// </summary>
public static class BooleanSharing
{
    /// <summary>Splits packed secret bits into one <see cref="BitShareVector"/> per party with fresh randomness.</summary>
    /// <param name="bits">The secret bits, packed; exactly ⌈bitLength/64⌉ words (bits past the end are ignored).</param>
    /// <param name="bitLength">Number of secret bits.</param>
    /// <param name="parties">Number of parties, at least 2.</param>
    /// <returns>Element i is party i's share vector.</returns>
    public static BitShareVector[] Split(ReadOnlySpan<ulong> bits, int bitLength, int parties)
    {
        using var prg = AesCtrPrg.CreateRandom();
        return Split(bits, bitLength, parties, prg);
    }

    /// <summary>Reconstructs the packed secret bits: the XOR of every party's shares.</summary>
    /// <param name="shares">One vector per party, party i at position i, all of one bit length.</param>
    /// <returns>The packed bits.</returns>
    public static ulong[] Reconstruct(ReadOnlySpan<BitShareVector> shares)
    {
        if (shares.Length < 2)
        {
            throw new ArgumentException($"Secret sharing needs at least 2 parties; got {shares.Length}.", nameof(shares));
        }

        var result = new ulong[shares[0].Words.Length];
        for (int p = 0; p < shares.Length; p++)
        {
            BitShareVector s = shares[p] ?? throw new ArgumentNullException(nameof(shares), $"Share vector {p} is null.");
            if (s.PartyIndex != p)
            {
                throw new ArgumentException($"Position {p} holds party {s.PartyIndex}'s shares.", nameof(shares));
            }

            if (s.BitLength != shares[0].BitLength)
            {
                ThrowHelper.LengthMismatch(nameof(shares), shares[0].BitLength, s.BitLength);
            }

            PackedBits.Xor(result, s.Words, result);
        }

        return result;
    }

    internal static BitShareVector[] Split(ReadOnlySpan<ulong> bits, int bitLength, int parties, AesCtrPrg prg)
    {
        if (parties < 2)
        {
            throw new ArgumentException($"Secret sharing needs at least 2 parties; got {parties}.", nameof(parties));
        }

        int words = PackedBits.WordCount(bitLength);
        if (bits.Length != words)
        {
            ThrowHelper.LengthMismatch(nameof(bits), words, bits.Length);
        }

        var result = new BitShareVector[parties];
        var first = bits.ToArray();
        for (int p = 1; p < parties; p++)
        {
            var r = new ulong[words];
            prg.Fill(r);
            PackedBits.ClearTail(r, bitLength);
            PackedBits.Xor(first, r, first);
            result[p] = new BitShareVector(p, bitLength, r);
        }

        PackedBits.ClearTail(first, bitLength);
        result[0] = new BitShareVector(0, bitLength, first);
        return result;
    }
}
