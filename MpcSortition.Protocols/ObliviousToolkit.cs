using System.Numerics.Tensors;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>How two 32-bit ring elements are ordered by the comparison protocols.</summary>
public enum ComparisonMode
{
    /// <summary>As unsigned integers 0 .. 2^32 − 1; exact over the whole range. 8 rounds per comparison.</summary>
    Unsigned,

    /// <summary>As two's-complement int32 −2^31 .. 2^31 − 1; exact over the whole range (the unsigned comparison
    /// after adding 2^31 to both operands). 8 rounds per comparison.</summary>
    Signed,

    /// <summary>
    /// x &lt; y is taken to be the sign bit of x − y mod 2^32 (bit 31). Exact whenever the true difference satisfies
    /// |x − y| &lt; 2^31 (for example both operands in 0 .. 2^31 − 1, or both in −2^30 .. 2^30 − 1 as int32);
    /// otherwise the result is unspecified (but the protocol still reveals nothing). 7 rounds, about a third of the
    /// work of <see cref="Unsigned"/>.
    /// </summary>
    SignOfDifference,
}

/// <summary>
/// Oblivious non-linear operations over an <see cref="IArithmeticBlackBox"/> with three parties: comparisons,
/// equality, arithmetic ↔ boolean conversion, bit extraction, oblivious select and argmax/argmin. Every operation is
/// batched (one call for a whole vector; the number of rounds does not depend on its length) and data-oblivious
/// (rounds and message sizes depend only on the public lengths). The only values opened are the Beaver-masked ones
/// inside <see cref="IArithmeticBlackBox.MultiplyAsync"/> and <see cref="IArithmeticBlackBox.AndAsync"/>.
/// </summary>
/// <remarks>
/// <para>Boolean results are <see cref="BitShareVector"/> with bit i the result for element i. Round counts below are for
/// the 32-bit ring; bytes are what each party sends in total (to both peers) per element, with the
/// <see cref="SemiHonestBlackBox"/> costs (an AND gate costs 4 bits, a multiplication 16 bytes per party).</para>
/// <para>The A2B-based operations (everything except <see cref="ToArithmeticAsync"/>, <see cref="FromBitsAsync"/>
/// and the selects) need
/// exactly three parties and throw <see cref="NotSupportedException"/> otherwise. All parties must make the same
/// calls with the same public arguments (SPMD).</para>
/// <para>See docs/comparison.md for the circuits, their cost, and the security argument.</para>
/// </remarks>
public static partial class ObliviousToolkit
{
    private const int Width = 32;

    // ------------------------------------------------------------------ conversions

    /// <summary>
    /// Arithmetic to boolean (A2B, bit extraction): XOR shares of the low <paramref name="bitCount"/> bits of every
    /// element of <paramref name="x"/>, bit-sliced: bit <c>j·m + i</c> of the result is bit j of x[i] (m = x.Length;
    /// see <see cref="BitSlicing"/>). Carry-save of the three shares, then a Sklansky parallel-prefix adder. For all 32
    /// bits: 7 rounds, 174 ANDs (87 bytes) per element; for k bits: 2 + ⌈log2(k − 2)⌉ rounds (k ≥ 3; 1 round for
    /// k = 2, none for k = 1) and (k − 1) + (k − 2) + a prefix network over k − 2 leaves ANDs (14 for k = 6). The low
    /// k bits are exact for any x (they depend only on x mod 2^k), so extracting a few random bits from
    /// <see cref="IArithmeticBlackBox.Random"/> values is cheap.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">The values.</param>
    /// <param name="bitCount">How many low bits to extract, 1..32.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>bitCount·m shared bits.</returns>
    public static async ValueTask<BitShareVector> ToBitsAsync(this IArithmeticBlackBox abb, ShareVector x, int bitCount = Width, CancellationToken cancellationToken = default)
    {
        CheckHandle(abb, x, nameof(x));
        BitSlicing.CheckWidth(bitCount, nameof(bitCount));
        int m = x.Length;
        ShareVector fresh = await RefreshAsync(abb, x, cancellationToken).ConfigureAwait(false);
        var circuit = new BitCircuit(abb, m, cancellationToken, UseReplicatedCircuit(abb, fresh));
        ulong[][] bits = await circuit.ToBitsAsync(fresh.Array, bitCount, fresh.Next).ConfigureAwait(false);
        int stride = circuit.Stride;
        var padded = new ulong[bitCount * stride];
        ulong[]? paddedNext = circuit.Replicated ? new ulong[bitCount * stride] : null;
        for (int j = 0; j < bitCount; j++)
        {
            bits[j].AsSpan(0, stride).CopyTo(padded.AsSpan(j * stride));
            if (paddedNext is not null)
            {
                bits[j].AsSpan(stride, stride).CopyTo(paddedNext.AsSpan(j * stride));
            }
        }

        int words = PackedBits.WordCount(bitCount * m);
        var contiguous = new ulong[words];
        BitSlicing.Compact(padded, bitCount, m, contiguous);
        if (paddedNext is null)
        {
            return abb.FromBitShares(contiguous, bitCount * m);
        }

        // Replicated mode: the next party's component of every bit rides along, as the engine's own results do.
        var contiguousNext = new ulong[words];
        BitSlicing.Compact(paddedNext, bitCount, m, contiguousNext);
        return BitShareVector.Own(abb.PartyIndex, bitCount * m, contiguous, contiguousNext);
    }

    /// <summary>
    /// The sign bit (bit 31) of every element: 1 iff x ≥ 2^31 as unsigned, i.e. x &lt; 0 as int32. Exact.
    /// Carry-save then a generate/propagate tree: 7 rounds, 114 ANDs (57 bytes) per element.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">The values.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits.</returns>
    public static async ValueTask<BitShareVector> IsNegativeAsync(this IArithmeticBlackBox abb, ShareVector x, CancellationToken cancellationToken = default)
    {
        CheckHandle(abb, x, nameof(x));
        ShareVector fresh = await RefreshAsync(abb, x, cancellationToken).ConfigureAwait(false);
        var circuit = new BitCircuit(abb, x.Length, cancellationToken, UseReplicatedCircuit(abb, fresh));
        ulong[] msb = await circuit.MostSignificantBitAsync(fresh.Array, Width, fresh.Next).ConfigureAwait(false);
        return circuit.ToHandle(msb);
    }

    /// <summary>
    /// Boolean to arithmetic (B2A): every shared bit becomes the shared value 0 or 1 in Z_2^32. Each party's XOR share
    /// is its own trivially shared 0/1 value; they are combined by u ⊕ v = u + v − 2uv: one multiplication round per
    /// additional party (2 rounds, 32 bytes per bit with three parties). Works for any party count. On the replicated
    /// engine, bits that carry their companion take one round and 4 bytes per bit instead (party 0 knows b₀ ⊕ b₁; see
    /// docs/protocols.md), and bits without companion first one resharing round of 1 bit per bit (2 rounds, 4.125 bytes
    /// per bit); the result is then an additive sharing. The batched parallel attempts of MpcSortition.Selection forward
    /// that resharing to the replicated engine too (one call for the m attempts' bits).
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="bits">The bits (n = bits.BitLength).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>n shared values, each 0 or 1.</returns>
    public static async ValueTask<ShareVector> ToArithmeticAsync(this IArithmeticBlackBox abb, BitShareVector bits, CancellationToken cancellationToken = default)
    {
        CheckHandle(abb, bits, nameof(bits));
        int n = bits.BitLength;
        if (bits.HasCompanion && IsReplicatedEngine(abb))
        {
            return await ToArithmeticReplicatedAsync(abb, bits, cancellationToken).ConfigureAwait(false);
        }

        if (abb is IReplicatedShortcuts replicated && n > 0)
        {
            // Additive bits on the replicated engine (itself, or a black box that forwards to it such as the lockstep
            // facade of parallel attempts): one resharing round (1 bit per bit) makes them replicated, then the
            // one-round B2A (4 bytes per bit): 2 rounds as below, a quarter of the bytes.
            BitShareVector shared = await replicated.ToReplicatedAsync(bits, cancellationToken).ConfigureAwait(false);
            return await ToArithmeticReplicatedAsync(abb, shared, cancellationToken).ConfigureAwait(false);
        }

        var mine = new uint[n];
        bits = await RefreshBitsAsync(abb, bits, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<ulong> words = bits.Words;
        for (int i = 0; i < n; i++)
        {
            mine[i] = (uint)(words[i >> 6] >> (i & 63)) & 1u;
        }

        var zeros = new uint[n];
        ShareVector acc = abb.FromShares(abb.PartyIndex == 0 ? mine : zeros);
        for (int owner = 1; owner < abb.PartyCount; owner++)
        {
            ShareVector next = abb.FromShares(abb.PartyIndex == owner ? mine : zeros);
            ShareVector product = await abb.MultiplyAsync(acc, next, cancellationToken).ConfigureAwait(false);
            acc = abb.Subtract(abb.Add(acc, next), abb.MultiplyPublic(product, 2));
        }

        return acc;
    }

    /// <summary>
    /// B2A of replicated bits b = b₀ ⊕ b₁ ⊕ b₂ (party i holds b_i and b_{i+1}) in one round: party 0 knows
    /// u = b₀ ⊕ b₁ whole and enters it as its additive share (the others 0); b₂ is already a replicated arithmetic
    /// sharing whose only non-zero component is component 2 (held by parties 2 and 1). Then b = u + b₂ − 2·u·b₂ with
    /// one multiplication, in which the engine re-randomises the additive operand's components with a fresh zero
    /// sharing before sending them (4 bytes per bit to one peer). The result is additive (no companion).
    /// </summary>
    private static async ValueTask<ShareVector> ToArithmeticReplicatedAsync(IArithmeticBlackBox abb, BitShareVector bits, CancellationToken cancellationToken)
    {
        int n = bits.BitLength;
        int me = abb.PartyIndex;
        ReadOnlySpan<ulong> own = bits.Words;
        ulong[] next = bits.Next!;
        var u = new uint[n];
        var b2 = new uint[n];
        var b2Next = new uint[n];
        for (int i = 0; i < n; i++)
        {
            int w = i >> 6, at = i & 63;
            uint mine = (uint)(own[w] >> at) & 1u, companion = (uint)(next[w] >> at) & 1u;
            switch (me)
            {
                case 0: // components 0 and 1: u = b₀ ⊕ b₁
                    u[i] = mine ^ companion;
                    break;
                case 1: // components 1 and 2: b₂ is the companion
                    b2Next[i] = companion;
                    break;
                default: // components 2 and 0: b₂ is this party's own
                    b2[i] = mine;
                    break;
            }
        }

        ShareVector additiveU = ShareVector.Own(me, u);
        ShareVector replicatedB2 = ShareVector.Own(me, b2, b2Next);
        ShareVector product = await abb.MultiplyAsync(additiveU, replicatedB2, cancellationToken).ConfigureAwait(false);
        return abb.Subtract(abb.Add(additiveU, replicatedB2), abb.MultiplyPublic(product, 2));
    }

    /// <summary>
    /// Reassembles values from bit-sliced bits (the inverse of <see cref="ToBitsAsync"/>): x[i] = Σ_j 2^j · bit
    /// <c>j·m + i</c> for j &lt; <paramref name="bitCount"/>. B2A of every bit then a local weighted sum: 2 rounds.
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="planes">bitCount·m shared bits.</param>
    /// <param name="bitCount">Bits per value, 1..32; the length of <paramref name="planes"/> must be a multiple of it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared values (each below 2^bitCount).</returns>
    public static async ValueTask<ShareVector> FromBitsAsync(this IArithmeticBlackBox abb, BitShareVector planes, int bitCount = Width, CancellationToken cancellationToken = default)
    {
        CheckHandle(abb, planes, nameof(planes));
        BitSlicing.CheckWidth(bitCount, nameof(bitCount));
        if (planes.BitLength % bitCount != 0)
        {
            throw new ArgumentException($"Bit-sliced values of {bitCount} bits need a multiple of {bitCount} bits; got {planes.BitLength}.", nameof(planes));
        }

        int m = planes.BitLength / bitCount;
        ShareVector all = await abb.ToArithmeticAsync(planes, cancellationToken).ConfigureAwait(false);
        ShareVector acc = abb.Slice(all, 0, m);
        for (int j = 1; j < bitCount; j++)
        {
            acc = abb.Add(acc, abb.MultiplyPublic(abb.Slice(all, j * m, m), 1u << j));
        }

        return acc;
    }

    // ------------------------------------------------------------------ comparisons

    /// <summary>
    /// x &lt; y element-wise under <paramref name="mode"/>. Unsigned/Signed: the sign bits of x, y and x − y in one
    /// batch (7 rounds) then one multiplexer round, x &lt; y = (x₃₁ ≠ y₃₁) ? y₃₁ : (x − y)₃₁: 8 rounds, 343 ANDs
    /// (171.5 bytes) per comparison. SignOfDifference: the sign bit of x − y: 7 rounds, 114 ANDs (57 bytes).
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="y">Right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] &lt; y[i].</returns>
    public static ValueTask<BitShareVector> LessThanAsync(this IArithmeticBlackBox abb, ShareVector x, ShareVector y, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        return LessThanCoreAsync(abb, new Operand(x, null), new Operand(y, null), mode, negate: false, cancellationToken);
    }

    /// <summary>x &lt; c element-wise for public c (the public sign bits cost nothing: 2m sign bits instead of 3m).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="c">Public right operands, same length, the same at every party.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] &lt; c[i].</returns>
    public static ValueTask<BitShareVector> LessThanAsync(this IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPublic(abb, x, c);
        return LessThanCoreAsync(abb, new Operand(x, null), new Operand(null, c.ToArray()), mode, negate: false, cancellationToken);
    }

    /// <summary>x ≤ y element-wise: ¬(y &lt; x). Same cost as <see cref="LessThanAsync(IArithmeticBlackBox, ShareVector, ShareVector, ComparisonMode, CancellationToken)"/>.</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="y">Right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] ≤ y[i].</returns>
    public static ValueTask<BitShareVector> LessOrEqualAsync(this IArithmeticBlackBox abb, ShareVector x, ShareVector y, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        return LessThanCoreAsync(abb, new Operand(y, null), new Operand(x, null), mode, negate: true, cancellationToken);
    }

    /// <summary>x ≤ c element-wise for public c: ¬(c &lt; x).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="c">Public right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] ≤ c[i].</returns>
    public static ValueTask<BitShareVector> LessOrEqualAsync(this IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPublic(abb, x, c);
        return LessThanCoreAsync(abb, new Operand(null, c.ToArray()), new Operand(x, null), mode, negate: true, cancellationToken);
    }

    /// <summary>x &gt; y element-wise: y &lt; x.</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="y">Right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] &gt; y[i].</returns>
    public static ValueTask<BitShareVector> GreaterThanAsync(this IArithmeticBlackBox abb, ShareVector x, ShareVector y, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        return LessThanCoreAsync(abb, new Operand(y, null), new Operand(x, null), mode, negate: false, cancellationToken);
    }

    /// <summary>x &gt; c element-wise for public c: c &lt; x.</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="c">Public right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] &gt; c[i].</returns>
    public static ValueTask<BitShareVector> GreaterThanAsync(this IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPublic(abb, x, c);
        return LessThanCoreAsync(abb, new Operand(null, c.ToArray()), new Operand(x, null), mode, negate: false, cancellationToken);
    }

    /// <summary>x ≥ y element-wise: ¬(x &lt; y).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="y">Right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] ≥ y[i].</returns>
    public static ValueTask<BitShareVector> GreaterOrEqualAsync(this IArithmeticBlackBox abb, ShareVector x, ShareVector y, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        return LessThanCoreAsync(abb, new Operand(x, null), new Operand(y, null), mode, negate: true, cancellationToken);
    }

    /// <summary>x ≥ c element-wise for public c: ¬(x &lt; c).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="c">Public right operands, same length.</param>
    /// <param name="mode">How the ring elements are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] ≥ c[i].</returns>
    public static ValueTask<BitShareVector> GreaterOrEqualAsync(this IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
    {
        CheckPublic(abb, x, c);
        return LessThanCoreAsync(abb, new Operand(x, null), new Operand(null, c.ToArray()), mode, negate: true, cancellationToken);
    }

    /// <summary>
    /// x = 0 element-wise (mod 2^32). With a = x₀, b = x₁, w = −x₂ (each party's own share), x = 0 iff a + b ≡ w,
    /// checked bit-locally from t = a ⊕ b ⊕ w without an adder: one AND round for the carries, then an AND tree
    /// over the 32 bit-equalities: 6 rounds, 62 ANDs (31 bytes) per element.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">The values.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] = 0.</returns>
    public static async ValueTask<BitShareVector> IsZeroAsync(this IArithmeticBlackBox abb, ShareVector x, CancellationToken cancellationToken = default)
    {
        CheckHandle(abb, x, nameof(x));
        ShareVector fresh = await RefreshAsync(abb, x, cancellationToken).ConfigureAwait(false);
        var circuit = new BitCircuit(abb, x.Length, cancellationToken, UseReplicatedCircuit(abb, fresh));
        ulong[] zero = await circuit.IsZeroAsync(fresh.Array, Width, fresh.Next).ConfigureAwait(false);
        return circuit.ToHandle(zero);
    }

    /// <summary>x = y element-wise: <see cref="IsZeroAsync"/> of x − y (6 rounds).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="y">Right operands, same length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] = y[i].</returns>
    public static ValueTask<BitShareVector> EqualAsync(this IArithmeticBlackBox abb, ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        return abb.IsZeroAsync(abb.Subtract(x, y), cancellationToken);
    }

    /// <summary>x = c element-wise for public c: <see cref="IsZeroAsync"/> of x − c (6 rounds).</summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="x">Left operands.</param>
    /// <param name="c">Public right operands, same length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>m shared bits: bit i is 1 iff x[i] = c[i].</returns>
    public static ValueTask<BitShareVector> EqualAsync(this IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c, CancellationToken cancellationToken = default)
    {
        CheckPublic(abb, x, c);
        return abb.IsZeroAsync(abb.Subtract(x, abb.Public(c)), cancellationToken);
    }

    // ------------------------------------------------------------------ select

    /// <summary>
    /// Oblivious select: result[i] = condition[i] ? x[i] : y[i], computed as y + b·(x − y): one multiplication round,
    /// 16 bytes per element. <paramref name="condition"/> must hold 0 or 1 (for example from
    /// <see cref="ToArithmeticAsync"/>); any other value c gives y + c·(x − y).
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="condition">Shared 0/1 values.</param>
    /// <param name="x">Chosen where the condition is 1; same length.</param>
    /// <param name="y">Chosen where the condition is 0; same length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The selected values.</returns>
    public static async ValueTask<ShareVector> SelectAsync(this IArithmeticBlackBox abb, ShareVector condition, ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        CheckHandle(abb, condition, nameof(condition));
        if (condition.Length != x.Length)
        {
            throw new ArgumentException($"Length mismatch: the condition has {condition.Length} values, the operands {x.Length}.", nameof(condition));
        }

        ShareVector delta = await abb.MultiplyAsync(condition, abb.Subtract(x, y), cancellationToken).ConfigureAwait(false);
        return abb.Add(y, delta);
    }

    /// <summary>Oblivious select with a boolean condition: B2A of the condition (2 rounds), then the arithmetic select (1 round).</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="condition">Shared bits, one per element.</param>
    /// <param name="x">Chosen where the bit is 1; length = condition.BitLength.</param>
    /// <param name="y">Chosen where the bit is 0; same length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The selected values.</returns>
    public static async ValueTask<ShareVector> SelectAsync(this IArithmeticBlackBox abb, BitShareVector condition, ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(abb, x, y);
        CheckHandle(abb, condition, nameof(condition));
        if (condition.BitLength != x.Length)
        {
            throw new ArgumentException($"Length mismatch: the condition has {condition.BitLength} bits, the operands {x.Length} values.", nameof(condition));
        }

        ShareVector b = await abb.ToArithmeticAsync(condition, cancellationToken).ConfigureAwait(false);
        return await abb.SelectAsync(b, x, y, cancellationToken).ConfigureAwait(false);
    }
}
