using System.Buffers.Binary;
using System.Security.Cryptography;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Verification;

/// <summary>The digest of every message one provider sent to, or received from, one peer, in order.</summary>
/// <param name="Peer">The other provider.</param>
/// <param name="Direction">Whether this provider sent or received the messages.</param>
/// <param name="Messages">How many messages.</param>
/// <param name="Bytes">Their payload bytes in all.</param>
/// <param name="Digest">64 hex digits: SHA-256 over "MpcSortition.transcript-stream.v1", then for every message its
/// length as 4 bytes little-endian and its payload, in the order the messages went over the link.</param>
public sealed record MessageDigest(int Peer, TraceDirection Direction, long Messages, long Bytes, string Digest);

/// <summary>
/// A decorator of any <see cref="ITransport"/> that hashes every payload it sends or receives, per peer and direction, in
/// link order (<see cref="MessageDigest"/>). What A sent to B and what B received from A give the same digest unless a
/// message differs; an audit compares the two. It keeps only the running hashes, never a payload.
/// </summary>
/// <remarks>Sends to one peer are serialised here (and receives from one peer too), so the order hashed is the order on
/// the link; operations on different peers still run concurrently. Disposing disposes the inner transport.</remarks>
public sealed class TranscriptTransport : ITransport
{
    private readonly ITransport _inner;
    private readonly Stream[,] _streams;

    /// <summary>Wraps <paramref name="inner"/>, which the decorator then owns.</summary>
    /// <param name="inner">The transport to record.</param>
    public TranscriptTransport(ITransport inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _streams = new Stream[inner.PartyCount, 2];
        for (int p = 0; p < inner.PartyCount; p++)
        {
            for (int d = 0; d < 2; d++)
            {
                _streams[p, d] = new Stream();
            }
        }
    }

    /// <inheritdoc/>
    public int PartyIndex => _inner.PartyIndex;

    /// <inheritdoc/>
    public int PartyCount => _inner.PartyCount;

    /// <inheritdoc/>
    public async ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        Stream s = StreamOf(peer, TraceDirection.Sent);
        await s.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            s.Append(payload.Span);
            await _inner.SendAsync(peer, payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            s.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        Stream s = StreamOf(peer, TraceDirection.Received);
        await s.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _inner.ReceiveAsync(peer, destination, cancellationToken).ConfigureAwait(false);
            s.Append(destination.Span);
        }
        finally
        {
            s.Gate.Release();
        }
    }

    /// <summary>The digests so far: for every peer, sent then received, peers in ascending order. Later messages
    /// continue the same streams.</summary>
    /// <returns>2·(parties − 1) digests.</returns>
    public IReadOnlyList<MessageDigest> Digests()
    {
        var result = new List<MessageDigest>();
        for (int p = 0; p < PartyCount; p++)
        {
            if (p == PartyIndex)
            {
                continue;
            }

            foreach (TraceDirection d in (ReadOnlySpan<TraceDirection>)[TraceDirection.Sent, TraceDirection.Received])
            {
                result.Add(_streams[p, (int)d].Snapshot(p, d));
            }
        }

        return result;
    }

    /// <summary>Disposes the inner transport and the running hashes.</summary>
    /// <returns>Completes when the inner transport is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        foreach (Stream s in _streams)
        {
            s.Dispose();
        }
    }

    /// <summary>Describes the decorator.</summary>
    /// <returns>A fixed description with the party.</returns>
    public override string ToString() => $"TranscriptTransport(party {PartyIndex})";

    private Stream StreamOf(int peer, TraceDirection direction)
    {
        if (peer < 0 || peer >= PartyCount || peer == PartyIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(peer), peer, $"Party {PartyIndex} has peers 0..{PartyCount - 1} other than itself.");
        }

        return _streams[peer, (int)direction];
    }

    private sealed class Stream : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly object _lock = new();
        private long _messages;
        private long _bytes;

        internal Stream() => _hash.AppendData("MpcSortition.transcript-stream.v1"u8);

        internal SemaphoreSlim Gate { get; } = new(1, 1);

        internal void Append(ReadOnlySpan<byte> payload)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, payload.Length);
            lock (_lock)
            {
                _hash.AppendData(length);
                _hash.AppendData(payload);
                _messages++;
                _bytes += payload.Length;
            }
        }

        internal MessageDigest Snapshot(int peer, TraceDirection direction)
        {
            lock (_lock)
            {
                return new MessageDigest(peer, direction, _messages, _bytes, Convert.ToHexString(_hash.GetCurrentHash()));
            }
        }

        public void Dispose()
        {
            _hash.Dispose();
            Gate.Dispose();
        }
    }
}
