using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// One party's membership in a session: its transport, the pairwise seeds it shares with each peer, its private
/// randomness and its audit trail. Created once per session by <see cref="EstablishAsync"/>; every party runs the
/// same program (SPMD) against its own session.
/// </summary>
/// <remarks>
/// <para>Pairwise seeds: for every pair of parties, each side draws 32 bytes from <see cref="RandomNumberGenerator"/>
/// and sends them to the other over the authenticated link; the pair's key is HKDF-Extract(SHA-256) of both
/// contributions (lower party first). Independent streams for each purpose are derived with HKDF-Expand under a
/// purpose label and expanded with <see cref="AesCtrPrg"/>. Only the two parties of a pair know its key.</para>
/// <para>The session is not thread-safe: run one operation at a time.</para>
/// </remarks>
public sealed class PartySession : IAsyncDisposable
{
    private const int ContributionSize = 32;
    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("MpcSortition pairwise seed v1");
    private readonly byte[]?[] _pairKeys;
    private bool _disposed;

    private PartySession(ITransport transport, byte[]?[] pairKeys, TransportTrace trace)
    {
        Transport = transport;
        _pairKeys = pairKeys;
        Trace = trace;
        Private = AesCtrPrg.CreateRandom();
    }

    /// <summary>This party's 0-based index.</summary>
    public int PartyIndex => Transport.PartyIndex;

    /// <summary>Number of parties.</summary>
    public int PartyCount => Transport.PartyCount;

    /// <summary>The links to the peers.</summary>
    public ITransport Transport { get; }

    /// <summary>Rounds and message sizes of this party's traffic (set-up messages are in round 0), recorded by the
    /// session for every message it sends or receives, whatever the <see cref="ITransport"/> implementation.</summary>
    public TransportTrace Trace { get; }

    /// <summary>Every value this party opened, with its label.</summary>
    public AuditTrail Audit { get; } = new();

    /// <summary>This party's private generator (seeded from <see cref="RandomNumberGenerator"/>, known to nobody else).</summary>
    internal AesCtrPrg Private { get; }

    /// <summary>Agrees pairwise seeds with every peer over the transport (one set-up exchange) and returns the session.</summary>
    /// <param name="transport">A connected transport; the session takes ownership and disposes it.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The session.</returns>
    /// <exception cref="PeerException">A peer failed or runs another party count or version.</exception>
    public static async Task<PartySession> EstablishAsync(ITransport transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The wire format assumes a little-endian machine.");
        }

        int me = transport.PartyIndex;
        int n = transport.PartyCount;
        var mine = new byte[n][];
        var theirs = new byte[n][];
        var trace = new TransportTrace();
        var tasks = new List<Task>();
        for (int peer = 0; peer < n; peer++)
        {
            if (peer == me)
            {
                continue;
            }

            mine[peer] = new byte[16 + ContributionSize];
            BinaryPrimitives.WriteUInt32LittleEndian(mine[peer], 0x5345_4544); // "DEES"
            BinaryPrimitives.WriteUInt32LittleEndian(mine[peer].AsSpan(4), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(mine[peer].AsSpan(8), (uint)me);
            BinaryPrimitives.WriteUInt32LittleEndian(mine[peer].AsSpan(12), (uint)n);
            RandomNumberGenerator.Fill(mine[peer].AsSpan(16));
            theirs[peer] = new byte[16 + ContributionSize];
            trace.Record(peer, TraceDirection.Sent, mine[peer].Length);
            tasks.Add(transport.SendAsync(peer, mine[peer], cancellationToken).AsTask());
            trace.Record(peer, TraceDirection.Received, theirs[peer].Length);
            tasks.Add(transport.ReceiveAsync(peer, theirs[peer], cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var keys = new byte[]?[n];
        for (int peer = 0; peer < n; peer++)
        {
            if (peer == me)
            {
                continue;
            }

            byte[] t = theirs[peer];
            if (BinaryPrimitives.ReadUInt32LittleEndian(t) != 0x5345_4544 || BinaryPrimitives.ReadUInt32LittleEndian(t.AsSpan(4)) != 1
                || BinaryPrimitives.ReadUInt32LittleEndian(t.AsSpan(8)) != (uint)peer || BinaryPrimitives.ReadUInt32LittleEndian(t.AsSpan(12)) != (uint)n)
            {
                throw new PeerException(me, peer, PeerFailure.ProtocolMismatch, "its seed-agreement message does not match this session (version, index or party count)");
            }

            var ikm = new byte[2 * ContributionSize];
            (byte[] low, byte[] high) = me < peer ? (mine[peer], t) : (t, mine[peer]);
            low.AsSpan(16).CopyTo(ikm);
            high.AsSpan(16).CopyTo(ikm.AsSpan(ContributionSize));
            keys[peer] = HKDF.Extract(HashAlgorithmName.SHA256, ikm, Salt);
            CryptographicOperations.ZeroMemory(ikm);
            CryptographicOperations.ZeroMemory(mine[peer]);
            CryptographicOperations.ZeroMemory(t);
        }

        return new PartySession(transport, keys, trace);
    }

    /// <summary>Establishes a session over <paramref name="transport"/> and builds an engine on it; when the engine
    /// refuses the session (e.g. the wrong party count) the session and its transport are closed before the refusal
    /// propagates.</summary>
    internal static async Task<T> EstablishForAsync<T>(ITransport transport, Func<PartySession, T> create, CancellationToken cancellationToken)
    {
        PartySession session = await EstablishAsync(transport, cancellationToken).ConfigureAwait(false);
        try
        {
            return create(session);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The session's traffic so far together with an engine's operation counts.</summary>
    internal SessionCost CostWith(long multiplications, long andGates) =>
        new(Trace.Rounds, Trace.BytesSent, Trace.BytesReceived, multiplications, andGates);

    /// <summary>Ends the session: clears the seeds and closes the transport cleanly.</summary>
    /// <returns>Completes when the transport is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (byte[]? key in _pairKeys)
        {
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        Private.Dispose();
        await Transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Describes the session without secrets.</summary>
    /// <returns>For example <c>PartySession(party 0 of 3)</c>.</returns>
    public override string ToString() => $"PartySession(party {PartyIndex} of {PartyCount})";

    /// <summary>A generator that only this party and <paramref name="peer"/> can compute, one per purpose label.</summary>
    internal AesCtrPrg CreatePairStream(int peer, string purpose)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] key = _pairKeys[peer] ?? throw new ArgumentOutOfRangeException(nameof(peer), peer, "Not a peer of this party.");
        Span<byte> seed = stackalloc byte[AesCtrPrg.SeedSize];
        HKDF.Expand(HashAlgorithmName.SHA256, key, seed, Encoding.ASCII.GetBytes("MpcSortition stream: " + purpose));
        try
        {
            return new AesCtrPrg(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>One round: send <paramref name="mine"/> to every peer and receive one message of the same length from each.</summary>
    /// <param name="mine">This party's message.</param>
    /// <param name="received">Indexed by party; the entry of this party is ignored; others must have <c>mine.Length</c> bytes.</param>
    /// <param name="cancellationToken">Cancels the round.</param>
    internal async ValueTask ExchangeAsync(ReadOnlyMemory<byte> mine, Memory<byte>[] received, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Trace.BeginRound();
        var tasks = new Task[2 * (PartyCount - 1)];
        int t = 0;

        // Post the receives first: they go asynchronous at once, while a large send may encrypt and write
        // synchronously for a while on this thread.
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex)
            {
                Trace.Record(peer, TraceDirection.Received, received[peer].Length);
                tasks[t++] = Transport.ReceiveAsync(peer, received[peer], cancellationToken).AsTask();
            }
        }

        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex)
            {
                Trace.Record(peer, TraceDirection.Sent, mine.Length);
                tasks[t++] = Transport.SendAsync(peer, mine, cancellationToken).AsTask();
            }
        }

        await WhenAllAsync(tasks).ConfigureAwait(false);
    }

    /// <summary>One round in which this party sends <paramref name="mine"/> to <paramref name="to"/> (if it is a peer) and
    /// receives <paramref name="received"/> from <paramref name="from"/> (if it is a peer); either may be −1 for none.
    /// The replicated engine's rounds: every party passes one message around the ring.</summary>
    internal async ValueTask PassAsync(int to, ReadOnlyMemory<byte> mine, int from, Memory<byte> received, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Trace.BeginRound();
        Task? receive = null;
        if (from >= 0)
        {
            Trace.Record(from, TraceDirection.Received, received.Length);
            receive = Transport.ReceiveAsync(from, received, cancellationToken).AsTask();
        }

        Task? send = null;
        if (to >= 0)
        {
            Trace.Record(to, TraceDirection.Sent, mine.Length);
            send = Transport.SendAsync(to, mine, cancellationToken).AsTask();
        }

        await WhenAllAsync([receive ?? Task.CompletedTask, send ?? Task.CompletedTask]).ConfigureAwait(false);
    }

    /// <summary>One round: every party except <paramref name="recipient"/> sends <paramref name="mine"/> to it; the recipient receives from all.</summary>
    internal async ValueTask GatherAsync(int recipient, ReadOnlyMemory<byte> mine, Memory<byte>[] received, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Trace.BeginRound();
        if (PartyIndex != recipient)
        {
            Trace.Record(recipient, TraceDirection.Sent, mine.Length);
            await Transport.SendAsync(recipient, mine, cancellationToken).ConfigureAwait(false);
            return;
        }

        var tasks = new Task[PartyCount - 1];
        int t = 0;
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex)
            {
                Trace.Record(peer, TraceDirection.Received, received[peer].Length);
                tasks[t++] = Transport.ReceiveAsync(peer, received[peer], cancellationToken).AsTask();
            }
        }

        await WhenAllAsync(tasks).ConfigureAwait(false);
    }

    private static async Task WhenAllAsync(Task[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Prefer the peer failure (it names the cause) over a cancellation that it triggered.
            Exception? best = tasks.Select(x => x.Exception?.InnerException).OfType<PeerException>().FirstOrDefault();
            if (best is not null)
            {
                throw best;
            }

            throw;
        }
    }
}
