namespace MpcSortition.Core;

/// <summary>
/// n-party additive secret sharing over Z_2^32: a secret x is split into n shares that are uniformly
/// random subject to x = s_0 + s_1 + … + s_{n−1} mod 2^32. Any n−1 shares are independent of x.
/// </summary>
public static class AdditiveSharing
{
    /// <summary>The party that adds public constants to its shares (party 0).</summary>
    public const int ConstantHolder = 0;

    /// <summary>Splits one secret into <c>shares.Length</c> shares with fresh cryptographic randomness.</summary>
    /// <param name="secret">The secret.</param>
    /// <param name="shares">Receives one share per party; at least two.</param>
    /// <exception cref="ArgumentException">Fewer than two shares were asked for.</exception>
    public static void Split(uint secret, Span<uint> shares)
    {
        using var prg = AesCtrPrg.CreateRandom();
        Split(secret, shares, prg);
    }

    /// <summary>Splits a vector of secrets into one <see cref="ShareVector"/> per party, with fresh
    /// cryptographic randomness (a seed from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>
    /// expanded by <see cref="AesCtrPrg"/>).</summary>
    /// <param name="secrets">The secrets.</param>
    /// <param name="parties">Number of parties, at least 2.</param>
    /// <returns>Element i is party i's share vector.</returns>
    public static ShareVector[] Split(ReadOnlySpan<uint> secrets, int parties)
    {
        using var prg = AesCtrPrg.CreateRandom();
        return Split(secrets, parties, prg);
    }

    /// <summary>Reconstructs one secret: the sum of all shares mod 2^32.</summary>
    /// <param name="shares">All parties' shares.</param>
    /// <returns>The secret.</returns>
    public static uint Reconstruct(ReadOnlySpan<uint> shares) => Ring32.Sum(shares);

    /// <summary>Reconstructs a vector of secrets from every party's share vector.</summary>
    /// <param name="shares">One share vector per party, party i at position i, all of one length.</param>
    /// <returns>The secrets.</returns>
    /// <exception cref="ArgumentException">Fewer than two vectors, lengths differ, or a vector sits at the wrong position.</exception>
    public static uint[] Reconstruct(ReadOnlySpan<ShareVector> shares)
    {
        CheckParties(shares.Length, nameof(shares));
        int length = shares[0].Length;
        var result = new uint[length];
        for (int p = 0; p < shares.Length; p++)
        {
            ShareVector s = shares[p] ?? throw new ArgumentNullException(nameof(shares), $"Share vector {p} is null.");
            if (s.PartyIndex != p)
            {
                throw new ArgumentException($"Position {p} holds party {s.PartyIndex}'s shares.", nameof(shares));
            }

            ThrowHelper.CheckSameLength<uint>(result, s.Values, nameof(shares));
            Ring32.Add(result, s.Values, result);
        }

        return result;
    }

    internal static void Split(uint secret, Span<uint> shares, AesCtrPrg prg)
    {
        CheckParties(shares.Length, nameof(shares));
        prg.Fill(shares[1..]);
        shares[0] = secret - Ring32.Sum(shares[1..]);
    }

    internal static ShareVector[] Split(ReadOnlySpan<uint> secrets, int parties, AesCtrPrg prg)
    {
        CheckParties(parties, nameof(parties));
        var result = new ShareVector[parties];
        var first = secrets.ToArray();
        for (int p = 1; p < parties; p++)
        {
            var r = new uint[secrets.Length];
            prg.Fill(r);
            Ring32.Subtract(first, r, first);
            // Stryker disable once Boolean : ShareVector's constructor discards 'owned' (equivalent mutant)
            result[p] = new ShareVector(p, r, owned: true);
        }

        // Stryker disable once Boolean : ShareVector's constructor discards 'owned' (equivalent mutant)
        result[0] = new ShareVector(0, first, owned: true);
        return result;
    }

    private static void CheckParties(int parties, string paramName)
    {
        if (parties < 2)
        {
            throw new ArgumentException($"Secret sharing needs at least 2 parties; got {parties}.", paramName);
        }
    }
}
