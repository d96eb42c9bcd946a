using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Set-up hardening: connections that are not an authenticated peer (a port scanner, garbage, an unpinned certificate,
/// an idle socket, a second bind on the port) neither end nor stall the set-up, and failures blame the right party.
/// Everything runs on 127.0.0.1 with finite, generous bounds.
/// </summary>
public sealed class TlsStrangerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    /// <summary>Asserts that a refusal matching <paramref name="match"/> is reported within <see cref="Bound"/>. The
    /// acceptor may report a refusal after it has closed the connection, and set-up may complete while a stranger's
    /// connection is still being handled, so the report can land a moment after what the test observes.</summary>
    private static async Task ReportedAsync(ConcurrentQueue<string> refused, Func<string, bool> match)
    {
        var clock = Stopwatch.StartNew();
        while (!refused.Any(match) && clock.Elapsed < Bound)
        {
            await Task.Delay(10);
        }

        Assert.Contains(refused, r => match(r));
    }

    [Fact]
    public async Task A_port_scan_during_set_up_neither_aborts_nor_stalls_it()
    {
        int[] ports = Tls.FreePorts(3);
        var refused = new ConcurrentQueue<string>();
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, refused));
        for (int i = 0; i < 5; i++)
        {
            using Socket scan = await ConnectWhenListeningAsync(ports[0]); // connect and close, as a scanner does
        }

        ITransport[] all = await JoinAsync(zero, ports);
        await AssertLinksWorkAsync(all);
#if !OLD_TLS
        await ReportedAsync(refused, r => r.Contains("closed the connection without sending anything", StringComparison.Ordinal));
#endif
    }

    [Fact]
    public async Task Garbage_instead_of_a_ClientHello_is_dropped_and_set_up_goes_on()
    {
        int[] ports = Tls.FreePorts(3);
        var refused = new ConcurrentQueue<string>();
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, refused));
        using Socket http = await ConnectWhenListeningAsync(ports[0]);
        await http.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.True(await ClosedByServerAsync(http, TimeSpan.FromSeconds(20)), "the listener should close a connection that does not speak TLS");

        // Looks like a TLS record (0x16) but is junk: the TLS layer refuses it.
        using Socket junk = await ConnectWhenListeningAsync(ports[0]);
        await junk.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF, 0x00 });
        Assert.True(await ClosedByServerAsync(junk, TimeSpan.FromSeconds(20)), "the listener should close a broken TLS handshake");

        ITransport[] all = await JoinAsync(zero, ports);
        await AssertLinksWorkAsync(all);
#if !OLD_TLS
        await ReportedAsync(refused, r => r.Contains("not a TLS handshake (first byte 0x47)", StringComparison.Ordinal));
        await ReportedAsync(refused, r => r.Contains("TLS handshake", StringComparison.Ordinal) && !r.Contains("0x47", StringComparison.Ordinal));
#endif
    }

    [Fact]
    public async Task A_stranger_with_an_unpinned_certificate_is_refused_and_the_peers_still_join()
    {
        int[] ports = Tls.FreePorts(3);
        var refused = new ConcurrentQueue<string>();
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, refused));
        using Socket socket = await ConnectWhenListeningAsync(ports[0]);
        await using (var stranger = new SslStream(new NetworkStream(socket, ownsSocket: false)))
        {
            // The handshake fails (TLS 1.2) or the server's refusal arrives on the first read (TLS 1.3): either way the
            // stranger gets nothing, and the listener goes on.
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await stranger.AuthenticateAsClientAsync(StrangerClient(Tls.Certificates[3]));
                await stranger.WriteAsync(new byte[16]);
                Assert.Equal(0, await stranger.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
                throw new IOException("closed"); // a clean close is a refusal too
            });
        }

        ITransport[] all = await JoinAsync(zero, ports);
        await AssertLinksWorkAsync(all);
#if !OLD_TLS
        string thumb = TlsCertificates.Thumbprint(Tls.Certificates[3]);
        await ReportedAsync(refused, r => r.Contains(thumb, StringComparison.Ordinal) && r.Contains("is not the pinned certificate of any of parties 1..2", StringComparison.Ordinal));
#endif
    }

    [Fact]
    public async Task An_idle_socket_opened_before_the_peers_does_not_stall_set_up()
    {
        int[] ports = Tls.FreePorts(3);
        TimeSpan connect = TimeSpan.FromSeconds(60);
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, null, connect, handshake: TimeSpan.FromSeconds(40)));
        using Socket idle = await ConnectWhenListeningAsync(ports[0]); // opened first, held open, never speaks
        using Socket idleToo = await ConnectWhenListeningAsync(ports[0]);
        var clock = Stopwatch.StartNew();
        Task<ITransport> one = TlsTransport.ConnectAsync(Options(1, ports, null, connect));
        Task<ITransport> two = TlsTransport.ConnectAsync(Options(2, ports, null, connect));

        // Both the set-up timeout (60 s) and the handshake timeout (40 s) are far away: finishing well before either
        // shows that the idle sockets did not hold up the accept loop.
        ITransport[] all = await Task.WhenAll(zero, one, two).WaitAsync(TimeSpan.FromSeconds(25));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"set-up took {clock.Elapsed}");
        await AssertLinksWorkAsync(all);
    }

    [Fact]
    public async Task An_idle_stranger_holds_its_connection_for_at_most_the_handshake_timeout()
    {
        int[] ports = Tls.FreePorts(3);
        var refused = new ConcurrentQueue<string>();
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, refused, TimeSpan.FromSeconds(40), handshake: TimeSpan.FromSeconds(1)));
        using Socket idle = await ConnectWhenListeningAsync(ports[0]);
        var clock = Stopwatch.StartNew();
        Assert.True(await ClosedByServerAsync(idle, TimeSpan.FromSeconds(15)), "the listener should drop an idle socket after the handshake timeout");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"dropped after {clock.Elapsed}, before the 1 s handshake timeout");
        Assert.False(zero.IsCompleted, "set-up goes on after dropping the stranger");
        ITransport[] all = await JoinAsync(zero, ports);
        await AssertLinksWorkAsync(all);
#if !OLD_TLS
        await ReportedAsync(refused, r => r.Contains("sent nothing within 1 s", StringComparison.Ordinal));
#endif
    }

    [Fact]
    public async Task With_an_idle_stranger_and_party_2_absent_every_node_blames_party_2()
    {
        int[] ports = Tls.FreePorts(3);
        TimeSpan timeout = TimeSpan.FromSeconds(10); // party 1 must reach party 0 well within it, also on a loaded machine
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, null, timeout));
        using Socket idle = await ConnectWhenListeningAsync(ports[0]); // before party 1 arrives, held open throughout
        Task<ITransport> one = TlsTransport.ConnectAsync(Options(1, ports, null, timeout));
        PeerException atZero = await Assert.ThrowsAsync<PeerException>(() => zero.WaitAsync(Bound));
        PeerException atOne = await Assert.ThrowsAsync<PeerException>(() => one.WaitAsync(Bound));

        // Today's bug: party 0's accept loop hung on the idle socket, so party 1 blamed party 0 (its handshake with
        // party 0 never finished) and party 0 blamed nobody in particular.
        Assert.Equal(2, atZero.Peer);
        Assert.Equal(PeerFailure.Timeout, atZero.Failure);
        Assert.Equal(2, atOne.Peer);
        Assert.Equal(PeerFailure.Timeout, atOne.Failure);
        Assert.DoesNotContain("party 0", atOne.Message.Replace("Party 0", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
#if !OLD_TLS
        Assert.Contains("party 2 did not connect", atZero.Message, StringComparison.Ordinal);
        Assert.Contains("party 2 did not connect", atOne.Message, StringComparison.Ordinal);
        // The stranger is named as one: still open, or dropped at the handshake timeout, which is clamped to the connect
        // timeout and so races with it.
        Assert.Contains($"{idle.LocalEndPoint}: ", atZero.Message, StringComparison.Ordinal);
#endif
    }

    [Fact]
    public async Task With_party_2_absent_a_stranger_with_an_unpinned_certificate_is_named_but_party_2_is_blamed()
    {
        int[] ports = Tls.FreePorts(3);
        TimeSpan timeout = TimeSpan.FromSeconds(15); // the stranger's handshake must end well within it, also on a loaded machine
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, null, timeout));
        Task<ITransport> one = TlsTransport.ConnectAsync(Options(1, ports, null, timeout));
        using (Socket socket = await ConnectWhenListeningAsync(ports[0]))
        await using (var stranger = new SslStream(new NetworkStream(socket, ownsSocket: false)))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await stranger.AuthenticateAsClientAsync(StrangerClient(Tls.Certificates[3]));
                await stranger.WriteAsync(new byte[16]);
                Assert.Equal(0, await stranger.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
                throw new IOException("closed");
            });
        }

        Assert.False(zero.IsCompleted, "the stranger must not end the set-up");
        PeerException atZero = await Assert.ThrowsAsync<PeerException>(() => zero.WaitAsync(Bound));
        await Assert.ThrowsAsync<PeerException>(() => one.WaitAsync(Bound));
        Assert.Equal(2, atZero.Peer);
        Assert.Equal(PeerFailure.AuthenticationFailed, atZero.Failure); // something spoke TLS with an unpinned certificate
        Assert.Contains("party 2 did not connect", atZero.Message, StringComparison.Ordinal);
        Assert.Contains(TlsCertificates.Thumbprint(Tls.Certificates[3]), atZero.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_listener_on_the_node_port_is_refused_and_cannot_steal_connections()
    {
        int[] ports = Tls.FreePorts(3);
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, null));
        (await ConnectWhenListeningAsync(ports[0])).Dispose();

        // The thief asks for everything .NET offers (ReuseAddress, which on Linux also sets SO_REUSEPORT).
        using var thief = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        thief.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        SocketException e = Assert.Throws<SocketException>(() => thief.Bind(new IPEndPoint(IPAddress.Loopback, ports[0])));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);

        ITransport[] all = await JoinAsync(zero, ports);
        await AssertLinksWorkAsync(all);
    }

#if !OLD_TLS
    [Fact]
    public void The_listener_sets_SO_REUSEADDR_but_never_SO_REUSEPORT()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the option numbers below are Linux's; Windows claims the port exclusively instead
        }

        const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;
        using Socket listener = TlsAcceptor.OpenListener(new IPEndPoint(IPAddress.Loopback, 0), 4);
        var value = new byte[4];
        listener.GetRawSocketOption(SolSocket, SoReusePort, value);
        Assert.Equal(0, BitConverter.ToInt32(value));
        listener.GetRawSocketOption(SolSocket, SoReuseAddr, value);
        Assert.NotEqual(0, BitConverter.ToInt32(value));

        // A second socket on the port fails even with both options set, and a listening port is reported as taken.
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        second.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        second.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        Assert.Throws<SocketException>(() => second.Bind(listener.LocalEndPoint!));
    }

    [Fact]
    public async Task A_port_already_taken_fails_set_up_with_a_message_naming_the_port()
    {
        int[] ports = Tls.FreePorts(3);
        using var squatter = new TcpListener(IPAddress.Loopback, ports[0]);
        squatter.Start();
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => TlsTransport.ConnectAsync(Options(0, ports, null)).WaitAsync(Bound));
        Assert.Equal(0, e.Peer);
        Assert.Contains($"cannot listen on 127.0.0.1:{ports[0]}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_peer_replaces_its_earlier_connection_instead_of_failing_set_up()
    {
        int[] ports = Tls.FreePorts(3);
        var refused = new ConcurrentQueue<string>();
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, refused));

        // A first "party 2" (it holds party 2's key) authenticates and says hello, then goes silent, as a process that
        // was stopped during set-up would. The real party 2 then connects again.
        using Socket socket = await ConnectWhenListeningAsync(ports[0]);
        await using var first = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await first.AuthenticateAsClientAsync(StrangerClient(Tls.Certificates[2]));
        await first.WriteAsync(TlsWire.Hello(2, 3));
        var hello = new byte[16];
        await first.ReadExactlyAsync(hello).AsTask().WaitAsync(Bound);
        Assert.Null(TlsWire.CheckHello(hello, 0, 3));

        // The restarted party 2 comes first (party 0 would otherwise complete with the old link as soon as party 1
        // arrives, which is right too, but not what this test is about); party 1 joins once the old link is replaced.
        Task<ITransport> two = TlsTransport.ConnectAsync(Options(2, ports, null));
        Assert.Equal(0, await first.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound)); // the old link was closed
        await ReportedAsync(refused, r => r.Contains("was replaced by a newer one", StringComparison.Ordinal));
        Task<ITransport> one = TlsTransport.ConnectAsync(Options(1, ports, null));
        ITransport[] all = await Task.WhenAll(zero, one, two).WaitAsync(Bound);
        await AssertLinksWorkAsync(all);
    }
#endif

    [Fact]
    public async Task An_authenticated_peer_claiming_another_party_index_is_blamed_by_its_certificate()
    {
        int[] ports = Tls.FreePorts(3);
        Task<ITransport> zero = TlsTransport.ConnectAsync(Options(0, ports, null, TimeSpan.FromSeconds(20)));
        using Socket socket = await ConnectWhenListeningAsync(ports[0]);
        await using var liar = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await liar.AuthenticateAsClientAsync(StrangerClient(Tls.Certificates[2]));
        byte[] claim = new byte[16];
        BitConverter.TryWriteBytes(claim.AsSpan(0), 0x5343_504Du);
        BitConverter.TryWriteBytes(claim.AsSpan(4), 1u);
        BitConverter.TryWriteBytes(claim.AsSpan(8), 1u); // "I am party 1" with party 2's certificate
        BitConverter.TryWriteBytes(claim.AsSpan(12), 3u);
        await liar.WriteAsync(claim);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => zero.WaitAsync(Bound));
        Assert.Equal(PeerFailure.ProtocolMismatch, e.Failure);
        Assert.Equal(2, e.Peer);
        Assert.Contains("it says it is party 1 of 3, expected party 2 of 3", e.Message, StringComparison.Ordinal);
    }

    private static TlsTransportOptions Options(int party, int[] ports, ConcurrentQueue<string>? refused, TimeSpan? connect = null, TimeSpan? handshake = null)
    {
        TlsTransportOptions o = Tls.Options(party, ports, timeout: connect ?? TimeSpan.FromSeconds(30));
#if OLD_TLS
        return o;
#else
        return new TlsTransportOptions
        {
            PartyIndex = o.PartyIndex,
            Endpoints = o.Endpoints,
            Certificate = o.Certificate,
            PeerCertificates = o.PeerCertificates,
            ConnectTimeout = o.ConnectTimeout,
            OperationTimeout = o.OperationTimeout,
            HandshakeTimeout = handshake ?? TimeSpan.FromSeconds(10),
            ConnectionRefused = refused is null ? null : r => refused.Enqueue(r.ToString()),
        };
#endif
    }

    private static SslClientAuthenticationOptions StrangerClient(X509Certificate2 certificate) => new()
    {
        TargetHost = "mpcsortition-party-0",
        ClientCertificates = [certificate],
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    private static async Task<ITransport[]> JoinAsync(Task<ITransport> zero, int[] ports)
    {
        Task<ITransport> one = TlsTransport.ConnectAsync(Options(1, ports, null));
        Task<ITransport> two = TlsTransport.ConnectAsync(Options(2, ports, null));
        Task<ITransport>[] all = [zero, one, two];
        try
        {
            return await Task.WhenAll(all).WaitAsync(Bound);
        }
        catch (Exception)
        {
            // Say what every party saw, not only the first failure.
            string Outcome(Task<ITransport> t) => t.IsCompletedSuccessfully ? "joined" : t.Exception?.InnerException?.Message ?? "still joining";
            throw new Xunit.Sdk.XunitException(string.Join("\n", all.Select((t, p) => $"party {p}: {Outcome(t)}")));
        }
    }

    /// <summary>One message around the ring and back proves that every link is authenticated and framed.</summary>
    private static async Task AssertLinksWorkAsync(ITransport[] all)
    {
        try
        {
            await Task.WhenAll(all.Select(async t =>
            {
                foreach (int peer in Enumerable.Range(0, 3).Where(p => p != t.PartyIndex))
                {
                    await t.SendAsync(peer, new byte[] { (byte)t.PartyIndex, (byte)peer });
                }

                foreach (int peer in Enumerable.Range(0, 3).Where(p => p != t.PartyIndex))
                {
                    var got = new byte[2];
                    await t.ReceiveAsync(peer, got);
                    Assert.Equal(new byte[] { (byte)peer, (byte)t.PartyIndex }, got);
                }
            })).WaitAsync(Bound);
        }
        finally
        {
            await Task.WhenAll(all.Select(t => t.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Connects to a listener that is starting up (retrying while nothing listens yet), like a scanner would.</summary>
    private static async Task<Socket> ConnectWhenListeningAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                return socket;
            }
            catch (SocketException) when (clock.Elapsed < Bound)
            {
                socket.Dispose();
                await Task.Delay(20);
            }
        }
    }

    /// <summary>True when the server closes (or resets) the connection within <paramref name="within"/>.</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket, TimeSpan within)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(within);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
                // Drain whatever the server answered (for example a TLS alert) until it closes.
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
