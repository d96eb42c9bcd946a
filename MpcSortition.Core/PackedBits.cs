using System.Numerics.Tensors;

namespace MpcSortition.Core;

/// <summary>
/// Span kernels on packed bits: 64 bits per <see cref="ulong"/>, bit j of the vector is bit (j mod 64)
/// of word j / 64. These are the local operations of boolean (XOR) secret sharing.
/// </summary>
/// <remarks>Length and overlap rules as in <see cref="Ring32"/>: equal lengths; destination exactly an input or disjoint.</remarks>
public static class PackedBits
{
    /// <summary>Number of bits per word.</summary>
    public const int BitsPerWord = 64;

    /// <summary>Number of words needed to hold <paramref name="bitLength"/> bits.</summary>
    /// <param name="bitLength">Number of bits, non-negative.</param>
    /// <returns>⌈bitLength / 64⌉.</returns>
    public static int WordCount(int bitLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bitLength);
        return (int)(((long)bitLength + BitsPerWord - 1) / BitsPerWord);
    }

    /// <summary>destination = x XOR y.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand; same length.</param>
    /// <param name="destination">Result; same length.</param>
    public static void Xor(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination)
    {
        CheckBinary(x, y, destination);
        TensorPrimitives.Xor(x, y, destination);
    }

    /// <summary>destination = x AND y.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand; same length.</param>
    /// <param name="destination">Result; same length.</param>
    public static void And(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination)
    {
        CheckBinary(x, y, destination);
        TensorPrimitives.BitwiseAnd(x, y, destination);
    }

    /// <summary>destination = NOT x (every bit flipped, including the unused bits of the last word).</summary>
    /// <param name="x">Operand.</param>
    /// <param name="destination">Result; same length.</param>
    public static void Not(ReadOnlySpan<ulong> x, Span<ulong> destination)
    {
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        TensorPrimitives.OnesComplement(x, destination);
    }

    /// <summary>ORs <paramref name="count"/> bits of <paramref name="source"/> from bit <paramref name="sourceBit"/> into
    /// <paramref name="destination"/> from bit <paramref name="destinationBit"/> (the destination range is expected to be
    /// zero; bits are OR-ed in, so a non-zero range ends up as the OR).</summary>
    /// <param name="source">Packed source bits.</param>
    /// <param name="sourceBit">First source bit.</param>
    /// <param name="destination">Packed destination bits.</param>
    /// <param name="destinationBit">First destination bit.</param>
    /// <param name="count">Number of bits.</param>
    /// <exception cref="ArgumentOutOfRangeException">A range lies outside its span.</exception>
    public static void CopyBits(ReadOnlySpan<ulong> source, int sourceBit, Span<ulong> destination, int destinationBit, int count)
    {
        ThrowHelper.CheckRange((long)source.Length * BitsPerWord, sourceBit, count);
        ThrowHelper.CheckRange((long)destination.Length * BitsPerWord, destinationBit, count);
        int done = 0;
        while (done < count)
        {
            int s = sourceBit + done, d = destinationBit + done;
            int sb = s & 63, db = d & 63;
            int take = Math.Min(Math.Min(64 - sb, 64 - db), count - done);
            ulong mask = take == 64 ? ulong.MaxValue : (1UL << take) - 1;
            destination[d >> 6] |= ((source[s >> 6] >> sb) & mask) << db;
            done += take;
        }
    }

    /// <summary>Clears the bits at positions ≥ <paramref name="bitLength"/> in the last word.</summary>
    /// <param name="words">Packed bits.</param>
    /// <param name="bitLength">Number of meaningful bits.</param>
    internal static void ClearTail(Span<ulong> words, int bitLength)
    {
        int rem = bitLength % BitsPerWord;
        if (rem != 0 && words.Length > 0)
        {
            words[^1] &= (1UL << rem) - 1;
        }
    }

    private static void CheckBinary(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination)
    {
        ThrowHelper.CheckSameLength(x, y, nameof(y));
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        ThrowHelper.CheckDestination(y, destination, nameof(destination));
    }
}
