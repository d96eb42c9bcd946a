namespace MpcSortition.Protocols;

/// <summary>
/// TCP transport between separate processes or machines, protected by TLS 1.2/1.3 with mutual certificate
/// authentication and certificate pinning (<see cref="TlsTransportOptions"/>).
/// </summary>
/// <remarks>
/// <para>Wire format inside TLS, per direction of a pair: frames of an 8-byte header (payload length, then a
/// sequence number, both little-endian <see cref="uint"/>) followed by the payload. Sequence numbers count
/// data frames from 0; two reserved values mark goodbye (clean end) and abort (the sender failed; the payload is a
/// UTF-8 reason). A frame whose length or sequence number is not the expected one is malformed.</para>
/// <para>Set-up: party i listens on its endpoint, connects to every party j &lt; i and accepts every party j &gt; i.
/// After the TLS handshake both sides exchange a 16-byte hello (magic, version, party index, party count).</para>
/// <para>Strangers: an accepted connection that does not authenticate as a higher-index peer within
/// <see cref="TlsTransportOptions.HandshakeTimeout"/> (a port scanner, bytes that are not TLS, a certificate that is
/// not pinned, an idle socket) is dropped and reported through <see cref="TlsTransportOptions.ConnectionRefused"/>;
/// accepted connections are handshaken concurrently, so none of these ends or stalls the set-up. The listener
/// does not set <c>SO_REUSEPORT</c>: no other process can bind the same port and take a share of the connections.</para>
/// </remarks>
public static class TlsTransport
{
    /// <summary>Joins the session: listens, connects, authenticates every peer, and returns when all links are up.</summary>
    /// <param name="options">Party index, endpoints, certificates, timeouts.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The connected transport.</returns>
    /// <exception cref="PeerException">A peer did not arrive in time (the message lists the strangers refused
    /// meanwhile), a peer this party connects to presented the wrong certificate or refused ours, an authenticated
    /// peer speaks another protocol version or claims another party index, or the listening port is taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<ITransport> ConnectAsync(TlsTransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        int partyCount = options.Validate();
        var setup = new TlsSetup(options, partyCount);
        TlsLink?[] links = await setup.RunAsync(cancellationToken).ConfigureAwait(false);
        return new TlsLinkTransport(options, links);
    }
}
