namespace MpcSortition.Protocols;

/// <summary>Why the link to a peer failed.</summary>
public enum PeerFailure
{
    /// <summary>The peer closed the connection, the process died, or the socket reported an error.</summary>
    Disconnected,

    /// <summary>An expected message did not arrive (or could not be sent) within the configured timeout.</summary>
    Timeout,

    /// <summary>The peer sent a frame that is not what the protocol expects (wrong length, sequence or header).</summary>
    MalformedFrame,

    /// <summary>The peer presented the wrong certificate, or refused ours (TLS mutual authentication failed).</summary>
    AuthenticationFailed,

    /// <summary>The peer runs a different protocol version, party count or claims another party index.</summary>
    ProtocolMismatch,

    /// <summary>The peer ended the session cleanly while this party still expected data from it.</summary>
    ClosedByPeer,
}

/// <summary>
/// A failure of the link between this party and a peer. Every pending and later operation of the transport
/// fails with an exception of this type naming the peer that caused the failure and the cause.
/// </summary>
/// <remarks>Messages name parties, endpoints, lengths and certificate thumbprints; they never contain share values.</remarks>
public sealed class PeerException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="party">The party reporting the failure.</param>
    /// <param name="peer">The peer that caused it, or −1 when the peer could not be identified (an unknown certificate).</param>
    /// <param name="failure">The cause.</param>
    /// <param name="detail">A description without secret data.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public PeerException(int party, int peer, PeerFailure failure, string detail, Exception? innerException = null)
        : base(Format(party, peer, failure, detail), innerException)
    {
        Party = party;
        Peer = peer;
        Detail = detail;
        Failure = failure;
    }

    /// <summary>The party that observed the failure.</summary>
    public int Party { get; }

    /// <summary>The peer that caused the failure, or −1 if it could not be identified.</summary>
    public int Peer { get; }

    /// <summary>The cause.</summary>
    public PeerFailure Failure { get; }

    /// <summary>The description without the party prefix.</summary>
    internal string Detail { get; }

    private static string Format(int party, int peer, PeerFailure failure, string detail)
    {
        string who = peer >= 0 ? $"party {peer}" : "an unidentified peer";
        string what = failure switch
        {
            PeerFailure.Disconnected => "disconnected",
            PeerFailure.Timeout => "timed out",
            PeerFailure.MalformedFrame => "sent a malformed frame",
            PeerFailure.AuthenticationFailed => "failed mutual TLS authentication",
            PeerFailure.ProtocolMismatch => "does not speak the same protocol",
            PeerFailure.ClosedByPeer => "closed the session",
            _ => failure.ToString(),
        };
        return $"Party {party}: link to {who} failed: {who} {what}: {detail}";
    }
}
