using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// The local (communication-free) operations of any <see cref="IArithmeticBlackBox"/>, written once over the Core share
/// types so that an engine implements only the interactive members. Each operation checks that its handles belong to
/// this black box's party and have matching lengths, then works on this party's shares alone: linear operations on
/// additive shares mod 2^32, XOR and masks on packed boolean shares; a public constant is applied by party 0 only.
/// </summary>
public static class BlackBoxOperations
{
    extension(IArithmeticBlackBox abb)
    {
        /// <summary>Wraps shares that this party received from an outside contributor (who split the secrets itself).</summary>
        /// <param name="shares">This party's shares; copied.</param>
        /// <returns>The handle.</returns>
        public ShareVector FromShares(ReadOnlySpan<uint> shares) => new(Party(abb), shares);

        /// <summary>A trivial sharing of public values (party 0 holds them, the others hold zeros; with three parties the
        /// handle is also a trivial replicated sharing, party 2 holding the values as its second component).</summary>
        /// <param name="values">The public values, the same at every party.</param>
        /// <returns>The handle.</returns>
        public ShareVector Public(ReadOnlySpan<uint> values) => abb.PartyCount == 3 ? ShareVector.PublicReplicated(Party(abb), values) : ShareVector.Public(Party(abb), values);

        /// <summary>x + y element-wise, mod 2^32.</summary>
        /// <param name="x">First operand.</param>
        /// <param name="y">Second operand, same length.</param>
        /// <returns>The sum.</returns>
        public ShareVector Add(ShareVector x, ShareVector y) => Mine(abb, x).Add(Mine(abb, y));

        /// <summary>x − y element-wise, mod 2^32.</summary>
        /// <param name="x">Minuend.</param>
        /// <param name="y">Subtrahend, same length.</param>
        /// <returns>The difference.</returns>
        public ShareVector Subtract(ShareVector x, ShareVector y) => Mine(abb, x).Subtract(Mine(abb, y));

        /// <summary>−x element-wise, mod 2^32.</summary>
        /// <param name="x">Operand.</param>
        /// <returns>The negation.</returns>
        public ShareVector Negate(ShareVector x) => Mine(abb, x).Negate();

        /// <summary>x + c for a public constant c.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="c">Public constant.</param>
        /// <returns>The shifted vector.</returns>
        public ShareVector AddPublic(ShareVector x, uint c) => Mine(abb, x).AddPublic(c);

        /// <summary>x + c element-wise for a public vector c.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="c">Public values, same length.</param>
        /// <returns>The sum.</returns>
        public ShareVector AddPublic(ShareVector x, ReadOnlySpan<uint> c) => Mine(abb, x).AddPublic(c);

        /// <summary>c · x for a public constant c.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="c">Public multiplier.</param>
        /// <returns>The product.</returns>
        public ShareVector MultiplyPublic(ShareVector x, uint c) => Mine(abb, x).MultiplyPublic(c);

        /// <summary>c ∘ x element-wise for a public vector c.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="c">Public multipliers, same length.</param>
        /// <returns>The product.</returns>
        public ShareVector MultiplyPublic(ShareVector x, ReadOnlySpan<uint> c) => Mine(abb, x).MultiplyPublic(c);

        /// <summary>The values x[start .. start + length) (a copy).</summary>
        /// <param name="x">Operand.</param>
        /// <param name="start">First index.</param>
        /// <param name="length">Number of values.</param>
        /// <returns>The slice.</returns>
        public ShareVector Slice(ShareVector x, int start, int length) => Mine(abb, x).Slice(start, length);

        /// <summary>The concatenation of the vectors, in order.</summary>
        /// <param name="parts">The vectors (at least one).</param>
        /// <returns>One vector.</returns>
        public ShareVector Concat(params ReadOnlySpan<ShareVector> parts)
        {
            foreach (ShareVector p in parts)
            {
                Mine(abb, p, nameof(parts));
            }

            return ShareVector.Concat(parts);
        }

        /// <summary>Wraps XOR shares received from an outside contributor.</summary>
        /// <param name="words">This party's packed shares, ⌈bitLength/64⌉ words; copied, bits past the end cleared.</param>
        /// <param name="bitLength">Number of bits.</param>
        /// <returns>The handle.</returns>
        public BitShareVector FromBitShares(ReadOnlySpan<ulong> words, int bitLength) => new(Party(abb), bitLength, words);

        /// <summary>A trivial sharing of public bits (party 0 holds them).</summary>
        /// <param name="words">The public packed bits.</param>
        /// <param name="bitLength">Number of bits.</param>
        /// <returns>The handle.</returns>
        public BitShareVector PublicBits(ReadOnlySpan<ulong> words, int bitLength) => abb.PartyCount == 3 ? BitShareVector.PublicReplicated(Party(abb), bitLength, words) : BitShareVector.Public(Party(abb), bitLength, words);

        /// <summary>x ⊕ y.</summary>
        /// <param name="x">First operand.</param>
        /// <param name="y">Second operand, same bit length.</param>
        /// <returns>The XOR.</returns>
        public BitShareVector Xor(BitShareVector x, BitShareVector y) => Mine(abb, x).Xor(Mine(abb, y));

        /// <summary>x ⊕ c for public packed bits c.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="c">Public bits, same word count.</param>
        /// <returns>The XOR.</returns>
        public BitShareVector XorPublic(BitShareVector x, ReadOnlySpan<ulong> c) => Mine(abb, x).XorPublic(c);

        /// <summary>¬x (bits past the end stay zero).</summary>
        /// <param name="x">Operand.</param>
        /// <returns>The complement.</returns>
        public BitShareVector Not(BitShareVector x) => Mine(abb, x).Not();

        /// <summary>x ∧ m for public packed bits m.</summary>
        /// <param name="x">Operand.</param>
        /// <param name="mask">Public bits, same word count.</param>
        /// <returns>The masked bits.</returns>
        public BitShareVector AndPublic(BitShareVector x, ReadOnlySpan<ulong> mask) => Mine(abb, x).AndPublic(mask);

        /// <summary>The bits x[start .. start + bitLength) (a copy).</summary>
        /// <param name="x">Operand.</param>
        /// <param name="start">First bit.</param>
        /// <param name="bitLength">Number of bits.</param>
        /// <returns>The slice.</returns>
        public BitShareVector SliceBits(BitShareVector x, int start, int bitLength) => Mine(abb, x).Slice(start, bitLength);

        /// <summary>The concatenation of bit vectors, in order (bit offsets need not be multiples of 64).</summary>
        /// <param name="parts">The vectors (at least one).</param>
        /// <returns>One vector.</returns>
        public BitShareVector ConcatBits(params ReadOnlySpan<BitShareVector> parts)
        {
            foreach (BitShareVector p in parts)
            {
                Mine(abb, p, nameof(parts));
            }

            return BitShareVector.Concat(parts);
        }
    }

    /// <summary>The inner products as m·L multiplications and a local sum per row: the default of
    /// <see cref="IArithmeticBlackBox.InnerProductAsync"/> and the Beaver engine's implementation.</summary>
    internal static async ValueTask<ShareVector> InnerProductByMultiplicationAsync(IArithmeticBlackBox abb, ShareVector x, ShareVector y, int length, CancellationToken cancellationToken)
    {
        Mine(abb, x);
        Mine(abb, y);
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Length mismatch: x has {x.Length} values, y has {y.Length}.", nameof(y));
        }

        CheckRows(x.Length, length);
        ShareVector products = await abb.MultiplyAsync(x, y, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<uint> p = products.Values;
        var sums = new uint[x.Length / length];
        for (int r = 0; r < sums.Length; r++)
        {
            sums[r] = System.Numerics.Tensors.TensorPrimitives.Sum<uint>(p.Slice(r * length, length));
        }

        return ShareVector.Own(abb.PartyIndex, sums);
    }

    /// <summary>Checks an inner product's row length against its operands' length.</summary>
    internal static void CheckRows(int total, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (total % length != 0)
        {
            throw new ArgumentException($"The operands' length {total} is not a multiple of the row length {length}.", nameof(length));
        }
    }

    private static int Party(IArithmeticBlackBox abb)
    {
        ArgumentNullException.ThrowIfNull(abb);
        return abb.PartyIndex;
    }

    private static ShareVector Mine(IArithmeticBlackBox abb, ShareVector x, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(x))] string paramName = "x") =>
        HandleCheck.Mine(Party(abb), x, paramName);

    private static BitShareVector Mine(IArithmeticBlackBox abb, BitShareVector x, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(x))] string paramName = "x") =>
        HandleCheck.Mine(Party(abb), x, paramName);
}
