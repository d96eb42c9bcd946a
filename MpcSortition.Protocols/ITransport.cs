namespace MpcSortition.Protocols;

/// <summary>
/// Authenticated, ordered, message-oriented links from one party to each of its peers. A message is one
/// length-prefixed frame; messages between a pair of parties arrive in the order they were sent.
/// </summary>
/// <remarks>
/// <para>The receiver always knows how long the next message must be (protocols are data-oblivious), so
/// <see cref="ReceiveAsync"/> takes a destination of exactly that length; a frame of any other length is a
/// <see cref="PeerFailure.MalformedFrame"/>.</para>
/// <para>Failure semantics: when a link fails (disconnect, timeout, malformed frame), the transport becomes faulted:
/// every pending and every later operation, on any peer, throws a <see cref="PeerException"/> naming the peer
/// and the cause, and the transport closes its other links so that the other parties fail promptly too.</para>
/// <para>Traffic is counted above the transport: <see cref="PartySession"/> records every message it sends or receives in
/// its <see cref="PartySession.Trace"/>, so an implementation written elsewhere needs no counting of its own.</para>
/// <para>At most one send and one receive per peer run at a time (further calls wait their turn); operations on
/// different peers run concurrently. Disposing ends the session cleanly (each side says goodbye).</para>
/// </remarks>
public interface ITransport : IAsyncDisposable
{
    /// <summary>This party's 0-based index.</summary>
    int PartyIndex { get; }

    /// <summary>Number of parties in the session.</summary>
    int PartyCount { get; }

    /// <summary>Sends one message to <paramref name="peer"/>. The buffer may be reused as soon as the returned task completes.</summary>
    /// <param name="peer">The receiving party, not this one.</param>
    /// <param name="payload">The message.</param>
    /// <param name="cancellationToken">Cancels the send; the transport is faulted afterwards since the stream position is lost.</param>
    /// <returns>Completes when the message has been handed to the link.</returns>
    /// <exception cref="PeerException">The link to some peer failed.</exception>
    ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>Receives the next message from <paramref name="peer"/>, which must be exactly <c>destination.Length</c> bytes long.</summary>
    /// <param name="peer">The sending party, not this one.</param>
    /// <param name="destination">Receives the message.</param>
    /// <param name="cancellationToken">Cancels the receive; the transport is faulted afterwards.</param>
    /// <returns>Completes when the whole message is in <paramref name="destination"/>.</returns>
    /// <exception cref="PeerException">The link to some peer failed, the message has another length, or it timed out.</exception>
    ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default);
}
