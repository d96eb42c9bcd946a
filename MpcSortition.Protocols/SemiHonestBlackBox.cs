using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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
public sealed class SemiHonestBlackBox : IArithmeticBlackBox
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
    private int _busy;
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
    public SessionCost Cost => new(_session.Trace.Rounds, _session.Trace.BytesSent, _session.Trace.BytesReceived, Volatile.Read(ref _multiplications), Volatile.Read(ref _andGates));

    /// <summary>Establishes a session over <paramref name="transport"/> (pairwise seeds) and creates the black box with dealer-free triples.</summary>
    /// <param name="transport">A connected transport of exactly three parties; owned by the result.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The black box.</returns>
    public static async Task<SemiHonestBlackBox> CreateAsync(ITransport transport, CancellationToken cancellationToken = default)
    {
        PartySession session = await PartySession.EstablishAsync(transport, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SemiHonestBlackBox(session);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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

    // ------------------------------------------------------------------ arithmetic creation

    /// <inheritdoc/>
    public ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var shares = new uint[length];
        if (_me == owner)
        {
            if (values.Length != length)
            {
                throw new ArgumentException($"The owner must supply exactly {length} values; got {values.Length}.", nameof(values));
            }

            // x_owner = x − Σ_{j≠owner} F(k_{owner,j}); party j's share is F(k_{owner,j}).
            uint[] tmp = ArrayPool<uint>.Shared.Rent(length);
            values.Span.CopyTo(shares);
            for (int p = 0; p < _n; p++)
            {
                if (p != _me)
                {
                    Span<uint> r = tmp.AsSpan(0, length);
                    _inputStreams[p]!.Fill(r);
                    TensorPrimitives.Subtract(shares, r, shares);
                }
            }

            ArrayPool<uint>.Shared.Return(tmp);
        }
        else
        {
            _inputStreams[owner]!.Fill(shares);
        }

        return ValueTask.FromResult(ShareVector.Own(_me, shares));
    }

    /// <inheritdoc/>
    public ShareVector Random(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var shares = new uint[length];
        _session.Private.Fill(shares);
        return ShareVector.Own(_me, shares);
    }

    // ------------------------------------------------------------------ arithmetic local

    // ------------------------------------------------------------------ arithmetic interactive

    /// <inheritdoc/>
    public async ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        CheckBatch(x.Length);
        using Exclusive busy = Enter();
        int m = x.Length;
        uint[] result = GC.AllocateUninitializedArray<uint>(m); // every element is written by the triple source
        if (m == 0)
        {
            return ShareVector.Own(_me, result);
        }

        uint[] a = ArrayPool<uint>.Shared.Rent(m), b = ArrayPool<uint>.Shared.Rent(m);
        byte[] de = ArrayPool<byte>.Shared.Rent(8 * m);
        byte[][] received = RentPeers(8 * m);
        try
        {
            // c goes straight into the result; d = x − a, e = y − b into one message.
            _triples.FillBeaverTriples(a.AsSpan(0, m), b.AsSpan(0, m), result);
            Span<uint> mine = MemoryMarshal.Cast<byte, uint>(de.AsSpan(0, 8 * m));
            TensorPrimitives.Subtract(x.Array, a.AsSpan(0, m), mine[..m]);
            TensorPrimitives.Subtract(y.Array, b.AsSpan(0, m), mine[m..]);
            await OpenInPlaceAsync(de, 8 * m, received, BeaverOpenLabel, ShareDomain.Arithmetic, 2 * m, cancellationToken, combine: false).ConfigureAwait(false);

            CombineBeaver(m, de, received, a, b, result, _me, _n);
            _multiplications += m;
            return ShareVector.Own(_me, result);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(a);
            ArrayPool<uint>.Shared.Return(b);
            ArrayPool<byte>.Shared.Return(de);
            ReturnPeers(received);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        CheckBatch(x.Length);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using Exclusive busy = Enter();
        int bytes = 4 * x.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        byte[][] received = RentPeers(bytes);
        try
        {
            MemoryMarshal.AsBytes(x.Array.AsSpan()).CopyTo(buffer);
            await OpenInPlaceAsync(buffer, bytes, received, label, ShareDomain.Arithmetic, x.Length, cancellationToken).ConfigureAwait(false);
            return MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, bytes)).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ReturnPeers(received);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        CheckBatch(x.Length);
        CheckParty(recipient, nameof(recipient));
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using Exclusive busy = Enter();
        int bytes = 4 * x.Length;
        byte[][] received = _me == recipient ? RentPeers(bytes) : [];
        try
        {
            _session.Audit.Record(label, ShareDomain.Arithmetic, x.Length, recipient, _session.Trace.Rounds + 1);
            await _session.GatherAsync(recipient, MemoryMarshal.AsBytes(x.Array.AsSpan()).ToArray(), AsMemories(received, bytes), cancellationToken).ConfigureAwait(false);
            if (_me != recipient)
            {
                return null;
            }

            var sum = (uint[])x.Array.Clone();
            for (int p = 0; p < _n; p++)
            {
                if (p != _me)
                {
                    TensorPrimitives.Add(sum, MemoryMarshal.Cast<byte, uint>(received[p].AsSpan(0, bytes)), sum);
                }
            }

            return sum;
        }
        finally
        {
            ReturnPeers(received);
        }
    }

    // ------------------------------------------------------------------ boolean creation and local

    /// <inheritdoc/>
    public ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default)
    {
        CheckParty(owner, nameof(owner));
        int count = PackedBits.WordCount(bitLength);
        var shares = new ulong[count];
        if (_me == owner)
        {
            if (words.Length != count)
            {
                throw new ArgumentException($"The owner must supply exactly {count} words for {bitLength} bits; got {words.Length}.", nameof(words));
            }

            words.Span.CopyTo(shares);
            ulong[] tmp = ArrayPool<ulong>.Shared.Rent(count);
            for (int p = 0; p < _n; p++)
            {
                if (p != _me)
                {
                    Span<ulong> r = tmp.AsSpan(0, count);
                    _inputBitStreams[p]!.Fill(r);
                    TensorPrimitives.Xor(shares, r, shares);
                }
            }

            ArrayPool<ulong>.Shared.Return(tmp);
        }
        else
        {
            _inputBitStreams[owner]!.Fill(shares);
        }

        ClearTail(shares, bitLength);
        return ValueTask.FromResult(BitShareVector.Own(_me, bitLength, shares));
    }

    /// <inheritdoc/>
    public BitShareVector RandomBits(int bitLength)
    {
        var shares = new ulong[PackedBits.WordCount(bitLength)];
        _session.Private.Fill(shares);
        ClearTail(shares, bitLength);
        return BitShareVector.Own(_me, bitLength, shares);
    }

    // ------------------------------------------------------------------ boolean interactive

    /// <inheritdoc/>
    public async ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default)
    {
        CheckPair(x, y);
        using Exclusive busy = Enter();
        int w = x.Words.Length;
        var result = new ulong[w];
        if (w == 0)
        {
            return BitShareVector.Own(_me, x.BitLength, result);
        }

        ulong[] a = ArrayPool<ulong>.Shared.Rent(w), b = ArrayPool<ulong>.Shared.Rent(w);
        byte[] de = ArrayPool<byte>.Shared.Rent(16 * w);
        byte[][] received = RentPeers(16 * w);
        try
        {
            _triples.FillAndTriples(a.AsSpan(0, w), b.AsSpan(0, w), result);
            Span<ulong> mine = MemoryMarshal.Cast<byte, ulong>(de.AsSpan(0, 16 * w));
            TensorPrimitives.Xor(x.Words, a.AsSpan(0, w), mine[..w]);
            TensorPrimitives.Xor(y.Words, b.AsSpan(0, w), mine[w..]);
            await OpenInPlaceAsync(de, 16 * w, received, AndOpenLabel, ShareDomain.Boolean, 2 * x.BitLength, cancellationToken, xor: true).ConfigureAwait(false);
            Span<ulong> opened = MemoryMarshal.Cast<byte, ulong>(de.AsSpan(0, 16 * w));
            Span<ulong> d = opened[..w], e = opened[w..];
            Span<ulong> tmp = a.AsSpan(0, w);

            // z = c ⊕ (d ∧ b) ⊕ (e ∧ a) (⊕ d ∧ e at party 0); tmp reuses a after e ∧ a is folded in.
            TensorPrimitives.BitwiseAnd(e, a.AsSpan(0, w), tmp);
            TensorPrimitives.Xor(result, tmp, result);
            TensorPrimitives.BitwiseAnd(d, b.AsSpan(0, w), tmp);
            TensorPrimitives.Xor(result, tmp, result);
            if (_me == AdditiveSharing.ConstantHolder)
            {
                TensorPrimitives.BitwiseAnd(d, e, tmp);
                TensorPrimitives.Xor(result, tmp, result);
            }

            ClearTail(result, x.BitLength);
            _andGates += x.BitLength;
            return BitShareVector.Own(_me, x.BitLength, result);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(a);
            ArrayPool<ulong>.Shared.Return(b);
            ArrayPool<byte>.Shared.Return(de);
            ReturnPeers(received);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using Exclusive busy = Enter();
        int bytes = 8 * x.Words.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        byte[][] received = RentPeers(bytes);
        try
        {
            MemoryMarshal.AsBytes(x.Array.AsSpan()).CopyTo(buffer);
            await OpenInPlaceAsync(buffer, bytes, received, label, ShareDomain.Boolean, x.BitLength, cancellationToken, xor: true).ConfigureAwait(false);
            ulong[] r = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, bytes)).ToArray();
            ClearTail(r, x.BitLength);
            return r;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ReturnPeers(received);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
    {
        Check(x);
        CheckParty(recipient, nameof(recipient));
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        using Exclusive busy = Enter();
        int bytes = 8 * x.Words.Length;
        byte[][] received = _me == recipient ? RentPeers(bytes) : [];
        try
        {
            _session.Audit.Record(label, ShareDomain.Boolean, x.BitLength, recipient, _session.Trace.Rounds + 1);
            await _session.GatherAsync(recipient, MemoryMarshal.AsBytes(x.Array.AsSpan()).ToArray(), AsMemories(received, bytes), cancellationToken).ConfigureAwait(false);
            if (_me != recipient)
            {
                return null;
            }

            var sum = (ulong[])x.Array.Clone();
            for (int p = 0; p < _n; p++)
            {
                if (p != _me)
                {
                    TensorPrimitives.Xor(sum, MemoryMarshal.Cast<byte, ulong>(received[p].AsSpan(0, bytes)), sum);
                }
            }

            ClearTail(sum, x.BitLength);
            return sum;
        }
        finally
        {
            ReturnPeers(received);
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Interactive operations must not overlap: their messages would interleave on the links.</summary>
    private Exclusive Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"Party {_me}: another interactive operation of this black box is still running; await each operation before starting the next (batch independent work with Concat instead).");
        }

        return new Exclusive(this);
    }

    private readonly struct Exclusive(SemiHonestBlackBox owner) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref owner._busy, 0);
    }

    /// <summary>Fused, cache-sized passes: d = Σ d_j, e = Σ e_j, then z = c + d·b + e·a (+ d·e at party 0); z holds c on entry.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void CombineBeaver(int m, byte[] de, byte[][] received, uint[] a, uint[] b, uint[] result, int me, int n)
    {
        Span<uint> opened = MemoryMarshal.Cast<byte, uint>(de.AsSpan(0, 8 * m));
        const int Chunk = 4096;
        for (int start = 0; start < m; start += Chunk)
        {
            int len = Math.Min(Chunk, m - start);
            Span<uint> d = opened.Slice(start, len), e = opened.Slice(m + start, len), z = result.AsSpan(start, len);
            for (int p = 0; p < n; p++)
            {
                if (p != me)
                {
                    ReadOnlySpan<uint> theirs = MemoryMarshal.Cast<byte, uint>(received[p].AsSpan(0, 8 * m));
                    TensorPrimitives.Add(d, theirs.Slice(start, len), d);
                    TensorPrimitives.Add(e, theirs.Slice(m + start, len), e);
                }
            }

            TensorPrimitives.MultiplyAdd(d, b.AsSpan(start, len), z, z);
            TensorPrimitives.MultiplyAdd(e, a.AsSpan(start, len), z, z);
            if (me == AdditiveSharing.ConstantHolder)
            {
                TensorPrimitives.MultiplyAdd(d, e, z, z);
            }
        }
    }

    private static void ClearTail(Span<ulong> words, int bitLength)
    {
        int rem = bitLength % 64;
        if (rem != 0 && words.Length > 0)
        {
            words[^1] &= (1UL << rem) - 1;
        }
    }

    private static void CheckBatch(int length)
    {
        if (length > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"At most {MaxBatch} values per interactive call (1 GiB messages); split the batch.");
        }
    }

    private static void CheckLength(int expected, int actual, string paramName)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"Length mismatch: expected {expected}, got {actual}.", paramName);
        }
    }

    private static void CheckWords(int words, int bitLength, string paramName)
    {
        int expected = PackedBits.WordCount(bitLength);
        if (words != expected)
        {
            throw new ArgumentException($"{bitLength} bits need exactly {expected} words; got {words}.", paramName);
        }
    }

    private static void CheckRange(int length, int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"The range [{start}, {(long)start + count}) exceeds the length {length}.");
        }
    }

    private static Memory<byte>[] AsMemories(byte[][] buffers, int bytes)
    {
        var result = new Memory<byte>[buffers.Length];
        for (int p = 0; p < buffers.Length; p++)
        {
            result[p] = buffers[p] is null ? Memory<byte>.Empty : buffers[p].AsMemory(0, bytes);
        }

        return result;
    }

    /// <summary>Opens <paramref name="bytes"/> bytes of shares to all parties: the buffer ends up holding the sum (or XOR).</summary>
    private async ValueTask OpenInPlaceAsync(byte[] buffer, int bytes, byte[][] received, string label, ShareDomain domain, int length, CancellationToken cancellationToken, bool xor = false, bool combine = true)
    {
        _session.Audit.Record(label, domain, length, null, _session.Trace.Rounds + 1);
        await _session.ExchangeAsync(buffer.AsMemory(0, bytes), AsMemories(received, bytes), cancellationToken).ConfigureAwait(false);
        for (int p = 0; combine && p < _n; p++)
        {
            if (p == _me)
            {
                continue;
            }

            if (xor)
            {
                Span<ulong> acc = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, bytes));
                TensorPrimitives.Xor(acc, MemoryMarshal.Cast<byte, ulong>(received[p].AsSpan(0, bytes)), acc);
            }
            else
            {
                Span<uint> acc = MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, bytes));
                TensorPrimitives.Add(acc, MemoryMarshal.Cast<byte, uint>(received[p].AsSpan(0, bytes)), acc);
            }
        }
    }

    private byte[][] RentPeers(int bytes)
    {
        var buffers = new byte[_n][];
        for (int p = 0; p < _n; p++)
        {
            if (p != _me)
            {
                buffers[p] = ArrayPool<byte>.Shared.Rent(bytes);
            }
        }

        return buffers;
    }

    private static void ReturnPeers(byte[][] buffers)
    {
        foreach (byte[] b in buffers)
        {
            if (b is not null)
            {
                ArrayPool<byte>.Shared.Return(b);
            }
        }
    }

    private void CheckParty(int party, string paramName)
    {
        if ((uint)party >= (uint)_n)
        {
            throw new ArgumentOutOfRangeException(paramName, party, $"Parties are numbered 0..{_n - 1}.");
        }
    }

    private void Check(ShareVector x, string paramName = "x")
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.PartyIndex != _me)
        {
            throw new ArgumentException($"This handle holds party {x.PartyIndex}'s shares; this black box is party {_me}.", paramName);
        }
    }

    private void Check(BitShareVector x, string paramName = "x")
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.PartyIndex != _me)
        {
            throw new ArgumentException($"This handle holds party {x.PartyIndex}'s shares; this black box is party {_me}.", paramName);
        }
    }

    private void CheckPair(ShareVector x, ShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        CheckLength(x.Length, y.Length, nameof(y));
    }

    private void CheckPair(BitShareVector x, BitShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        CheckLength(x.BitLength, y.BitLength, nameof(y));
    }
}
