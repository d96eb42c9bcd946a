using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// Local (no communication) conversion between integers and bit planes. A batch of m integers of
/// <c>width</c> bits is stored bit-sliced: plane j holds bit j of every element, so bit <c>j·m + i</c> of the
/// packed vector is bit j of element i (packed 64 per <see cref="ulong"/> as in <see cref="BitShareVector"/>). This is
/// the layout of <see cref="ObliviousToolkit.ToBitsAsync"/>: one boolean gate applied to whole planes processes the
/// whole batch.
/// </summary>
public static class BitSlicing
{
    /// <summary>Slices <paramref name="values"/> into <paramref name="width"/> contiguous planes.</summary>
    /// <param name="values">The m integers; bits at positions ≥ <paramref name="width"/> are ignored.</param>
    /// <param name="width">Bits per integer, 1..32.</param>
    /// <returns>⌈width·m / 64⌉ words; bit j·m + i is bit j of <c>values[i]</c>; bits past width·m are zero.</returns>
    public static ulong[] ToPlanes(ReadOnlySpan<uint> values, int width = 32)
    {
        CheckWidth(width);
        int m = values.Length;
        int stride = Stride(m);
        var padded = new ulong[width * stride];
        ToPaddedPlanes(values, width, padded);
        var result = new ulong[PackedBits.WordCount(checked(width * m))];
        Compact(padded, width, m, result);
        return result;
    }

    /// <summary>Reassembles integers from <paramref name="width"/> contiguous planes (the inverse of <see cref="ToPlanes"/>).</summary>
    /// <param name="planes">At least ⌈width·count / 64⌉ words; bit j·count + i is bit j of element i.</param>
    /// <param name="count">Number of integers m.</param>
    /// <param name="width">Bits per integer, 1..32.</param>
    /// <returns>The m integers (bits at positions ≥ width are zero).</returns>
    public static uint[] FromPlanes(ReadOnlySpan<ulong> planes, int count, int width = 32)
    {
        CheckWidth(width);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int needed = PackedBits.WordCount(checked(width * count));
        if (planes.Length < needed)
        {
            throw new ArgumentException($"{width} planes of {count} bits need {needed} words; got {planes.Length}.", nameof(planes));
        }

        int stride = Stride(count);
        var padded = new ulong[width * stride];
        Expand(planes, width, count, padded);
        var values = new uint[count];
        FromPaddedPlanes(padded, width, values);
        return values;
    }

    // ------------------------------------------------------------------ internal: padded layout

    /// <summary>Words per plane in the padded layout: plane j occupies words [j·stride, (j+1)·stride).</summary>
    internal static int Stride(int count) => (count + 63) >> 6;

    internal static void CheckWidth(int width, string paramName = "width")
    {
        if (width is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(paramName, width, "The bit width must be between 1 and 32.");
        }
    }

    /// <summary>Padded layout: bit i of plane j (words [j·stride, (j+1)·stride)) is bit j of values[i]; padding bits zero.</summary>
    internal static void ToPaddedPlanes(ReadOnlySpan<uint> values, int width, Span<ulong> planes)
    {
        int m = values.Length;
        int stride = Stride(m);
        Span<ulong> block = stackalloc ulong[64];
        for (int b = 0; b < stride; b++)
        {
            int start = b << 6;
            int n = Math.Min(64, m - start);
            block.Clear();
            for (int i = 0; i < n; i++)
            {
                block[i] = values[start + i];
            }

            Transpose64(block);
            for (int j = 0; j < width; j++)
            {
                planes[(j * stride) + b] = block[j];
            }
        }
    }

    /// <summary>Inverse of <see cref="ToPaddedPlanes"/>: values[i] = Σ_j bit i of plane j · 2^j (padding bits ignored).</summary>
    internal static void FromPaddedPlanes(ReadOnlySpan<ulong> planes, int width, Span<uint> values)
    {
        int m = values.Length;
        int stride = Stride(m);
        Span<ulong> block = stackalloc ulong[64];
        for (int b = 0; b < stride; b++)
        {
            block.Clear();
            for (int j = 0; j < width; j++)
            {
                block[j] = planes[(j * stride) + b];
            }

            Transpose64(block);
            int start = b << 6;
            int n = Math.Min(64, m - start);
            for (int i = 0; i < n; i++)
            {
                values[start + i] = (uint)block[i];
            }
        }
    }

    /// <summary>Padded planes (stride words each) → contiguous planes of exactly count bits each.</summary>
    internal static void Compact(ReadOnlySpan<ulong> padded, int width, int count, Span<ulong> contiguous)
    {
        int stride = Stride(count);
        contiguous.Clear();
        for (int j = 0; j < width; j++)
        {
            PackedBits.CopyBits(padded.Slice(j * stride, stride), 0, contiguous, j * count, count);
        }
    }

    /// <summary>Contiguous planes of count bits each → padded planes (stride words each, padding zero).</summary>
    internal static void Expand(ReadOnlySpan<ulong> contiguous, int width, int count, Span<ulong> padded)
    {
        int stride = Stride(count);
        padded.Clear();
        for (int j = 0; j < width; j++)
        {
            PackedBits.CopyBits(contiguous, j * count, padded.Slice(j * stride, stride), 0, count);
        }
    }

    /// <summary>
    /// In-place transpose of a 64×64 bit matrix held as 64 rows: afterwards bit c of row r is the former bit r of
    /// row c (bits numbered from the least significant). Six rounds of block swaps (32×32, 16×16, …, 1×1); in a round
    /// of size j, row k (bit j of k clear) exchanges bits with row k + j, and the rounds of size 32, 16, 8 (and 4) work on
    /// runs of j consecutive rows, eight (four) rows per vector.
    /// </summary>
    internal static void Transpose64(Span<ulong> a) => Transpose64(a, 512);

    /// <summary><see cref="Transpose64(Span{ulong})"/> using vectors of at most <paramref name="vectorBits"/> bits (512, 256
    /// or 0 for none), so that tests cover every path on any machine.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose64(Span<ulong> a, int vectorBits)
    {
        if (a.Length < 64)
        {
            throw new ArgumentException($"A 64×64 bit matrix needs 64 rows; got {a.Length}.", nameof(a));
        }

        ref ulong rows = ref MemoryMarshal.GetReference(a);
        int j = 32;
        ulong mask = 0x0000_0000_FFFF_FFFFUL;
        while (j != 0)
        {
            if (j >= 8 && vectorBits >= 512 && Vector512.IsHardwareAccelerated)
            {
                Vector512<ulong> m = Vector512.Create(mask);
                for (int k = 0; k < 64; k += 2 * j)
                {
                    for (int i = k; i < k + j; i += 8)
                    {
                        Vector512<ulong> low = Vector512.LoadUnsafe(ref rows, (nuint)i), high = Vector512.LoadUnsafe(ref rows, (nuint)(i + j));
                        Vector512<ulong> t = (Vector512.ShiftRightLogical(low, j) ^ high) & m;
                        (low ^ Vector512.ShiftLeft(t, j)).StoreUnsafe(ref rows, (nuint)i);
                        (high ^ t).StoreUnsafe(ref rows, (nuint)(i + j));
                    }
                }
            }
            else if (j >= 4 && vectorBits >= 256 && Vector256.IsHardwareAccelerated)
            {
                Vector256<ulong> m = Vector256.Create(mask);
                for (int k = 0; k < 64; k += 2 * j)
                {
                    for (int i = k; i < k + j; i += 4)
                    {
                        Vector256<ulong> low = Vector256.LoadUnsafe(ref rows, (nuint)i), high = Vector256.LoadUnsafe(ref rows, (nuint)(i + j));
                        Vector256<ulong> t = (Vector256.ShiftRightLogical(low, j) ^ high) & m;
                        (low ^ Vector256.ShiftLeft(t, j)).StoreUnsafe(ref rows, (nuint)i);
                        (high ^ t).StoreUnsafe(ref rows, (nuint)(i + j));
                    }
                }
            }
            else
            {
                for (int k = 0; k < 64; k = ((k | j) + 1) & ~j)
                {
                    // Swap the high-column half of row k with the low-column half of row k|j.
                    ref ulong low = ref Unsafe.Add(ref rows, k), high = ref Unsafe.Add(ref rows, k | j);
                    ulong t = ((low >> j) ^ high) & mask;
                    low ^= t << j;
                    high ^= t;
                }
            }

            j >>= 1;
            mask ^= mask << j;
        }
    }
}
