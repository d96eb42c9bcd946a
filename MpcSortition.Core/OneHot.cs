namespace MpcSortition.Core;

/// <summary>
/// Encodes a categorical value (the index of one of m values) as a one-hot vector in Z_2^32:
/// element i is 1 for the chosen value and 0 elsewhere. Shared one-hot vectors let providers count
/// feature values by addition alone.
/// </summary>
public static class OneHot
{
    /// <summary>Writes the one-hot encoding of <paramref name="valueIndex"/> into <paramref name="destination"/>.</summary>
    /// <param name="valueIndex">The chosen value, 0 ≤ valueIndex &lt; destination.Length.</param>
    /// <param name="destination">One element per possible value.</param>
    public static void Encode(int valueIndex, Span<uint> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(valueIndex, destination.Length);
        destination.Clear();
        destination[valueIndex] = 1;
    }

    /// <summary>Returns the one-hot encoding of <paramref name="valueIndex"/> among <paramref name="valueCount"/> values.</summary>
    /// <param name="valueIndex">The chosen value.</param>
    /// <param name="valueCount">Number of possible values, at least 1.</param>
    /// <returns>A new vector with a single 1.</returns>
    public static uint[] Encode(int valueIndex, int valueCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(valueCount, 1);
        var result = new uint[valueCount];
        Encode(valueIndex, result);
        return result;
    }

    /// <summary>Returns the index of the single 1 in a one-hot vector.</summary>
    /// <param name="oneHot">The vector.</param>
    /// <returns>The index of the chosen value.</returns>
    /// <exception cref="ArgumentException">The vector is not one-hot (an element other than 0 or 1, or not exactly one 1).</exception>
    public static int Decode(ReadOnlySpan<uint> oneHot)
    {
        int found = -1;
        for (int i = 0; i < oneHot.Length; i++)
        {
            uint v = oneHot[i];
            if (v == 0)
            {
                continue;
            }

            if (v != 1 || found >= 0)
            {
                throw new ArgumentException("The vector is not one-hot: it must hold exactly one 1 and zeros elsewhere.", nameof(oneHot));
            }

            found = i;
        }

        return found >= 0
            ? found
            : throw new ArgumentException("The vector is not one-hot: it holds no 1.", nameof(oneHot));
    }

    /// <summary>Encodes <paramref name="valueIndex"/> one-hot and splits it into one share vector per party.</summary>
    /// <param name="valueIndex">The chosen value.</param>
    /// <param name="valueCount">Number of possible values.</param>
    /// <param name="parties">Number of parties, at least 2.</param>
    /// <returns>Element i is party i's shares of the one-hot vector.</returns>
    public static ShareVector[] Share(int valueIndex, int valueCount, int parties) =>
        AdditiveSharing.Split(Encode(valueIndex, valueCount), parties);
}
