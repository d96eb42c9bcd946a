using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols;

/// <summary>
/// Set-up of a <see cref="TlsTransport"/> session: party i connects to every party j &lt; i and accepts every party
/// j &gt; i (<see cref="TlsAcceptor"/>), authenticates each by its pinned certificate, exchanges hellos, and hands
/// the links to <see cref="TlsLinkTransport"/>. Owns the links until then and closes them on failure.
/// </summary>
/// <remarks>
/// Blame: the set-up fails only (a) when the time is up, naming the peers that have not arrived and what was refused
/// meanwhile, (b) when a peer we connect to presents a certificate other than its pinned one or refuses ours, or
/// (c) when an authenticated peer's hello does not match. Connections that never authenticated are strangers: they
/// are dropped and reported through <see cref="TlsTransportOptions.ConnectionRefused"/>, never as a peer failure.
/// </remarks>
internal sealed class TlsSetup
{
    private readonly TlsTransportOptions _options;
    private readonly string[] _pinned;
    private readonly TlsLink?[] _links;
    private readonly long[] _helloOrder;
    private long _hellos;
    private readonly object _gate = new();
    private bool _finished;
    private PeerException? _firstFailure;

    internal TlsSetup(TlsTransportOptions options, int partyCount)
    {
        _options = options;
        PartyIndex = options.PartyIndex;
        PartyCount = partyCount;
        _links = new TlsLink?[partyCount];
        _helloOrder = new long[partyCount];
        _pinned = new string[partyCount];
        for (int p = 0; p < partyCount; p++)
        {
            _pinned[p] = p == PartyIndex ? string.Empty : TlsCertificates.Thumbprint(options.PeerCertificates[p]);
        }

        OwnThumbprint = TlsCertificates.Thumbprint(options.Certificate);
        HandshakeTimeout = options.HandshakeTimeout < options.ConnectTimeout ? options.HandshakeTimeout : options.ConnectTimeout;
    }

    /// <summary>What happened to a link handed to <see cref="Register"/>.</summary>
    internal enum Registration
    {
        /// <summary>Stored; other peers are still missing.</summary>
        Added,

        /// <summary>Stored; every peer that connects to this party is now linked.</summary>
        Complete,

        /// <summary>Not stored: the set-up has already ended; the caller closes the link.</summary>
        Late,

        /// <summary>Not stored: a connection of the same party whose hello arrived later is already linked; the
        /// caller closes this one.</summary>
        Superseded,
    }

    internal int PartyIndex { get; }

    internal int PartyCount { get; }

    internal TlsTransportOptions Options => _options;

    internal string OwnThumbprint { get; }

    internal TimeSpan HandshakeTimeout { get; }

    internal string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###} s";

    internal string Pinned(int party) => _pinned[party];

    /// <summary>Runs the set-up; returns one link per peer (null at this party's index).</summary>
    internal async Task<TlsLink?[]> RunAsync(CancellationToken cancellationToken)
    {
        using var setup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        setup.CancelAfter(_options.ConnectTimeout);
        TlsAcceptor? acceptor = null;
        try
        {
            var tasks = new List<Task>();
            if (PartyIndex < PartyCount - 1)
            {
                acceptor = new TlsAcceptor(this, _options.ListenEndPoint ?? (IPEndPoint)_options.Endpoints[PartyIndex]);
                tasks.Add(GuardAsync(() => acceptor.RunAsync(setup.Token), setup));
            }

            for (int peer = 0; peer < PartyIndex; peer++)
            {
                int p = peer;
                tasks.Add(GuardAsync(() => ConnectPeerAsync(p, setup.Token, cancellationToken), setup));
            }

            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"Party {PartyIndex}: set-up was cancelled by the caller.", cancellationToken);
            }
            catch (Exception) when (_firstFailure is not null)
            {
                throw _firstFailure;
            }

            lock (_gate)
            {
                _finished = true;
                return (TlsLink?[])_links.Clone();
            }
        }
        catch (PeerException e)
        {
            // Peers already linked would otherwise see only a closed connection, and one that has finished its own
            // set-up would blame this party: tell them the root cause first (best effort, as a running session does).
            AbortLinked(e);
            CloseAll();
            throw;
        }
        catch
        {
            CloseAll();
            throw;
        }
        finally
        {
            acceptor?.Dispose();
        }
    }

    /// <summary>Numbers a valid hello from an accepted peer as it arrives: the order in which <see cref="Register"/>
    /// decides which of two connections of the same party is the newer one.</summary>
    internal long NextHello() => Interlocked.Increment(ref _hellos);

    /// <summary>Stores an authenticated link from an accepted peer. Of two connections authenticated as the same
    /// party, the one whose hello arrived later wins and the other is returned (or refused) for the caller to close:
    /// only the holder of that party's private key can make a second one, and it is what a peer restarted during
    /// set-up does.</summary>
    internal (Registration Result, TlsLink? Replaced) Register(int peer, TlsLink link, long hello)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return (Registration.Late, null);
            }

            TlsLink? old = _links[peer];
            if (old is not null && _helloOrder[peer] > hello)
            {
                return (Registration.Superseded, null);
            }

            _links[peer] = link;
            _helloOrder[peer] = hello;
            for (int p = PartyIndex + 1; p < PartyCount; p++)
            {
                if (_links[p] is null)
                {
                    return (Registration.Added, old);
                }
            }

            return (Registration.Complete, old);
        }
    }

    /// <summary>The peers that connect to this party and have not yet been linked.</summary>
    internal int[] MissingAcceptedPeers()
    {
        lock (_gate)
        {
            return Enumerable.Range(PartyIndex + 1, PartyCount - PartyIndex - 1).Where(p => _links[p] is null).ToArray();
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
            Interlocked.CompareExchange(ref _firstFailure, e, null);
            await setup.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends an abort frame naming <paramref name="failure"/> to every linked peer except the one it blames
    /// (<see cref="TlsLink.TrySendAbort"/>: at most 200 ms per peer); never throws.</summary>
    private void AbortLinked(PeerException failure)
    {
        TlsLink?[] links;
        lock (_gate)
        {
            links = (TlsLink?[])_links.Clone();
        }

        byte[] frame = TlsWire.AbortFrame(failure.Message);
        for (int p = 0; p < links.Length; p++)
        {
            if (links[p] is { } link && p != failure.Peer)
            {
                link.TrySendAbort(frame);
            }
        }
    }

    private void CloseAll()
    {
        lock (_gate)
        {
            _finished = true;
            for (int p = 0; p < _links.Length; p++)
            {
                _links[p]?.Close();
                _links[p] = null;
            }
        }
    }

    /// <summary>Connects to a lower-index peer, retrying while nothing listens yet or the connection is dropped before
    /// the TLS handshake completes (the peer may not be up yet, or may be busy), until the set-up time is up. A wrong
    /// server certificate, a TLS alert or a wrong hello ends the set-up at once.</summary>
    private async Task ConnectPeerAsync(int peer, CancellationToken setupToken, CancellationToken callerToken)
    {
        EndPoint endpoint = _options.Endpoints[peer];
        string? lastProblem = null;
        while (true)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            SslStream? stream = null;
            bool handedOver = false, handshakeDone = false;
            string? refusal = null;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(setupToken);
            try
            {
                bool connected = false;
                try
                {
                    await socket.ConnectAsync(endpoint, setupToken).ConfigureAwait(false);
                    connected = true;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.TryAgain or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut)
                {
                    lastProblem = $"nothing accepted the connection ({e.SocketErrorCode})";
                }

                if (connected)
                {
                    attempt.CancelAfter(HandshakeTimeout);
                    stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
                    var client = new SslClientAuthenticationOptions
                    {
                        TargetHost = $"mpcsortition-party-{peer}",
                        EnabledSslProtocols = TlsWire.Protocols,
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
                                refusal = $"refused: it presented a certificate with SHA-256 {thumb} ({TlsWire.Printable(certificate.Subject)}), but the pinned certificate for party {peer} has SHA-256 {_pinned[peer]}";
                                return false;
                            }

                            return true;
                        },
                    };
                    await stream.AuthenticateAsClientAsync(client, attempt.Token).ConfigureAwait(false);
                    handshakeDone = true;
                    await stream.WriteAsync(TlsWire.Hello(PartyIndex, PartyCount), attempt.Token).ConfigureAwait(false);
                    var hello = new byte[TlsWire.HelloSize];
                    await stream.ReadExactlyAsync(hello, attempt.Token).ConfigureAwait(false);
                    if (TlsWire.CheckHello(hello, peer, PartyCount) is { } mismatch)
                    {
                        throw new PeerException(PartyIndex, peer, PeerFailure.ProtocolMismatch, mismatch);
                    }

                    lock (_gate)
                    {
                        if (_finished)
                        {
                            throw new OperationCanceledException(setupToken);
                        }

                        _links[peer] = new TlsLink(socket, stream, endpoint.ToString() ?? string.Empty);
                        handedOver = true;
                    }

                    return;
                }
            }
            catch (PeerException)
            {
                throw;
            }
            catch (Exception e) when (refusal is not null)
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, refusal, e);
            }
            catch (OperationCanceledException e) when (setupToken.IsCancellationRequested)
            {
                if (callerToken.IsCancellationRequested)
                {
                    throw;
                }

                string last = lastProblem is null ? string.Empty : $"; last attempt: {lastProblem}";
                throw new PeerException(PartyIndex, peer, PeerFailure.Timeout, $"set-up did not finish within {Seconds(_options.ConnectTimeout)} while connecting to {endpoint}{last}", e);
            }
            catch (OperationCanceledException)
            {
                // This attempt's handshake limit passed, not the set-up's: try again.
                lastProblem = handshakeDone
                    ? $"{endpoint} completed the TLS handshake but sent no hello within {Seconds(HandshakeTimeout)}"
                    : $"{endpoint} accepted the connection but did not complete the TLS handshake within {Seconds(HandshakeTimeout)}";
            }
            catch (Exception e) when (IsTlsRefusal(e))
            {
                throw new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, $"the TLS handshake with {endpoint} failed ({TlsWire.Printable(e.Message)}); party {peer} may have refused this party's certificate (SHA-256 {OwnThumbprint})", e);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                if (handshakeDone)
                {
                    // A peer that accepted the TLS handshake closes before its hello only when it refuses us.
                    throw new PeerException(PartyIndex, peer, PeerFailure.AuthenticationFailed, $"{endpoint} closed the connection after the TLS handshake without sending its hello ({TlsWire.Printable(e.Message)}); party {peer} probably refused this party's certificate (SHA-256 {OwnThumbprint}) or hello", e);
                }

                // Dropped before the handshake completed: the listener may be busy or not ours yet. Try again.
                lastProblem = $"{endpoint} closed the connection during the TLS handshake ({TlsWire.Printable(e.Message)})";
            }
            finally
            {
                if (!handedOver)
                {
                    stream?.Dispose();
                    socket.Dispose();
                }
            }

            try
            {
                await Task.Delay(lastProblem?.StartsWith("nothing", StringComparison.Ordinal) == true ? 50 : 100, setupToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e)
            {
                if (callerToken.IsCancellationRequested)
                {
                    throw;
                }

                throw new PeerException(PartyIndex, peer, PeerFailure.Timeout, $"set-up did not finish within {Seconds(_options.ConnectTimeout)} while connecting to {endpoint}; last attempt: {lastProblem}", e);
            }
        }
    }

    private static bool IsTlsRefusal(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }
}
