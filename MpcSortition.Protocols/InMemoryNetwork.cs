using System.Buffers;
using System.Threading.Channels;

namespace MpcSortition.Protocols;

/// <summary>
/// Creates linked transports for parties that run in one process (tests and simulation). Messages are copied
/// through unbounded in-memory queues, one per ordered pair of parties; framing, ordering, timeouts and
/// failure behaviour are the same as over TCP.
/// </summary>
public static class InMemoryNetwork
{
    /// <summary>Creates one transport per party, all connected to each other.</summary>
    /// <param name="parties">Number of parties, at least 2.</param>
    /// <param name="operationTimeout">How long a send or receive may wait before the transport faults with
    /// <see cref="PeerFailure.Timeout"/>; default 30 seconds; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <returns>Element i is party i's transport.</returns>
    public static ITransport[] Create(int parties, TimeSpan? operationTimeout = null)
    {
        if (parties < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(parties), parties, "A session needs at least 2 parties.");
        }

        var queues = new Channel<InMemoryTransport.Frame>[parties, parties];
        for (int from = 0; from < parties; from++)
        {
            for (int to = 0; to < parties; to++)
            {
                if (from != to)
                {
                    queues[from, to] = Channel.CreateUnbounded<InMemoryTransport.Frame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                }
            }
        }

        var result = new ITransport[parties];
        for (int p = 0; p < parties; p++)
        {
            result[p] = new InMemoryTransport(p, parties, operationTimeout ?? TimeSpan.FromSeconds(30), queues);
        }

        return result;
    }
}

/// <summary>One party's end of an <see cref="InMemoryNetwork"/>.</summary>
internal sealed class InMemoryTransport : TransportBase
{
    private readonly Channel<Frame>[,] _queues;

    internal InMemoryTransport(int partyIndex, int partyCount, TimeSpan operationTimeout, Channel<Frame>[,] queues)
        : base(partyIndex, partyCount, operationTimeout)
    {
        _queues = queues;
    }

    internal enum FrameKind
    {
        Data,
        Goodbye,
        Abort,
    }

    /// <summary>Simulates a crash of this party: its links close without goodbye.</summary>
    internal void Crash() => CloseAbruptly();

    protected override ValueTask SendCoreAsync(int peer, ReadOnlyMemory<byte> payload, Deadline deadline)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.Span.CopyTo(buffer);
        if (!_queues[PartyIndex, peer].Writer.TryWrite(new Frame(buffer, payload.Length, FrameKind.Data)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, "the in-memory link is closed");
        }

        return ValueTask.CompletedTask;
    }

    protected override async ValueTask ReceiveCoreAsync(int peer, Memory<byte> destination, Deadline deadline)
    {
        Frame frame;
        try
        {
            frame = await _queues[peer, PartyIndex].Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, "the in-memory link was closed without goodbye", e);
        }

        try
        {
            if (frame.Kind == FrameKind.Abort)
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, $"party {peer} aborted the session ({System.Text.Encoding.UTF8.GetString(frame.Buffer!, 0, frame.Length)})");
            }

            if (frame.Kind == FrameKind.Goodbye)
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.ClosedByPeer, $"a message of {destination.Length} bytes was expected");
            }

            if (frame.Length != destination.Length)
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.MalformedFrame, $"expected a message of {destination.Length} bytes, got {frame.Length}");
            }

            frame.Buffer.AsSpan(0, frame.Length).CopyTo(destination.Span);
        }
        finally
        {
            if (frame.Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(frame.Buffer);
            }
        }
    }

    protected override ValueTask CloseCleanlyAsync()
    {
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex)
            {
                _queues[PartyIndex, peer].Writer.TryWrite(new Frame(null, 0, FrameKind.Goodbye));
                _queues[PartyIndex, peer].Writer.TryComplete();
            }
        }

        return ValueTask.CompletedTask;
    }

    protected override void SendAbort(int culprit, string reason)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(reason);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(text.Length);
        text.CopyTo(buffer, 0);
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex && peer != culprit)
            {
                byte[] copy = ArrayPool<byte>.Shared.Rent(text.Length);
                text.CopyTo(copy, 0);
                _queues[PartyIndex, peer].Writer.TryWrite(new Frame(copy, text.Length, FrameKind.Abort));
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
    }

    protected override void CloseAbruptly()
    {
        for (int peer = 0; peer < PartyCount; peer++)
        {
            if (peer != PartyIndex)
            {
                _queues[PartyIndex, peer].Writer.TryComplete();
                _queues[peer, PartyIndex].Writer.TryComplete();
            }
        }
    }

    internal readonly record struct Frame(byte[]? Buffer, int Length, FrameKind Kind);
}
