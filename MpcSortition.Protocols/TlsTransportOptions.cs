using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols;

/// <summary>
/// How one party joins a TCP session with TLS and mutual certificate authentication (see <see cref="TlsTransport"/>).
/// </summary>
/// <remarks>
/// Peers are authenticated by pinning: party j is accepted only if it presents exactly the certificate
/// <c>PeerCertificates[j]</c> (compared by SHA-256 hash of the whole certificate). No CA is consulted, so
/// self-signed certificates are the normal case; distribute the public certificates out of band.
/// </remarks>
public sealed class TlsTransportOptions
{
    /// <summary>This party's 0-based index.</summary>
    public required int PartyIndex { get; init; }

    /// <summary>Where every party listens, indexed by party; this party connects to the peers with lower indices and
    /// accepts the peers with higher ones. Host names (<see cref="DnsEndPoint"/>) are allowed for peers.</summary>
    public required IReadOnlyList<EndPoint> Endpoints { get; init; }

    /// <summary>The local address to listen on; default <c>Endpoints[PartyIndex]</c> (which must then be an
    /// <see cref="IPEndPoint"/>). Use for example <c>0.0.0.0:port</c> behind NAT.</summary>
    public IPEndPoint? ListenEndPoint { get; init; }

    /// <summary>This party's certificate, with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The pinned certificates of all parties, indexed by party (this party's own entry is ignored).</summary>
    public required IReadOnlyList<X509Certificate2> PeerCertificates { get; init; }

    /// <summary>How long set-up (connecting, TLS handshakes, hellos) may take in total. Default 30 s.</summary>
    /// <remarks>Connections that are not an authenticated peer (port scanners, garbage, unpinned certificates,
    /// idle sockets) are dropped and do not end the set-up; it fails only when a peer has not arrived when this time
    /// has passed, or when an authenticated peer breaks the protocol.</remarks>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection may take from TCP accept (or connect) to the end of the hello exchange.
    /// An accepted connection that has not authenticated as a peer by then is dropped, so a stranger holds a
    /// connection slot for at most this long. Accepted connections are handshaken concurrently. Default 10 s;
    /// never longer than <see cref="ConnectTimeout"/>.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called (on a thread-pool thread, possibly concurrently) for every accepted connection that was dropped
    /// during set-up because it is not an authenticated peer, for example to log it. It is never a peer failure.
    /// Exceptions thrown by the callback are ignored. Default: none.</summary>
    public Action<TlsRefusedConnection>? ConnectionRefused { get; init; }

    /// <summary>How long one send or receive may go without progress (no MiB moved, or the message not started)
    /// before the transport faults with <see cref="PeerFailure.Timeout"/>. A large message on a slow link therefore
    /// does not time out while it is flowing. Default 60 s; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest message accepted, in bytes; a longer announced frame is malformed. Default 1 GiB.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 30;

    /// <summary>Checks the options at the public boundary; returns the party count.</summary>
    internal int Validate()
    {
        ArgumentNullException.ThrowIfNull(Endpoints);
        ArgumentNullException.ThrowIfNull(Certificate);
        ArgumentNullException.ThrowIfNull(PeerCertificates);
        int n = Endpoints.Count;
        if (n < 2)
        {
            throw new ArgumentException($"A session needs at least 2 parties; {n} endpoints given.", nameof(Endpoints));
        }

        if (PeerCertificates.Count != n)
        {
            throw new ArgumentException($"Give one pinned certificate per party: {n} endpoints but {PeerCertificates.Count} certificates.", nameof(PeerCertificates));
        }

        if ((uint)PartyIndex >= (uint)n)
        {
            throw new ArgumentOutOfRangeException(nameof(PartyIndex), PartyIndex, $"PartyIndex must be in 0..{n - 1}.");
        }

        if (!Certificate.HasPrivateKey)
        {
            throw new ArgumentException("This party's certificate has no private key.", nameof(Certificate));
        }

        for (int p = 0; p < n; p++)
        {
            if (Endpoints[p] is null || (p != PartyIndex && PeerCertificates[p] is null))
            {
                throw new ArgumentException($"Endpoint or certificate of party {p} is missing.", nameof(Endpoints));
            }
        }

        if (ListenEndPoint is null && PartyIndex < n - 1 && Endpoints[PartyIndex] is not IPEndPoint)
        {
            throw new ArgumentException("This party's own endpoint must be an IP address and port (or set ListenEndPoint).", nameof(ListenEndPoint));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        if (OperationTimeout != Timeout.InfiniteTimeSpan && OperationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(OperationTimeout), OperationTimeout, "The timeout must be positive or infinite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1, nameof(MaxMessageBytes));
        return n;
    }
}
