using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// The arithmetic black box: secret values in Z_2^32 (additive shares) and secret bits (XOR shares, packed),
/// with batched multiplication and AND, and audited openings. Local linear operations (no communication) are the Core
/// types' own methods (<see cref="ShareVector"/>, <see cref="BitShareVector"/>) and, for SPMD code that reads
/// <c>abb.Add(x, y)</c>, the extension members of <see cref="BlackBoxOperations"/>. Every party runs the same program
/// against its own instance (SPMD) and makes the same calls with the same public arguments in the same order.
/// </summary>
/// <remarks>
/// <para>Cost model: local operations need no communication. <see cref="MultiplyAsync"/>, <see cref="AndAsync"/>,
/// the open methods each take exactly one round whatever the vector length; put everything that can go together into
/// one vector (<see cref="ShareVector.Concat"/>, <see cref="ShareVector.Slice"/>). Input and random values need no communication.</para>
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

    /// <summary>This party's cost so far: rounds and bytes from <see cref="Trace"/>, multiplications and AND gates as
    /// counted by the engine when it performs them. <see cref="TransportTrace.Reset"/> zeroes the traffic figures only;
    /// measure with the difference of two snapshots.</summary>
    SessionCost Cost { get; }

    // ---------------------------------------------------------------- arithmetic: creation

    /// <summary>Party <paramref name="owner"/> secret-shares its own <paramref name="length"/> values; every party calls this.</summary>
    /// <param name="owner">The party whose values are shared.</param>
    /// <param name="values">At the owner: exactly <paramref name="length"/> values. At the other parties: ignored (pass empty).</param>
    /// <param name="length">Public number of values.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>This party's shares of the owner's values.</returns>
    ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default);

    /// <summary>Fresh uniformly random secret values that no party knows; no communication.</summary>
    /// <param name="length">Number of values.</param>
    /// <returns>The handle.</returns>
    ShareVector Random(int length);

    // ---------------------------------------------------------------- arithmetic: interactive

    /// <summary>x ∘ y element-wise (Beaver multiplication): one round for any length.</summary>
    /// <param name="x">First factor.</param>
    /// <param name="y">Second factor, same length.</param>
    /// <param name="cancellationToken">Cancels the operation (the session is unusable afterwards).</param>
    /// <returns>The product.</returns>
    ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inner products of rows: output r is Σ_k x[r·L + k] · y[r·L + k] (mod 2^32) for L = <paramref name="length"/>, so
    /// x and y hold m·L values and the result m. One round whatever L. On <see cref="ReplicatedBlackBox"/> with
    /// replicated operands it costs one element of traffic per output (the price of m multiplications); on
    /// <see cref="SemiHonestBlackBox"/> it is m·L Beaver multiplications in one round and a local sum (16 bytes per term
    /// per party: each term needs its own masked opening). The default implementation, for engines written elsewhere,
    /// is the latter over <see cref="MultiplyAsync"/>.
    /// </summary>
    /// <param name="x">m·L values, row by row.</param>
    /// <param name="y">m·L values, the same layout.</param>
    /// <param name="length">The row length L, at least 1; must divide the operands' length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The m inner products.</returns>
    ValueTask<ShareVector> InnerProductAsync(ShareVector x, ShareVector y, int length, CancellationToken cancellationToken = default) =>
        BlackBoxOperations.InnerProductByMultiplicationAsync(this, x, y, length, cancellationToken);

    /// <summary>Reveals x to every party (one round) and records the opening under <paramref name="label"/>.</summary>
    /// <param name="x">The values to reveal.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The values.</returns>
    ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default);

    /// <summary>Reveals x to <paramref name="recipient"/> only (one round); recorded under <paramref name="label"/> at every party.</summary>
    /// <param name="x">The values to reveal.</param>
    /// <param name="recipient">The party that learns the values.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The values at the recipient; null at the other parties.</returns>
    ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default);

    // ---------------------------------------------------------------- boolean (packed XOR shares)

    /// <summary>Party <paramref name="owner"/> XOR-shares its own packed bits; every party calls this.</summary>
    /// <param name="owner">The party whose bits are shared.</param>
    /// <param name="words">At the owner: exactly ⌈bitLength/64⌉ words. Elsewhere: ignored.</param>
    /// <param name="bitLength">Public number of bits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>This party's shares.</returns>
    ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default);

    /// <summary>Fresh uniformly random secret bits that no party knows; no communication.</summary>
    /// <param name="bitLength">Number of bits.</param>
    /// <returns>The handle.</returns>
    BitShareVector RandomBits(int bitLength);

    /// <summary>x ∧ y bitwise (Beaver with AND triples): one round for any length.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand, same bit length.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The AND.</returns>
    ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default);

    /// <summary>Reveals the bits to every party (one round); recorded under <paramref name="label"/>.</summary>
    /// <param name="x">The bits.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The packed bits (bits past the end are zero).</returns>
    ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default);

    /// <summary>Reveals the bits to <paramref name="recipient"/> only (one round); recorded at every party.</summary>
    /// <param name="x">The bits.</param>
    /// <param name="recipient">The party that learns them.</param>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The packed bits at the recipient; null elsewhere.</returns>
    ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default);
}
