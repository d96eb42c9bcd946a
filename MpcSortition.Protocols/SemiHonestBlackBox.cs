using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// The semi-honest, honest-majority arithmetic black box over additive shares in Z_2^32 (and XOR shares of bits):
/// Beaver multiplication with triples from an <see cref="ICorrelatedRandomness"/> (by default the dealer-free
/// <see cref="ReplicatedTripleSource"/>), openings that send each share to every peer, inputs from pairwise seeds.
/// </summary>
/// <remarks>
/// Costs per party, for a batch of m: <see cref="IArithmeticBlackBox.MultiplyAsync"/> one round, sends 8m bytes to
/// each peer (its shares of d and e in one message); <see cref="IArithmeticBlackBox.AndAsync"/> one round, 16⌈m/64⌉
/// bytes to each peer; <see cref="IArithmeticBlackBox.OpenAsync"/> one round, 4m bytes to each peer; inputs and
/// random values: no communication. See docs/protocols.md and docs/security.md.
/// </remarks>
public sealed partial class SemiHonestBlackBox : IArithmeticBlackBox
{
    /// <summary>The audit label of the one opening inside <see cref="IArithmeticBlackBox.MultiplyAsync"/>.</summary>
    public const string BeaverOpenLabel = "beaver: masked d = x - a, e = y - b";

    /// <summary>The audit label of the one opening inside <see cref="IArithmeticBlackBox.AndAsync"/>.</summary>
    public const string AndOpenLabel = "and: masked d = x ^ a, e = y ^ b";

    /// <summary>The largest batch of one <see cref="IArithmeticBlackBox.MultiplyAsync"/> call (2^27 = 134 217 728): its
    /// message of 8 bytes per element is then at most 1 GiB. Split larger work into several calls.</summary>
    public const int MaxBatch = 1 << 27;

    private readonly PartySession _session;
    private readonly ICorrelatedRandomness _triples;
    private readonly bool _ownsTriples;
    private readonly AesCtrPrg?[] _inputStreams;
    private readonly AesCtrPrg?[] _inputBitStreams;
    private readonly int _me;
    private readonly int _n;
    private readonly OperationGate _gate = new();
    private long _multiplications;
    private long _andGates;

    /// <summary>Creates the black box over an established session.</summary>
    /// <param name="session">The party's session; disposed with the black box.</param>
    /// <param name="triples">The triple source; default a new <see cref="ReplicatedTripleSource"/> (three parties).
    /// A source passed in is not disposed by the black box.</param>
    public SemiHonestBlackBox(PartySession session, ICorrelatedRandomness? triples = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _me = session.PartyIndex;
        _n = session.PartyCount;
        _ownsTriples = triples is null;
        _triples = triples ?? new ReplicatedTripleSource(session);
        _inputStreams = new AesCtrPrg?[_n];
        _inputBitStreams = new AesCtrPrg?[_n];
        for (int p = 0; p < _n; p++)
        {
            if (p != _me)
            {
                _inputStreams[p] = session.CreatePairStream(p, "input");
                _inputBitStreams[p] = session.CreatePairStream(p, "input bits");
            }
        }
    }

    /// <inheritdoc/>
    public int PartyIndex => _me;

    /// <inheritdoc/>
    public int PartyCount => _n;

    /// <inheritdoc/>
    public AuditTrail Audit => _session.Audit;

    /// <inheritdoc/>
    public TransportTrace Trace => _session.Trace;

    /// <inheritdoc/>
    public SessionCost Cost => _session.CostWith(Volatile.Read(ref _multiplications), Volatile.Read(ref _andGates));

    /// <summary>Establishes a session over <paramref name="transport"/> (pairwise seeds) and creates the black box with dealer-free triples.</summary>
    /// <param name="transport">A connected transport of exactly three parties; owned by the result.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The black box.</returns>
    public static Task<SemiHonestBlackBox> CreateAsync(ITransport transport, CancellationToken cancellationToken = default) =>
        PartySession.EstablishForAsync(transport, session => new SemiHonestBlackBox(session), cancellationToken);

    /// <summary>Closes the session (and the triple source it created).</summary>
    /// <returns>Completes when the transport is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (AesCtrPrg? s in _inputStreams.Concat(_inputBitStreams))
        {
            s?.Dispose();
        }

        if (_ownsTriples && _triples is IDisposable d)
        {
            d.Dispose();
        }

        await _session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Describes the black box without secrets.</summary>
    /// <returns>For example <c>SemiHonestBlackBox(party 0 of 3)</c>.</returns>
    public override string ToString() => $"SemiHonestBlackBox(party {_me} of {_n})";

    // ------------------------------------------------------------------ creation (no communication)

    /// <inheritdoc/>
    public ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_me == owner && values.Length != length)
        {
            throw new ArgumentException($"The owner must supply exactly {length} values; got {values.Length}.", nameof(values));
        }

        return ValueTask.FromResult(ShareVector.Own(_me, ShareInput<uint, ArithmeticRing>(owner, values.Span, length, _inputStreams)));
    }

    /// <inheritdoc/>
    public ShareVector Random(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var shares = new uint[length];
        _session.Private.Fill(shares);
        return ShareVector.Own(_me, shares);
    }

    /// <inheritdoc/>
    public ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        int count = PackedBits.WordCount(bitLength);
        if (_me == owner && words.Length != count)
        {
            throw new ArgumentException($"The owner must supply exactly {count} words for {bitLength} bits; got {words.Length}.", nameof(words));
        }

        ulong[] shares = ShareInput<ulong, BooleanRing>(owner, words.Span, count, _inputBitStreams);
        PackedBits.ClearTail(shares, bitLength);
        return ValueTask.FromResult(BitShareVector.Own(_me, bitLength, shares));
    }

    /// <inheritdoc/>
    public BitShareVector RandomBits(int bitLength)
    {
        var shares = new ulong[PackedBits.WordCount(bitLength)];
        _session.Private.Fill(shares);
        PackedBits.ClearTail(shares, bitLength);
        return BitShareVector.Own(_me, bitLength, shares);
    }

    // ------------------------------------------------------------------ interactive (one round each)

    /// <inheritdoc/>
    public async ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        using OperationGate.Scope busy = _gate.Enter(_me);
        uint[] result = await BeaverAsync<uint, ArithmeticRing>(x.Array, y.Array, BeaverOpenLabel, 2 * x.Length, cancellationToken).ConfigureAwait(false);
        _multiplications += x.Length;
        return ShareVector.Own(_me, result);
    }

    /// <inheritdoc/>
    /// <remarks>m·L Beaver multiplications in one round (16 bytes per term per party: every term needs its own masked
    /// d and e, so a Beaver inner product costs as much traffic as its multiplications), then a local sum per row.</remarks>
    public ValueTask<ShareVector> InnerProductAsync(ShareVector x, ShareVector y, int length, CancellationToken cancellationToken = default) =>
        BlackBoxOperations.InnerProductByMultiplicationAsync(this, x, y, length, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        using OperationGate.Scope busy = _gate.Enter(_me);
        ulong[] result = await BeaverAsync<ulong, BooleanRing>(x.Array, y.Array, AndOpenLabel, 2 * x.BitLength, cancellationToken).ConfigureAwait(false);
        PackedBits.ClearTail(result, x.BitLength);
        _andGates += x.BitLength;
        return BitShareVector.Own(_me, x.BitLength, result);
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        return await OpenAllAsync<uint, ArithmeticRing>(x.Array, label, x.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        OperationGate.CheckBatch(x.Length, MaxBatch);
        CheckParty(recipient, nameof(recipient));
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        return await OpenToOneAsync<uint, ArithmeticRing>(x.Array, recipient, label, x.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using OperationGate.Scope busy = _gate.Enter(_me);
        ulong[] r = await OpenAllAsync<ulong, BooleanRing>(x.Array, label, x.BitLength, cancellationToken).ConfigureAwait(false);
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
        ulong[]? r = await OpenToOneAsync<ulong, BooleanRing>(x.Array, recipient, label, x.BitLength, cancellationToken).ConfigureAwait(false);
        if (r is not null)
        {
            PackedBits.ClearTail(r, x.BitLength);
        }

        return r;
    }
}
