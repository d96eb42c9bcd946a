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
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one send or receive may take before the transport faults with
    /// <see cref="PeerFailure.Timeout"/>. Default 60 s; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest message accepted, in bytes; a longer announced frame is malformed. Default 1 GiB.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 30;
}
