using System.Diagnostics.CodeAnalysis;

namespace MpcSortition.Core;

/// <summary>Throw helpers kept out of hot loops so the kernels stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void LengthMismatch(string paramName, int expected, int actual) =>
        throw new ArgumentException($"Expected length {expected} but the span has length {actual}.", paramName);

    [DoesNotReturn]
    internal static void PartialOverlap(string paramName) =>
        throw new ArgumentException("The destination partially overlaps an input; use the same span (exact alias) or a disjoint one.", paramName);

    internal static void CheckRange(long length, long start, long count)
    {
        if (start < 0 || count < 0 || start > length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"The range [{start}, {start} + {count}) is not inside a vector of length {length}.");
        }
    }

    internal static void CheckSameLength<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> other, string paramName)
    {
        if (reference.Length != other.Length)
        {
            LengthMismatch(paramName, reference.Length, other.Length);
        }
    }

    /// <summary>Checks that <paramref name="destination"/> has the input's length and either is the input
    /// itself or does not overlap it.</summary>
    internal static void CheckDestination<T>(ReadOnlySpan<T> input, Span<T> destination, string paramName)
    {
        if (destination.Length != input.Length)
        {
            LengthMismatch(paramName, input.Length, destination.Length);
        }

        if (input.Overlaps(destination, out int offset) && offset != 0)
        {
            PartialOverlap(paramName);
        }
    }
}
