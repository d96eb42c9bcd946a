using MpcSortition.Core;
namespace MpcSortition.Protocols;

/// <summary>
/// Two general batched primitives built on the comparison toolkit: the AND of many bit vectors (a balanced tree) and
/// the exact right shift (truncation) of shared unsigned 32-bit values. Both are data-oblivious: rounds and message
/// sizes depend only on the public lengths; the only openings are the Beaver-masked ones inside
/// <see cref="IArithmeticBlackBox.MultiplyAsync"/> and <see cref="IArithmeticBlackBox.AndAsync"/>.
/// </summary>
public static class SelectionPrimitives
{
    /// <summary>
    /// The bitwise AND of <paramref name="terms"/> (all of the same bit length): result bit i = AND over t of
    /// terms[t] bit i. A balanced tree: ⌈log2 m⌉ AND rounds for m terms, m − 1 ANDs per bit in total; no round
    /// for a single term. With no terms the result is a public all-ones vector of <paramref name="bitLength"/> bits.
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="terms">The bit vectors, each of <paramref name="bitLength"/> bits.</param>
    /// <param name="bitLength">The common length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><paramref name="bitLength"/> shared bits.</returns>
    public static async ValueTask<BitShareVector> AndAllAsync(this IArithmeticBlackBox abb, IReadOnlyList<BitShareVector> terms, int bitLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentOutOfRangeException.ThrowIfNegative(bitLength);
        foreach (BitShareVector t in terms)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(terms));
            if (t.BitLength != bitLength)
            {
                throw new ArgumentException($"Every term must have {bitLength} bits; one has {t.BitLength}.", nameof(terms));
            }
        }

        if (terms.Count == 0)
        {
            var ones = new ulong[(bitLength + 63) >> 6];
            ones.AsSpan().Fill(ulong.MaxValue);
            return abb.PublicBits(ones, bitLength);
        }

        List<BitShareVector> level = [.. terms];
        while (level.Count > 1)
        {
            int pairs = level.Count / 2;
            var left = new BitShareVector[pairs];
            var right = new BitShareVector[pairs];
            for (int p = 0; p < pairs; p++)
            {
                left[p] = level[2 * p];
                right[p] = level[(2 * p) + 1];
            }

            BitShareVector product = await abb.AndAsync(abb.ConcatBits(left), abb.ConcatBits(right), cancellationToken).ConfigureAwait(false);
            var next = new List<BitShareVector>(pairs + 1);
            for (int p = 0; p < pairs; p++)
            {
                next.Add(abb.SliceBits(product, p * bitLength, bitLength));
            }

            if (level.Count % 2 == 1)
            {
                next.Add(level[^1]);
            }

            level = next;
        }

        return level[0];
    }

    /// <summary>
    /// ⌊x / 2^<paramref name="shift"/>⌋ element-wise, with x read as an unsigned 32-bit integer: exact for every x.
    /// Bit extraction (<see cref="ObliviousToolkit.ToBitsAsync"/>, 7 rounds) then B2A of the 32 − shift upper bit
    /// planes and a local weighted sum (2 rounds): 9 rounds, 174 ANDs and 32 − shift B2A conversions per element.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">The values.</param>
    /// <param name="shift">0..31; 0 returns x itself without communication.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The shifted values.</returns>
    public static async ValueTask<ShareVector> ShiftRightAsync(this IArithmeticBlackBox abb, ShareVector x, int shift, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(shift);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shift, 31);
        if (shift == 0)
        {
            return x;
        }

        int m = x.Length;
        BitShareVector planes = await abb.ToBitsAsync(x, cancellationToken: cancellationToken).ConfigureAwait(false);
        BitShareVector upper = abb.SliceBits(planes, shift * m, (32 - shift) * m);
        ShareVector bits = await abb.ToArithmeticAsync(upper, cancellationToken).ConfigureAwait(false);
        var acc = new uint[m];
        ReadOnlySpan<uint> s = bits.Values;
        for (int j = 0; j < 32 - shift; j++)
        {
            ReadOnlySpan<uint> plane = s.Slice(j * m, m);
            for (int i = 0; i < m; i++)
            {
                acc[i] += plane[i] << j;
            }
        }

        // A weighted sum of shares is a share of the weighted sum (no public constant involved).
        return abb.FromShares(acc);
    }
}
