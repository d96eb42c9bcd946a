using System.Numerics.Tensors;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// The two share domains of the black box as one abstraction, so that Beaver multiplication and AND, the triple
/// formulas, inputs and openings are written once: additive shares of Z_2^32 in <see cref="uint"/> and XOR shares of
/// packed bits in <see cref="ulong"/> (GF(2) with ⊕ as addition and ∧ as multiplication, 64 lanes per word). The members
/// are static abstract, so every generic method is compiled separately for each domain and the span kernels inline.
/// </summary>
/// <typeparam name="T">The word type of a share.</typeparam>
internal interface IShareRing<T>
    where T : unmanaged
{
    /// <summary>The audit domain of openings in this ring.</summary>
    static abstract ShareDomain Domain { get; }

    /// <summary>Fills <paramref name="destination"/> with uniform words from <paramref name="prg"/>.</summary>
    static abstract void Fill(AesCtrPrg prg, Span<T> destination);

    /// <summary>destination = x + y (⊕ for bits). Any operand may alias the destination.</summary>
    static abstract void Add(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    /// <summary>destination = x − y (⊕ for bits). Any operand may alias the destination.</summary>
    static abstract void Subtract(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    /// <summary>accumulator += x · y (⊕= x ∧ y for bits); <paramref name="scratch"/> (same length, not aliasing the others)
    /// may be overwritten.</summary>
    static abstract void MultiplyAccumulate(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> accumulator, Span<T> scratch);

    /// <summary>This party's shares of triples from <paramref name="source"/>.</summary>
    static abstract void FillTriples(ICorrelatedRandomness source, Span<T> a, Span<T> b, Span<T> c);
}

/// <summary>Z_2^32 with additive shares.</summary>
internal readonly struct ArithmeticRing : IShareRing<uint>
{
    public static ShareDomain Domain => ShareDomain.Arithmetic;

    public static void Fill(AesCtrPrg prg, Span<uint> destination) => prg.Fill(destination);

    public static void Add(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination) => TensorPrimitives.Add(x, y, destination);

    public static void Subtract(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> destination) => TensorPrimitives.Subtract(x, y, destination);

    public static void MultiplyAccumulate(ReadOnlySpan<uint> x, ReadOnlySpan<uint> y, Span<uint> accumulator, Span<uint> scratch) =>
        TensorPrimitives.MultiplyAdd(x, y, accumulator, accumulator);

    public static void FillTriples(ICorrelatedRandomness source, Span<uint> a, Span<uint> b, Span<uint> c) => source.FillBeaverTriples(a, b, c);
}

/// <summary>Packed bits with XOR shares.</summary>
internal readonly struct BooleanRing : IShareRing<ulong>
{
    public static ShareDomain Domain => ShareDomain.Boolean;

    public static void Fill(AesCtrPrg prg, Span<ulong> destination) => prg.Fill(destination);

    public static void Add(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination) => TensorPrimitives.Xor(x, y, destination);

    public static void Subtract(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination) => TensorPrimitives.Xor(x, y, destination);

    public static void MultiplyAccumulate(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> accumulator, Span<ulong> scratch)
    {
        TensorPrimitives.BitwiseAnd(x, y, scratch);
        TensorPrimitives.Xor(accumulator, scratch, accumulator);
    }

    public static void FillTriples(ICorrelatedRandomness source, Span<ulong> a, Span<ulong> b, Span<ulong> c) => source.FillAndTriples(a, b, c);
}
