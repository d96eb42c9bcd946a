using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

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
/// </remarks>
public static class TlsTransport
{
    /// <summary>Joins the session: listens, connects, authenticates every peer, and returns when all links are up.</summary>
    /// <param name="options">Party index, endpoints, certificates, timeouts.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The connected transport.</returns>
    /// <exception cref="PeerException">A peer could not be reached in time, presented the wrong certificate,
    /// refused ours, or speaks another protocol version.</exception>
    public static async Task<ITransport> ConnectAsync(TlsTransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var transport = new TlsLinkTransport(options);
        try
        {
            await transport.EstablishAsync(cancellationToken).ConfigureAwait(false);
            return transport;
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

internal sealed class TlsLinkTransport : TransportBase
{
    private const int HeaderSize = 8;
    private const uint GoodbyeTag = 0xFFFF_FFFF;
    private const uint AbortTag = 0xFFFF_FFFE;
    private const uint Magic = 0x5343_504D; // "MPCS"
    private const uint Version = 1;
    private const int SmallMessage = 64 * 1024;
    private static readonly SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly TlsTransportOptions _options;
    private readonly Link?[] _links;
    private readonly string[] _pinned;
    private Socket? _listener;
    private PeerException? _firstSetupFailure;

    internal TlsLinkTransport(TlsTransportOptions options)
        : base(options.PartyIndex, CheckOptions(options), options.OperationTimeout)
    {
        _options = options;
        _links = new Link?[PartyCount];
        _pinned = new string[PartyCount];
        for (int p = 0; p < PartyCount; p++)
        {
            _pinned[p] = TlsCertificates.Thumbprint(options.PeerCertificates[p]);
        }
    }

    internal async Task EstablishAsync(CancellationToken cancellationToken)
    {
        using var setup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        setup.CancelAfter(_options.ConnectTimeout);
        var tasks = new List<Task>();
        if (PartyIndex < PartyCount - 1)
        {
            IPEndPoint listen = _options.ListenEndPoint ?? (IPEndPoint)_options.Endpoints[PartyIndex];
            _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(listen);
            _listener.Listen(PartyCount);
            tasks.Add(GuardAsync(() => AcceptPeersAsync(setup), setup));
        }

        for (int peer = 0; peer < PartyIndex; peer++)
        {
            int p = peer;
            tasks.Add(GuardAsync(() => ConnectPeerAsync(p, setup), setup));
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (_firstSetupFailure is not null)
        {
            throw _firstSetupFailure;
        }
        finally
        {
            _listener?.Dispose();
            _listener = null;
        }
    }

    private async Task GuardAsync(Func<Task> step, CancellationTokenSource setup)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (PeerException e)
        {
            // The first failure is the one to report; the other set-up steps are cancelled at once.
            Interlocked.CompareExchange(ref _firstSetupFailure, e, null);
            await setup.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask SendCoreAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Link link = LinkTo(peer);
        if (payload.Length > _options.MaxMessageBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"A message may be at most {_options.MaxMessageBytes} bytes (TlsTransportOptions.MaxMessageBytes).");
        }

        uint seq = link.SendSequence++;
        if (payload.Length <= SmallMessage)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(HeaderSize + payload.Length);
            try
            {
                WriteHeader(buffer, (uint)payload.Length, seq);
                payload.Span.CopyTo(buffer.AsSpan(HeaderSize));
                await link.Stream.WriteAsync(buffer.AsMemory(0, HeaderSize + payload.Length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            WriteHeader(link.SendHeader, (uint)payload.Length, seq);
            await link.Stream.WriteAsync(link.SendHeader, cancellationToken).ConfigureAwait(false);
            await link.Stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }

        await link.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask ReceiveCoreAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Link link = LinkTo(peer);
        await link.Stream.ReadExactlyAsync(link.ReceiveHeader, cancellationToken).ConfigureAwait(false);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(link.ReceiveHeader);
        uint tag = BinaryPrimitives.ReadUInt32LittleEndian(link.ReceiveHeader.AsSpan(4));
        if (tag == GoodbyeTag)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.ClosedByPeer, $"a message of {destination.Length} bytes was expected");
        }

        if (tag == AbortTag && length <= 4096)
        {
            byte[] reason = new byte[length];
            await link.Stream.ReadExactlyAsync(reason, cancellationToken).ConfigureAwait(false);
            throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, $"party {peer} aborted the session ({System.Text.Encoding.UTF8.GetString(reason)})");
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
        await link.Stream.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask CloseCleanlyAsync()
    {
        TimeSpan limit = OperationTimeout == Timeout.InfiniteTimeSpan || OperationTimeout > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : OperationTimeout;
        using var cts = new CancellationTokenSource(limit);
        var tasks = new List<Task>();
        foreach (Link? link in _links)
        {
            if (link is not null)
            {
                tasks.Add(GoodbyeAsync(link, cts.Token));
            }
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    protected override void CloseAbruptly()
    {
        _listener?.Dispose();
        foreach (Link? link in _links)
        {
            link?.Close();
        }
    }

    private static async Task GoodbyeAsync(Link link, CancellationToken cancellationToken)
    {
        try
        {
            var header = new byte[HeaderSize];
            WriteHeader(header, 0, GoodbyeTag);
            await link.Stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await link.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Wait for the peer's goodbye so that nothing is in flight when the socket closes.
            var incoming = new byte[HeaderSize];
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

    private static void WriteHeader(Span<byte> header, uint length, uint tag)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], tag);
    }

    private static int CheckOptions(TlsTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Endpoints);
        ArgumentNullException.ThrowIfNull(options.Certificate);
        ArgumentNullException.ThrowIfNull(options.PeerCertificates);
        int n = options.Endpoints.Count;
        if (n < 2)
        {
            throw new ArgumentException($"A session needs at least 2 parties; {n} endpoints given.", nameof(options));
        }

        if (options.PeerCertificates.Count != n)
        {
            throw new ArgumentException($"Give one pinned certificate per party: {n} endpoints but {options.PeerCertificates.Count} certificates.", nameof(options));
        }

        if ((uint)options.PartyIndex >= (uint)n)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PartyIndex, $"PartyIndex must be in 0..{n - 1}.");
        }

        if (!options.Certificate.HasPrivateKey)
        {
            throw new ArgumentException("This party's certificate has no private key.", nameof(options));
        }

        for (int p = 0; p < n; p++)
        {
            if (options.Endpoints[p] is null || (p != options.PartyIndex && options.PeerCertificates[p] is null))
            {
                throw new ArgumentException($"Endpoint or certificate of party {p} is missing.", nameof(options));
            }
        }

        if (options.ListenEndPoint is null && options.PartyIndex < n - 1 && options.Endpoints[options.PartyIndex] is not IPEndPoint)
        {
            throw new ArgumentException("This party's own endpoint must be an IP address and port (or set ListenEndPoint).", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 1);
        return n;
    }

    private static byte[] Hello(int party, int count)
    {
        var hello = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(8), (uint)party);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(12), (uint)count);
        return hello;
    }

    private Link LinkTo(int peer) =>
        _links[peer] ?? throw new PeerException(PartyIndex, peer, PeerFailure.Disconnected, "no link to this peer");

    private async Task ConnectPeerAsync(int peer, CancellationTokenSource setup)
    {
        EndPoint endpoint = _options.Endpoints[peer];
        Socket? socket = null;
        SslStream? stream = null;
        string? refusal = null;
        try
        {
            while (true)
            {
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endpoint, setup.Token).ConfigureAwait(false);
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.TryAgain or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut)
                {
                    socket.Dispose();
                    await Task.Delay(50, setup.Token).ConfigureAwait(false);
                }
            }

            stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var client = new SslClientAuthenticationOptions
            {
                TargetHost = $"mpcsortition-party-{peer}",
                EnabledSslProtocols = Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ClientCertificateContext = SslStreamCertificateContext.Create(_options.Certificate, null, offline: true),
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        refusal = "it presented no certificate";
                        return false;
                    }

                    string thumb = TlsCertificates.Thumbprint(certificate);
                    if (!string.Equals(thumb, _pinned[peer], StringComparison.OrdinalIgnoreCase))
                    {
                        refusal = $"refused: it presented a certificate with SHA-256 {thumb} ({certificate.Subject}), but the pinned certificate for party {peer} has SHA-256 {_pinned[peer]}";
                        return false;
                    }

                    return true;
                },
            };
            await stream.AuthenticateAsClientAsync(client, setup.Token).ConfigureAwait(false);
            await stream.WriteAsync(Hello(PartyIndex, PartyCount), setup.Token).ConfigureAwait(false);
            var hello = new byte[16];
            await stream.ReadExactlyAsync(hello, setup.Token).ConfigureAwait(false);
            CheckHello(peer, hello);
            _links[peer] = new Link(socket, stream);
        }
        catch (Exception e) when (e is not PeerException)
        {
            stream?.Dispose();
            socket?.Dispose();
            throw SetupFailure(peer, e, refusal, $"connecting to {endpoint}");
        }
        catch
        {
            stream?.Dispose();
            socket?.Dispose();
            throw;
        }
    }

    private async Task AcceptPeersAsync(CancellationTokenSource setup)
    {
        int expected = PartyCount - 1 - PartyIndex;
        for (int accepted = 0; accepted < expected; accepted++)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(setup.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                int missing = Enumerable.Range(PartyIndex + 1, PartyCount - PartyIndex - 1).First(p => _links[p] is null);
                throw SetupFailure(missing, e, null, $"waiting for a connection on {_options.ListenEndPoint ?? _options.Endpoints[PartyIndex]}");
            }

            socket.NoDelay = true;
            await AuthenticateIncomingAsync(socket, setup).ConfigureAwait(false);
        }
    }

    private async Task AuthenticateIncomingAsync(Socket socket, CancellationTokenSource setup)
    {
        string remote = socket.RemoteEndPoint?.ToString() ?? "an unknown address";
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        int peer = -1;
        string? refusal = null;
        try
        {
            var server = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(_options.Certificate, null, offline: true),
                ClientCertificateRequired = true,
                EnabledSslProtocols = Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        refusal = $"refused the connection from {remote}: it presented no client certificate";
                        return false;
                    }

                    string thumb = TlsCertificates.Thumbprint(certificate);
                    for (int p = PartyIndex + 1; p < PartyCount; p++)
                    {
                        if (string.Equals(thumb, _pinned[p], StringComparison.OrdinalIgnoreCase))
                        {
                            peer = p;
                            return true;
                        }
                    }

                    refusal = $"refused the connection from {remote}: its certificate (SHA-256 {thumb}, {certificate.Subject}) is not the pinned certificate of any of parties {PartyIndex + 1}..{PartyCount - 1}";
                    return false;
                },
            };
            await stream.AuthenticateAsServerAsync(server, setup.Token).ConfigureAwait(false);
            var hello = new byte[16];
            await stream.ReadExactlyAsync(hello, setup.Token).ConfigureAwait(false);
            CheckHello(peer, hello);
            if (_links[peer] is not null)
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.ProtocolMismatch, $"a second connection from {remote} presented party {peer}'s certificate");
            }

            await stream.WriteAsync(Hello(PartyIndex, PartyCount), setup.Token).ConfigureAwait(false);
            _links[peer] = new Link(socket, stream);
        }
        catch (Exception e) when (e is not PeerException)
        {
            stream.Dispose();
            throw SetupFailure(peer, e, refusal, $"accepting the connection from {remote}");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void CheckHello(int peer, byte[] hello)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(hello);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(4));
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(8));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(12));
        if (magic != Magic || version != Version)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.ProtocolMismatch, $"its hello is not MpcSortition protocol version {Version}");
        }

        if (index != (uint)peer || count != (uint)PartyCount)
        {
            throw new PeerException(PartyIndex, peer, PeerFailure.ProtocolMismatch, $"it says it is party {index} of {count}, expected party {peer} of {PartyCount}");
        }
    }

    private PeerException SetupFailure(int peer, Exception e, string? refusal, string activity)
    {
        if (refusal is not null)
        {
            return new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, refusal, e);
        }

        return e switch
        {
            OperationCanceledException => new PeerException(PartyIndex, peer, PeerFailure.Timeout, $"set-up did not finish within {_options.ConnectTimeout.TotalSeconds:0.###} s while {activity}", e),
            AuthenticationException => new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, $"TLS handshake failed while {activity}: {e.Message}", e),
            _ => new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, $"the link broke during the TLS handshake or hello while {activity} ({e.Message}); if the peer reports a certificate error, it refused this party's certificate", e),
        };
    }

    private sealed class Link(Socket socket, SslStream stream)
    {
        internal SslStream Stream { get; } = stream;

        internal byte[] SendHeader { get; } = new byte[HeaderSize];

        internal byte[] ReceiveHeader { get; } = new byte[HeaderSize];

        internal uint SendSequence { get; set; }

        internal uint ReceiveSequence { get; set; }

        internal void Close()
        {
            try
            {
                socket.Dispose();
                Stream.Dispose();
            }
            catch (Exception)
            {
                // Closing must not throw.
            }
        }
    }
}
