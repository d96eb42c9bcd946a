namespace MpcSortition.Protocols;

/// <summary>
/// The arithmetic black box: secret values in Z_2^32 (additive shares) and secret bits (XOR shares, packed),
/// with local linear operations, batched multiplication, and audited openings. Every party runs the same program
/// against its own instance (SPMD) and makes the same calls with the same public arguments in the same order.
/// </summary>
/// <remarks>
/// <para>Cost model: local operations need no communication. <see cref="MultiplyAsync"/>, <see cref="AndAsync"/>,
/// the open methods each take exactly one round whatever the vector length; put everything that can go together into
/// one vector (<see cref="Concat"/>, <see cref="Slice"/>). Input and random values need no communication.</para>
/// <para>Every opening is recorded in <see cref="Audit"/> under the caller's label; a protocol must open only
/// masked values and its declared outputs. Interactive operations run one at a time (not thread-safe).</para>
/// <para>Arguments are checked: handles must belong to this party and have matching lengths; a mismatch throws
/// <see cref="ArgumentException"/> before anything is sent. Link failures surface as <see cref="PeerException"/>.</para>
/// </remarks>
public interface IArithmeticBlackBox : IAsyncDisposable
{
    /// <summary>This party's 0-based index.</summary>
    int PartyIndex { get; }

    /// <summary>Number of parties.</summary>
    int PartyCount { get; }

    /// <summary>Every opening performed, with labels.</summary>
    AuditTrail Audit { get; }

    /// <summary>Rounds and message sizes of this party's traffic.</summary>
    TransportTrace Trace { get; }

    // ---------------------------------------------------------------- arithmetic: creation

    /// <summary>Party <paramref name="owner"/> secret-shares its own <paramref name="length"/> values; every party calls this.</summary>
    /// <param name="owner">The party whose values are shared.</param>
    /// <param name="values">At the owner: exactly <paramref name="length"/> values. At the other parties: ignored (pass empty).</param>
    /// <param name="length">Public number of values.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>This party's shares of the owner's values.</returns>
    ValueTask<SharedVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default);

    /// <summary>Wraps shares that this party received from an outside contributor (who split the secrets itself).</summary>
    /// <param name="shares">This party's shares; copied.</param>
    /// <returns>The handle.</returns>
    SharedVector FromShares(ReadOnlySpan<uint> shares);

    /// <summary>A trivial sharing of public values (party 0 holds them, the others hold zeros).</summary>
    /// <param name="values">The public values, the same at every party.</param>
    /// <returns>The handle.</returns>
    SharedVector Public(ReadOnlySpan<uint> values);

    /// <summary>Fresh uniformly random secret values that no party knows; no communication.</summary>
    /// <param name="length">Number of values.</param>
    /// <returns>The handle.</returns>
    SharedVector Random(int length);

    // ---------------------------------------------------------------- arithmetic: local operations (mod 2^32)

    /// <summary>x + y element-wise.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand, same length.</param>
    /// <returns>The sum.</returns>
    SharedVector Add(SharedVector x, SharedVector y);

    /// <summary>x − y element-wise.</summary>
    /// <param name="x">Minuend.</param>
    /// <param name="y">Subtrahend, same length.</param>
    /// <returns>The difference.</returns>
    SharedVector Subtract(SharedVector x, SharedVector y);

    /// <summary>−x element-wise.</summary>
    /// <param name="x">Operand.</param>
    /// <returns>The negation.</returns>
    SharedVector Negate(SharedVector x);

    /// <summary>x + c for a public constant c.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="c">Public constant.</param>
    /// <returns>The shifted vector.</returns>
    SharedVector AddPublic(SharedVector x, uint c);

    /// <summary>x + c element-wise for a public vector c.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="c">Public values, same length.</param>
    /// <returns>The sum.</returns>
    SharedVector AddPublic(SharedVector x, ReadOnlySpan<uint> c);

    /// <summary>c · x for a public constant c.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="c">Public multiplier.</param>
    /// <returns>The product.</returns>
    SharedVector MultiplyPublic(SharedVector x, uint c);

    /// <summary>c ∘ x element-wise for a public vector c.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="c">Public multipliers, same length.</param>
    /// <returns>The product.</returns>
    SharedVector MultiplyPublic(SharedVector x, ReadOnlySpan<uint> c);

    /// <summary>The values x[start .. start + length).</summary>
    /// <param name="x">Operand.</param>
    /// <param name="start">First index.</param>
    /// <param name="length">Number of values.</param>
    /// <returns>The slice (a copy).</returns>
    SharedVector Slice(SharedVector x, int start, int length);

    /// <summary>The concatenation of the vectors, in order.</summary>
    /// <param name="parts">The vectors.</param>
    /// <returns>One vector.</returns>
    SharedVector Concat(params ReadOnlySpan<SharedVector> parts);

    // ---------------------------------------------------------------- arithmetic: interactive

    /// <summary>x ∘ y element-wise (Beaver multiplication): one round for any length.</summary>
    /// <param name="x">First factor.</param>
    /// <param name="y">Second factor, same length.</param>
    /// <param name="cancellationToken">Cancels the operation (the session is unusable afterwards).</param>
    /// <returns>The product.</returns>
    ValueTask<SharedVector> MultiplyAsync(SharedVector x, SharedVector y, CancellationToken cancellationToken = default);

    /// <summary>Reveals x to every party (one round) and records the opening under <paramref name="label"/>.</summary>
    /// <param name="x">The values to reveal.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The values.</returns>
    ValueTask<uint[]> OpenAsync(SharedVector x, string label, CancellationToken cancellationToken = default);

    /// <summary>Reveals x to <paramref name="recipient"/> only (one round); recorded under <paramref name="label"/> at every party.</summary>
    /// <param name="x">The values to reveal.</param>
    /// <param name="recipient">The party that learns the values.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The values at the recipient; null at the other parties.</returns>
    ValueTask<uint[]?> OpenToAsync(SharedVector x, int recipient, string label, CancellationToken cancellationToken = default);

    // ---------------------------------------------------------------- boolean (packed XOR shares)

    /// <summary>Party <paramref name="owner"/> XOR-shares its own packed bits; every party calls this.</summary>
    /// <param name="owner">The party whose bits are shared.</param>
    /// <param name="words">At the owner: exactly ⌈bitLength/64⌉ words. Elsewhere: ignored.</param>
    /// <param name="bitLength">Public number of bits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>This party's shares.</returns>
    ValueTask<SharedBits> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default);

    /// <summary>Wraps XOR shares received from an outside contributor.</summary>
    /// <param name="words">This party's packed shares, ⌈bitLength/64⌉ words; copied, bits past the end cleared.</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>The handle.</returns>
    SharedBits FromBitShares(ReadOnlySpan<ulong> words, int bitLength);

    /// <summary>A trivial sharing of public bits (party 0 holds them).</summary>
    /// <param name="words">The public packed bits.</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>The handle.</returns>
    SharedBits PublicBits(ReadOnlySpan<ulong> words, int bitLength);

    /// <summary>Fresh uniformly random secret bits that no party knows; no communication.</summary>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>The handle.</returns>
    SharedBits RandomBits(int bitLength);

    /// <summary>x ⊕ y.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand, same bit length.</param>
    /// <returns>The XOR.</returns>
    SharedBits Xor(SharedBits x, SharedBits y);

    /// <summary>x ⊕ c for public packed bits c.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="c">Public bits, same word count.</param>
    /// <returns>The XOR.</returns>
    SharedBits XorPublic(SharedBits x, ReadOnlySpan<ulong> c);

    /// <summary>¬x.</summary>
    /// <param name="x">Operand.</param>
    /// <returns>The complement (bits past the end stay zero).</returns>
    SharedBits Not(SharedBits x);

    /// <summary>x ∧ m for public packed bits m.</summary>
    /// <param name="x">Operand.</param>
    /// <param name="mask">Public bits, same word count.</param>
    /// <returns>The masked bits.</returns>
    SharedBits AndPublic(SharedBits x, ReadOnlySpan<ulong> mask);

    /// <summary>The bits x[start .. start + bitLength).</summary>
    /// <param name="x">Operand.</param>
    /// <param name="start">First bit.</param>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>The slice (a copy).</returns>
    SharedBits SliceBits(SharedBits x, int start, int bitLength);

    /// <summary>The concatenation of bit vectors, in order (bit offsets need not be multiples of 64).</summary>
    /// <param name="parts">The vectors.</param>
    /// <returns>One vector.</returns>
    SharedBits ConcatBits(params ReadOnlySpan<SharedBits> parts);

    /// <summary>x ∧ y bitwise (Beaver with AND triples): one round for any length.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand, same bit length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The AND.</returns>
    ValueTask<SharedBits> AndAsync(SharedBits x, SharedBits y, CancellationToken cancellationToken = default);

    /// <summary>Reveals the bits to every party (one round); recorded under <paramref name="label"/>.</summary>
    /// <param name="x">The bits.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The packed bits (bits past the end are zero).</returns>
    ValueTask<ulong[]> OpenBitsAsync(SharedBits x, string label, CancellationToken cancellationToken = default);

    /// <summary>Reveals the bits to <paramref name="recipient"/> only (one round); recorded at every party.</summary>
    /// <param name="x">The bits.</param>
    /// <param name="recipient">The party that learns them.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The packed bits at the recipient; null elsewhere.</returns>
    ValueTask<ulong[]?> OpenBitsToAsync(SharedBits x, int recipient, string label, CancellationToken cancellationToken = default);
}
