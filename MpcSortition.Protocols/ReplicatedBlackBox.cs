using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// The semi-honest, honest-majority arithmetic black box over <b>replicated</b> secret sharing among exactly three
/// parties (Araki, Furukawa, Lindell, Nof and Ohara, CCS 2016): a secret is x = x₀ + x₁ + x₂ (mod 2^32, or XOR for
/// bits) and party i holds two components, x_i and x_{i+1} (indices mod 3).
/// </summary>
/// <remarks>
/// <para><b>Handles.</b> A handle's <see cref="ShareVector.Values"/> is always this party's additive component x_i, so
/// every local operation and every consumer written against additive shares stays correct; the second component (the
/// <em>companion</em> x_{i+1}) travels inside the handle and Core's local operations keep it in step. A handle without
/// a companion (built from raw shares: <c>FromShares</c>, a contributor's share, a toolkit's bit planes) is an
/// ordinary additive sharing; the interactive operations accept it and add the missing components in the same round
/// (each party sends its own component, masked by a fresh zero sharing, to the previous party).</para>
/// <para><b>Costs per party, batch of m</b> (4-byte ring elements; bits packed 64 per word):
/// <see cref="MultiplyAsync"/> of two replicated operands: one round, 4m bytes to the previous party, replicated
/// result. With an operand lacking its companion: one round, 4m bytes per such operand, additive result.
/// <see cref="InnerProductAsync"/> of m rows of any length L: one round, 4m bytes (replicated operands).
/// <see cref="AndAsync"/>: the same over bits, 1 bit per AND. <see cref="OpenAsync"/>: 4m bytes to the next party
/// (replicated) or 4m to each peer (additive). <see cref="OpenToAsync"/>: 4m bytes from one party (replicated) or
/// from both others (additive). <see cref="InputAsync"/>: one round, 4m bytes from the owner to its previous party.
/// <see cref="Random"/>: no message. See docs/protocols.md and docs/security.md §8.</para>
/// <para>Whether a handle carries a companion is decided by the program (which operation made it), never by a
/// secret, so it is the same at every party; message sizes depend only on it and on public lengths.</para>
/// </remarks>
public sealed partial class ReplicatedBlackBox : IArithmeticBlackBox, IReplicatedShortcuts
{
    /// <summary>The largest batch of one interactive call (2^27 elements, as <see cref="SemiHonestBlackBox.MaxBatch"/>).</summary>
    public const int MaxBatch = SemiHonestBlackBox.MaxBatch;

    private readonly PartySession _session;
    private readonly int _me;
    private readonly int _next;
    private readonly int _prev;
    private readonly StreamPair _random, _randomBits, _input, _inputBits, _mulZero, _andZero, _reshare, _reshareBits;
    private readonly OperationGate _gate = new();
    private long _multiplications;
    private long _andGates;

    /// <summary>Creates the black box over an established session of exactly three parties.</summary>
    /// <param name="session">The party's session; disposed with the black box.</param>
    /// <exception cref="ArgumentException">The session does not have three parties.</exception>
    public ReplicatedBlackBox(PartySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.PartyCount != 3)
        {
            throw new ArgumentException($"Replicated sharing needs exactly 3 parties; this session has {session.PartyCount}.", nameof(session));
        }

        _session = session;
        _me = session.PartyIndex;
        _next = (_me + 1) % 3;
        _prev = (_me + 2) % 3;
        _random = new StreamPair(session, _prev, _next, "replicated random");
        _randomBits = new StreamPair(session, _prev, _next, "replicated random bits");
        _input = new StreamPair(session, _prev, _next, "replicated input");
        _inputBits = new StreamPair(session, _prev, _next, "replicated input bits");
        _mulZero = new StreamPair(session, _prev, _next, "replicated mul zero");
        _andZero = new StreamPair(session, _prev, _next, "replicated and zero");
        _reshare = new StreamPair(session, _prev, _next, "replicated reshare");
        _reshareBits = new StreamPair(session, _prev, _next, "replicated reshare bits");
    }

    /// <inheritdoc/>
    public int PartyIndex => _me;

    /// <inheritdoc/>
    public int PartyCount => 3;

    /// <inheritdoc/>
    public AuditTrail Audit => _session.Audit;

    /// <inheritdoc/>
    public TransportTrace Trace => _session.Trace;

    /// <inheritdoc/>
    public SessionCost Cost => _session.CostWith(Volatile.Read(ref _multiplications), Volatile.Read(ref _andGates));

    /// <summary>Establishes a session over <paramref name="transport"/> (pairwise seeds) and creates the black box.</summary>
    /// <param name="transport">A connected transport of exactly three parties; owned by the result.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The black box.</returns>
    public static Task<ReplicatedBlackBox> CreateAsync(ITransport transport, CancellationToken cancellationToken = default) =>
        PartySession.EstablishForAsync(transport, session => new ReplicatedBlackBox(session), cancellationToken);

    /// <summary>Closes the session and the generators.</summary>
    /// <returns>Completes when the transport is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (StreamPair s in new[] { _random, _randomBits, _input, _inputBits, _mulZero, _andZero, _reshare, _reshareBits })
        {
            s.Dispose();
        }

        await _session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Describes the black box without secrets.</summary>
    /// <returns>For example <c>ReplicatedBlackBox(party 0 of 3)</c>.</returns>
    public override string ToString() => $"ReplicatedBlackBox(party {_me} of 3)";

    // ------------------------------------------------------------------ creation

    /// <inheritdoc/>
    /// <remarks>One round: component owner+1 comes from the seed of the owner and its next party, component owner+2 is
    /// zero, and the owner sends component owner = x − F(k_{owner,owner+1}) to its previous party (4 bytes per value).</remarks>
    public async ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        OperationGate.CheckBatch(length, MaxBatch);
        if (_me == owner && values.Length != length)
        {
            throw new ArgumentException($"The owner must supply exactly {length} values; got {values.Length}.", nameof(values));
        }

        using OperationGate.Scope busy = _gate.Enter(_me);
        (uint[] mine, uint[] next) = await InputCoreAsync<uint, ArithmeticRing>(owner, values, length, _input, cancellationToken).ConfigureAwait(false);
        return ShareVector.Own(_me, mine, next);
    }

    /// <inheritdoc/>
    /// <remarks>Component j is expanded from the seed of parties j − 1 and j: no message.</remarks>
    public ShareVector Random(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        uint[] mine = GC.AllocateUninitializedArray<uint>(length);
        uint[] next = GC.AllocateUninitializedArray<uint>(length);
        _random.Own.Fill(mine);
        _random.Next.Fill(next);
        return ShareVector.Own(_me, mine, next);
    }

    /// <inheritdoc/>
    public async ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        int count = PackedBits.WordCount(bitLength);
        if (_me == owner && words.Length != count)
        {
            throw new ArgumentException($"The owner must supply exactly {count} words for {bitLength} bits; got {words.Length}.", nameof(words));
        }

        using OperationGate.Scope busy = _gate.Enter(_me);
        (ulong[] mine, ulong[] next) = await InputCoreAsync<ulong, BooleanRing>(owner, words, count, _inputBits, cancellationToken).ConfigureAwait(false);
        PackedBits.ClearTail(mine, bitLength);
        PackedBits.ClearTail(next, bitLength);
        return BitShareVector.Own(_me, bitLength, mine, next);
    }

    /// <inheritdoc/>
    public BitShareVector RandomBits(int bitLength)
    {
        int count = PackedBits.WordCount(bitLength);
        ulong[] mine = GC.AllocateUninitializedArray<ulong>(count);
        ulong[] next = GC.AllocateUninitializedArray<ulong>(count);
        _randomBits.Own.Fill(mine);
        _randomBits.Next.Fill(next);
        PackedBits.ClearTail(mine, bitLength);
        PackedBits.ClearTail(next, bitLength);
        return BitShareVector.Own(_me, bitLength, mine, next);
    }

    // ------------------------------------------------------------------ interactive

    /// <inheritdoc/>
    public async ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        using OperationGate.Scope busy = _gate.Enter(_me);
        (uint[] z, uint[]? zNext) = await ProductAsync<uint, ArithmeticRing>(x.Array, x.Next, y.Array, y.Next, 1, _mulZero, _reshare, cancellationToken).ConfigureAwait(false);
        _multiplications += x.Length;
        return ShareVector.Own(_me, z, zNext);
    }

    /// <summary>Inner products of rows: output r is Σ_k x[r·L + k] · y[r·L + k] for L = <paramref name="length"/>. With
    /// replicated operands: one round and one element (4 bytes) to the previous party per output, whatever L.</summary>
    /// <param name="x">m·L values, row by row.</param>
    /// <param name="y">m·L values, same layout.</param>
    /// <param name="length">The row length L, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The m inner products.</returns>
    public async ValueTask<ShareVector> InnerProductAsync(ShareVector x, ShareVector y, int length, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        BlackBoxOperations.CheckRows(x.Length, length);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        using OperationGate.Scope busy = _gate.Enter(_me);
        (uint[] z, uint[]? zNext) = await ProductAsync<uint, ArithmeticRing>(x.Array, x.Next, y.Array, y.Next, length, _mulZero, _reshare, cancellationToken).ConfigureAwait(false);
        _multiplications += x.Length;
        return ShareVector.Own(_me, z, zNext);
    }

    /// <summary>Groups of inner products of replicated operands in one round (see
    /// <see cref="LocalMaps"/>' InnerProductPiecesAsync): null when an operand lacks its companion (the caller then
    /// takes the padded path, which re-shares it).</summary>
    internal async ValueTask<ShareVector[]?> InnerProductPiecesAsync(IReadOnlyList<(ShareVector X, ShareVector Y, int Length)> groups, int pieceLength, CancellationToken cancellationToken)
    {
        var operands = new (uint[] X, uint[] XNext, uint[] Y, uint[] YNext, int Length)[groups.Count];
        long terms = 0, outputs = 0;
        for (int g = 0; g < operands.Length; g++)
        {
            (ShareVector x, ShareVector y, int length) = groups[g];
            CheckPair(x, y);
            BlackBoxOperations.CheckRows(x.Length, length);
            if (x.Next is not uint[] xn || y.Next is not uint[] yn)
            {
                return null;
            }

            operands[g] = (x.Array, xn, y.Array, yn, length);
            long pieces = (length + (long)pieceLength - 1) / pieceLength;
            terms += x.Length;
            outputs += x.Length / length * pieces;
        }

        OperationGate.CheckBatch((int)Math.Min(terms, int.MaxValue), MaxBatch);
        OperationGate.CheckBatch((int)Math.Min(outputs, int.MaxValue), MaxBatch);
        using OperationGate.Scope busy = _gate.Enter(_me);
        uint[][] parts = await GroupedProductAsync(operands, pieceLength, cancellationToken).ConfigureAwait(false);
        _multiplications += terms;
        var result = new ShareVector[operands.Length];
        for (int g = 0; g < result.Length; g++)
        {
            result[g] = ShareVector.Own(_me, parts[2 * g], parts[(2 * g) + 1]);
        }

        return result;
    }

    /// <inheritdoc/>
    public async ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        using OperationGate.Scope busy = _gate.Enter(_me);
        (ulong[] z, ulong[]? zNext) = await ProductAsync<ulong, BooleanRing>(x.Array, x.Next, y.Array, y.Next, 1, _andZero, _reshareBits, cancellationToken).ConfigureAwait(false);
        PackedBits.ClearTail(z, x.BitLength);
        if (zNext is not null)
        {
            PackedBits.ClearTail(zNext, x.BitLength);
        }

        _andGates += x.BitLength;
        return BitShareVector.Own(_me, x.BitLength, z, zNext);
    }

    /// <summary>Turns an additive sharing of bits (a handle without companion) into a replicated one in one round: each
    /// party re-randomises its component with a fresh zero sharing and sends it to its previous party, the other holder
    /// of that component (one bit per bit, the conversion the additive path of <see cref="AndAsync"/> makes). A handle
    /// that already carries its companion is returned as it is, without a round.</summary>
    internal async ValueTask<BitShareVector> ToReplicatedAsync(BitShareVector x, CancellationToken cancellationToken = default)
    {
        Check(x);
        if (x.HasCompanion)
        {
            return x;
        }

        using OperationGate.Scope busy = _gate.Enter(_me);
        (ulong[] mine, ulong[] next) = await ReshareAsync<ulong, BooleanRing>(x.Array, _reshareBits, cancellationToken).ConfigureAwait(false);
        PackedBits.ClearTail(mine, x.BitLength);
        PackedBits.ClearTail(next, x.BitLength);
        return BitShareVector.Own(_me, x.BitLength, mine, next);
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        return await OpenAllAsync<uint, ArithmeticRing>(x.Array, x.Next, label, x.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        CheckParty(recipient, nameof(recipient));
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        return await OpenToOneAsync<uint, ArithmeticRing>(x.Array, x.Next, recipient, label, x.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        ulong[] r = await OpenAllAsync<ulong, BooleanRing>(x.Array, x.Next, label, x.BitLength, cancellationToken).ConfigureAwait(false);
        PackedBits.ClearTail(r, x.BitLength);
        return r;
    }

    /// <inheritdoc/>
    public async ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        CheckParty(recipient, nameof(recipient));
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        ulong[]? r = await OpenToOneAsync<ulong, BooleanRing>(x.Array, x.Next, recipient, label, x.BitLength, cancellationToken).ConfigureAwait(false);
        if (r is not null)
        {
            PackedBits.ClearTail(r, x.BitLength);
        }

        return r;
    }

    /// <inheritdoc/>
    ValueTask<BitShareVector> IReplicatedShortcuts.ToReplicatedAsync(BitShareVector x, CancellationToken cancellationToken) => ToReplicatedAsync(x, cancellationToken);

    /// <inheritdoc/>
    ValueTask<ShareVector[]?> IReplicatedShortcuts.InnerProductPiecesAsync(IReadOnlyList<(ShareVector X, ShareVector Y, int Length)> groups, int pieceLength, CancellationToken cancellationToken) =>
        InnerProductPiecesAsync(groups, pieceLength, cancellationToken);

    /// <summary>The companion (the next party's component) of a handle, for tests of the replicated invariant.</summary>
    internal static uint[]? CompanionOf(ShareVector x) => x.Next;

    /// <summary>The companion of a bit handle, for tests of the replicated invariant.</summary>
    internal static ulong[]? CompanionOf(BitShareVector x) => x.Next;
}
