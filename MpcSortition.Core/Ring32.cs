using System.Numerics.Tensors;

namespace MpcSortition.Core;

/// <summary>
/// Element-wise arithmetic in the ring Z_2^32, represented by <see cref="uint"/> with wrap-around
/// (every result is reduced modulo 2^32). These are the span-first, SIMD kernels that share
/// arithmetic is built on; they know nothing of parties.
/// </summary>
/// <remarks>
/// Every input span must have the length of the first input, and <c>destination</c> must have that
/// length too. The destination may be exactly the same memory as an input (in-place operation) but
/// must not partially overlap one; both mistakes throw <see cref="ArgumentException"/> naming the
/// parameter. Vectorised with <see cref="TensorPrimitives"/> (AVX2/AVX-512 where present).
/// </remarks>
public static class Ring32
{
    /// <summary>destination[i] = x[i] + y[i] mod 2^32.</summary>
    /// <param name="x">First summand.</param>
    /// <param name="y">Second summand; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Add(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination)
    {
        CheckBinary(x, y, destination);
        TensorPrimitives.Add(x, y, destination);
    }

    /// <summary>destination[i] = x[i] + c mod 2^32.</summary>
    /// <param name="x">Summand.</param>
    /// <param name="c">Public constant added to every element.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Add(ReadOnlySpan<uint> x, uint c, Span<uint> destination)
    {
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        TensorPrimitives.Add(x, c, destination);
    }

    /// <summary>destination[i] = x[i] − y[i] mod 2^32.</summary>
    /// <param name="x">Minuend.</param>
    /// <param name="y">Subtrahend; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Subtract(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination)
    {
        CheckBinary(x, y, destination);
        TensorPrimitives.Subtract(x, y, destination);
    }

    /// <summary>destination[i] = x[i] · y[i] mod 2^32 (element-wise product).</summary>
    /// <param name="x">First factor.</param>
    /// <param name="y">Second factor; same length as <paramref name="x"/>.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Multiply(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination)
    {
        CheckBinary(x, y, destination);
        TensorPrimitives.Multiply(x, y, destination);
    }

    /// <summary>destination[i] = c · x[i] mod 2^32.</summary>
    /// <param name="x">Factor.</param>
    /// <param name="c">Public constant multiplier.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Multiply(ReadOnlySpan<uint> x, uint c, Span<uint> destination)
    {
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        TensorPrimitives.Multiply(x, c, destination);
    }

    /// <summary>destination[i] = −x[i] mod 2^32 (that is, 2^32 − x[i] for x[i] ≠ 0).</summary>
    /// <param name="x">Operand.</param>
    /// <param name="destination">Result; same length as <paramref name="x"/>.</param>
    public static void Negate(ReadOnlySpan<uint> x, Span<uint> destination)
    {
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        TensorPrimitives.Negate(x, destination);
    }

    /// <summary>Returns the sum of all elements mod 2^32 (0 for an empty span).</summary>
    /// <param name="x">The values to add up.</param>
    /// <returns>Σ x[i] mod 2^32.</returns>
    public static uint Sum(ReadOnlySpan<uint> x) => x.IsEmpty ? 0u : TensorPrimitives.Sum(x);

    private static void CheckBinary(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination)
    {
        ThrowHelper.CheckSameLength(x, y, nameof(y));
        ThrowHelper.CheckDestination(x, destination, nameof(destination));
        ThrowHelper.CheckDestination(y, destination, nameof(destination));
    }
}
