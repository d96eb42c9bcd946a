using System.Buffers;
using System.Buffers.Binary;

namespace MpcSortition.Protocols;

/// <summary>
/// The session after set-up: message framing over the authenticated links that <see cref="TlsSetup"/> established
/// (frame header, sequence numbers, goodbye and abort; see <see cref="TlsWire"/>). It knows nothing of listening,
/// handshakes or certificates.
/// </summary>
internal sealed class TlsLinkTransport : TransportBase
{
    private const int SmallMessage = 64 * 1024;
    private const int ProgressChunk = 1 << 20; // the inactivity timeout restarts after each MiB moved

    private readonly TlsLink?[] _links;
    private readonly int _maxMessageBytes;

    /// <param name="options">Validated options.</param>
    /// <param name="links">One link per peer (null at this party's own index); the transport owns them from now on.</param>
    internal TlsLinkTransport(TlsTransportOptions options, TlsLink?[] links)
        : base(options.PartyIndex, links.Length, options.OperationTimeout)
    {
        _links = links;
        _maxMessageBytes = options.MaxMessageBytes;
    }

    protected override async ValueTask SendCoreAsync(int peer, ReadOnlyMemory<byte> payload, Deadline deadline)
    {
        TlsLink link = LinkTo(peer);
        if (payload.Length > _maxMessageBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"A message may be at most {_maxMessageBytes} bytes (TlsTransportOptions.MaxMessageBytes).");
        }

        uint seq = link.SendSequence++;
        if (payload.Length <= SmallMessage)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(TlsWire.HeaderSize + payload.Length);
            try
            {
                TlsWire.WriteHeader(buffer, (uint)payload.Length, seq);
                payload.Span.CopyTo(buffer.AsSpan(TlsWire.HeaderSize));
                await link.Stream.WriteAsync(buffer.AsMemory(0, TlsWire.HeaderSize + payload.Length), deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            TlsWire.WriteHeader(link.SendHeader, (uint)payload.Length, seq);
            await link.Stream.WriteAsync(link.SendHeader, deadline.Token).ConfigureAwait(false);
            for (int at = 0; at < payload.Length; at += ProgressChunk)
            {
                await link.Stream.WriteAsync(payload.Slice(at, Math.Min(ProgressChunk, payload.Length - at)), deadline.Token).ConfigureAwait(false);
                deadline.Extend();
            }
        }

        await link.Stream.FlushAsync(deadline.Token).ConfigureAwait(false);
    }

    protected override async ValueTask ReceiveCoreAsync(int peer, Memory<byte> destination, Deadline deadline)
    {
        TlsLink link = LinkTo(peer);
        await link.Stream.ReadExactlyAsync(link.ReceiveHeader, deadline.Token).ConfigureAwait(false);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(link.ReceiveHeader);
        uint tag = BinaryPrimitives.ReadUInt32LittleEndian(link.ReceiveHeader.AsSpan(4));
        if (tag == TlsWire.GoodbyeTag)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.ClosedByPeer, $"a message of {destination.Length} bytes was expected");
        }

        if (tag == TlsWire.AbortTag && length <= TlsWire.MaxAbortReason)
        {
            byte[] reason = new byte[length];
            await link.Stream.ReadExactlyAsync(reason, deadline.Token).ConfigureAwait(false);
            string text = TlsWire.Printable(System.Text.Encoding.UTF8.GetString(reason), TlsWire.MaxAbortReason);
            throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, $"party {peer} aborted the session ({text})");
        }

        uint expectedSeq = link.ReceiveSequence;
        if (tag != expectedSeq)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.MalformedFrame, $"frame number {tag} arrived where number {expectedSeq} was expected");
        }

        if (length != (uint)destination.Length)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.MalformedFrame, $"expected a message of {destination.Length} bytes, the frame announces {length}");
        }

        link.ReceiveSequence++;
        int read = 0, sinceExtend = 0;
        while (read < destination.Length)
        {
            int n = await link.Stream.ReadAsync(destination[read..], deadline.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException($"the connection closed after {read} of {destination.Length} bytes of a message");
            }

            read += n;
            sinceExtend += n;
            if (sinceExtend >= ProgressChunk)
            {
                deadline.Extend();
                sinceExtend = 0;
            }
        }
    }

    protected override async ValueTask CloseCleanlyAsync()
    {
        TimeSpan limit = OperationTimeout == Timeout.InfiniteTimeSpan || OperationTimeout > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : OperationTimeout;
        using var cts = new CancellationTokenSource(limit);
        var tasks = new List<Task>();
        foreach (TlsLink? link in _links)
        {
            if (link is not null)
            {
                tasks.Add(GoodbyeAsync(link, cts.Token));
            }
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    protected override void SendAbort(int culprit, string reason)
    {
        byte[] frame = TlsWire.AbortFrame(reason);
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer == PartyIndex || peer == culprit || _links[peer] is not { } link || !TryEnterSend(peer))
            {
                continue; // a send in progress cannot be interrupted mid-frame; the peer will see the close instead
            }

            try
            {
                link.TrySendAbort(frame);
            }
            finally
            {
                ExitSend(peer);
            }
        }
    }

    protected override void CloseAbruptly()
    {
        foreach (TlsLink? link in _links)
        {
            link?.Close();
        }
    }

    private static async Task GoodbyeAsync(TlsLink link, CancellationToken cancellationToken)
    {
        try
        {
            var header = new byte[TlsWire.HeaderSize];
            TlsWire.WriteHeader(header, 0, TlsWire.GoodbyeTag);
            await link.Stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await link.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Wait for the peer's goodbye so that nothing is in flight when the socket closes.
            var incoming = new byte[TlsWire.HeaderSize];
            await link.Stream.ReadExactlyAsync(incoming, cancellationToken).ConfigureAwait(false);
            await link.Stream.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The peer may already have closed; that is fine at the end of a session.
        }
        finally
        {
            link.Close();
        }
    }

    private TlsLink LinkTo(int peer) =>
        _links[peer] ?? throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, "no link to this peer");
}
