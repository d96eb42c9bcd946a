using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols;

/// <summary>
/// The listening side of <see cref="TlsSetup"/>: accepts connections until every higher-index peer has authenticated,
/// screening each one concurrently under <see cref="TlsTransportOptions.HandshakeTimeout"/>. Anything that is not an
/// authenticated peer is dropped and reported as a stranger; it neither ends nor stalls the set-up.
/// </summary>
internal sealed class TlsAcceptor : IDisposable
{
    /// <summary>At most this many accepted connections are handshaken at once; more are closed at once (and retried
    /// by a real peer). Bounds what a flood of idle sockets costs this process.</summary>
    internal const int MaxPendingHandshakes = 64;

    private const int Backlog = 64;
    private const int RefusalsInMessage = 5;

    private readonly TlsSetup _setup;
    private readonly Socket _listener;
    private readonly string _local;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _screenings = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Socket, string> _inFlight = new();
    private readonly Queue<TlsRefusedConnection> _lastRefused = new();
    private int _refusedCount;
    private bool _anyRefusedSpokeTls;
    private int _pending;

    internal TlsAcceptor(TlsSetup setup, IPEndPoint listen)
    {
        _setup = setup;
        _local = listen.ToString();
        try
        {
            _listener = OpenListener(listen, Backlog);
        }
        catch (SocketException e)
        {
            throw new PeerException(setup.PartyIndex, setup.PartyIndex, PeerFailure.Disconnected, $"cannot listen on {listen}: {e.Message} (is another process using the port?)", e);
        }
    }

    /// <summary>
    /// Opens a listening socket that no other socket can share: on Linux only <c>SO_REUSEADDR</c> is set (so that a
    /// restarted node can listen again while old connections are in TIME_WAIT; Linux refuses a second bind to a port
    /// that has a listener), never <c>SO_REUSEPORT</c>, which would let another process bind the same port and
    /// receive a share of the incoming connections. .NET's <see cref="SocketOptionName.ReuseAddress"/> is not used
    /// because on Unix it sets <c>SO_REUSEPORT</c> as well. On Windows the address is claimed exclusively.
    /// </summary>
    internal static Socket OpenListener(IPEndPoint listen, int backlog)
    {
        var socket = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                socket.ExclusiveAddressUse = true;
            }
            else if (OperatingSystem.IsLinux())
            {
                const int SolSocket = 1, SoReuseAddr = 2;
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            socket.Bind(listen);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts until every higher-index peer is linked. When the set-up time is up first, throws a
    /// <see cref="PeerException"/> naming the missing peers and the strangers refused meanwhile.</summary>
    internal async Task RunAsync(CancellationToken setupToken)
    {
        using CancellationTokenRegistration onSetupEnd = setupToken.Register(() => _stop.Cancel());
        Task loop = AcceptLoopAsync();
        try
        {
            await _done.Task.WaitAsync(setupToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (setupToken.IsCancellationRequested && !_done.Task.IsCompleted)
        {
            throw MissingPeers(e);
        }
        finally
        {
            Stop();
            await loop.ConfigureAwait(false);
            Task[] screenings;
            lock (_screenings)
            {
                screenings = [.. _screenings];
            }

            await Task.WhenAll(screenings).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening and ends every screening in progress.</summary>
    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _listener.Dispose();

        // Closing the sockets still being screened ends their pending reads and handshakes at once, whatever the
        // handshake code does with cancellation. A socket leaves this set before it becomes a link.
        foreach (Socket socket in _inFlight.Keys)
        {
            socket.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // For example a connection reset while in the backlog, or no file descriptors left: keep listening.
                try
                {
                    await Task.Delay(20, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (Interlocked.Increment(ref _pending) > MaxPendingHandshakes)
            {
                Interlocked.Decrement(ref _pending);
                Refuse(RemoteOf(socket), $"more than {MaxPendingHandshakes} connections were being handshaken at once", spokeTls: false);
                socket.Dispose();
                continue;
            }

            lock (_screenings)
            {
                _screenings.RemoveAll(t => t.IsCompleted);
                _screenings.Add(Task.Run(() => ScreenAsync(socket)));
            }
        }
    }

    /// <summary>One accepted connection: first byte, TLS handshake with pinning, hello; all within the handshake
    /// timeout. Never throws; the outcome is a link, a stranger report, or a fatal peer failure in <see cref="_done"/>.</summary>
    private async Task ScreenAsync(Socket socket)
    {
        EndPoint? remote = RemoteOf(socket);
        string where = remote?.ToString() ?? "an unknown address";
        TimeSpan limitTime = _setup.HandshakeTimeout;
        SslStream? stream = null;
        bool handedOver = false, spokeTls = false;
        string? refusal = null;
        int candidate = -1, authenticated = -1;
        _inFlight[socket] = where;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            limit.CancelAfter(limitTime);
            try
            {
                socket.NoDelay = true;

                // Look at the first byte without consuming it: a scanner, garbage and an idle socket are told apart
                // from a TLS client before any TLS work is done.
                var first = new byte[1];
                int n = await socket.ReceiveAsync(first, SocketFlags.Peek, limit.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    Refuse(remote, "it closed the connection without sending anything", spokeTls: false);
                    return;
                }

                if (first[0] != TlsWire.TlsHandshakeRecord)
                {
                    Refuse(remote, $"it sent bytes that are not a TLS handshake (first byte 0x{first[0]:X2})", spokeTls: false);
                    return;
                }

                spokeTls = true;
                stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
                var server = new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(_setup.Options.Certificate, null, offline: true),
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = TlsWire.Protocols,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    {
                        (candidate, refusal) = Identify(certificate);
                        return candidate >= 0;
                    },
                };
                await stream.AuthenticateAsServerAsync(server, limit.Token).ConfigureAwait(false);

                // Only a completed handshake proves that the client holds the private key of the certificate it
                // showed; until here the candidate is a claim, and a failure is a stranger's, not that party's.
                authenticated = candidate;
                var hello = new byte[TlsWire.HelloSize];
                await stream.ReadExactlyAsync(hello, limit.Token).ConfigureAwait(false);
                if (TlsWire.CheckHello(hello, authenticated, _setup.PartyCount) is { } mismatch)
                {
                    _done.TrySetException(new PeerException(_setup.PartyIndex, authenticated, PeerFailure.ProtocolMismatch, $"{mismatch} (connection from {where}, authenticated by party {authenticated}'s pinned certificate)"));
                    return;
                }

                long order = _setup.NextHello();
                await stream.WriteAsync(TlsWire.Hello(_setup.PartyIndex, _setup.PartyCount), limit.Token).ConfigureAwait(false);
                var link = new TlsLink(socket, stream, where);
                _inFlight.TryRemove(socket, out _);
                (TlsSetup.Registration result, TlsLink? replaced) = _setup.Register(authenticated, link, order);
                if (result == TlsSetup.Registration.Late)
                {
                    return;
                }

                if (result == TlsSetup.Registration.Superseded)
                {
                    Refuse(remote, $"it authenticated as party {authenticated}, but a newer connection of party {authenticated} is already linked", spokeTls: true);
                    return;
                }

                handedOver = true;
                if (replaced is not null)
                {
                    replaced.Close();
                    Refuse(null, $"the connection from {replaced.Remote} authenticated as party {authenticated} was replaced by a newer one from {where} (a restarted peer)", spokeTls: true);
                }

                if (result == TlsSetup.Registration.Complete)
                {
                    _done.TrySetResult();
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // The set-up ended (complete, failed or timed out) while this connection was being screened; Stop
                // closed its socket. Nothing to report: the set-up's outcome no longer depends on it.
            }
            catch (Exception e)
            {
                Refuse(remote, Describe(e, refusal, authenticated, spokeTls, limitTime), spokeTls);
            }
        }
        catch (Exception)
        {
            // Screening never throws: the set-up is decided by the peers, not by a stranger's connection.
        }
        finally
        {
            _inFlight.TryRemove(socket, out _);
            if (!handedOver)
            {
                stream?.Dispose();
                socket.Dispose();
            }

            Interlocked.Decrement(ref _pending);
        }
    }

    private (int Party, string? Refusal) Identify(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return (-1, "it presented no client certificate");
        }

        string thumb = TlsCertificates.Thumbprint(certificate);
        for (int p = 0; p < _setup.PartyCount; p++)
        {
            if (p != _setup.PartyIndex && string.Equals(thumb, _setup.Pinned(p), StringComparison.OrdinalIgnoreCase))
            {
                return p > _setup.PartyIndex
                    ? (p, null)
                    : (-1, $"it presented party {p}'s certificate, but party {p} does not connect to this party (this party connects to it)");
            }
        }

        return (-1, $"its certificate (SHA-256 {thumb}, {TlsWire.Printable(certificate.Subject)}) is not the pinned certificate of any of parties {_setup.PartyIndex + 1}..{_setup.PartyCount - 1}");
    }

    private static string Describe(Exception e, string? refusal, int authenticated, bool spokeTls, TimeSpan limit)
    {
        string seconds = $"{limit.TotalSeconds:0.###} s";
        if (refusal is not null)
        {
            return refusal;
        }

        if (authenticated >= 0)
        {
            return e is OperationCanceledException
                ? $"it authenticated as party {authenticated} but sent no hello within {seconds}"
                : $"it authenticated as party {authenticated} but the connection broke before its hello ({TlsWire.Printable(e.Message)})";
        }

        return e switch
        {
            OperationCanceledException when !spokeTls => $"it sent nothing within {seconds}",
            OperationCanceledException => $"it did not complete the TLS handshake within {seconds}",
            AuthenticationException => $"the TLS handshake failed ({TlsWire.Printable(e.Message)})",
            _ => $"it closed or broke the connection during the TLS handshake ({TlsWire.Printable(e.Message)})",
        };
    }

    private static EndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private void Refuse(EndPoint? remote, string reason, bool spokeTls)
    {
        var refused = new TlsRefusedConnection(remote, reason, spokeTls);
        lock (_lastRefused)
        {
            _refusedCount++;
            _anyRefusedSpokeTls |= spokeTls;
            _lastRefused.Enqueue(refused);
            if (_lastRefused.Count > RefusalsInMessage)
            {
                _lastRefused.Dequeue();
            }
        }

        try
        {
            _setup.Options.ConnectionRefused?.Invoke(refused);
        }
        catch (Exception)
        {
            // A logging callback must not decide the set-up.
        }
    }

    private PeerException MissingPeers(Exception cause)
    {
        int[] missing = _setup.MissingAcceptedPeers();
        int first = missing.Length > 0 ? missing[0] : _setup.PartyIndex + 1;
        string who = missing.Length <= 1 ? $"party {first}" : $"parties {string.Join(" and ", missing)}";
        string detail = $"{who} did not connect to {_local} with a pinned certificate within {_setup.Seconds(_setup.Options.ConnectTimeout)}";
        PeerFailure failure = PeerFailure.Timeout;
        string[] open = [.. _inFlight.Values.Take(RefusalsInMessage)];
        if (open.Length > 0)
        {
            string some = open.Length < _inFlight.Count ? ", for example" : string.Empty;
            detail += $"; {_inFlight.Count} other connection(s) were not authenticated yet{some}: {string.Join("; ", open.Select(w => $"{w}: still open without completing a TLS handshake"))}";
        }

        lock (_lastRefused)
        {
            if (_refusedCount > 0)
            {
                string shown = _refusedCount > _lastRefused.Count ? $", the last {_lastRefused.Count}" : string.Empty;
                detail += $"; {_refusedCount} other connection(s) were refused meanwhile as not an authenticated peer{shown}: {string.Join("; ", _lastRefused)}";
                if (_anyRefusedSpokeTls)
                {
                    failure = PeerFailure.AuthenticationFailed;
                    detail += $" (if one of them was {who}, its certificate is not the one pinned here, or it refused this party's certificate)";
                }
            }
        }

        return new PeerException(_setup.PartyIndex, first, failure, detail, cause);
    }
}
