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
