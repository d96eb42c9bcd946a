using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The framing of a TLS session after set-up (<see cref="TlsLinkTransport"/>), seen from the other end of the wire:
/// party 0's transport is connected over loopback TLS to a hand-driven peer that reads and writes raw frames, so each
/// test can send exactly the frame a faulty or hostile party would send and check what party 0 reports.
/// </summary>
public sealed class TlsLinkFramingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Frames_carry_length_and_a_sequence_number_counted_per_direction_for_small_and_large_messages()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        byte[][] messages = [Bytes(5, 1), Bytes(64 * 1024, 2), Bytes(64 * 1024 + 1, 3), []];
        Task sending = Task.Run(async () =>
        {
            foreach (byte[] m in messages)
            {
                await w.Transport.SendAsync(1, m);
            }
        });
        for (int seq = 0; seq < messages.Length; seq++)
        {
            var header = new byte[8];
            await w.Peer.ReadExactlyAsync(header).AsTask().WaitAsync(Bound);
            Assert.Equal((uint)messages[seq].Length, BinaryPrimitives.ReadUInt32LittleEndian(header));
            Assert.Equal((uint)seq, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
            var body = new byte[messages[seq].Length];
            await w.Peer.ReadExactlyAsync(body).AsTask().WaitAsync(Bound);
            Assert.Equal(messages[seq], body);
        }

        await sending.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_message_above_MaxMessageBytes_is_refused_before_it_is_sent_and_one_at_the_limit_goes_through()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15), maxMessageBytes: 10);
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => w.Transport.SendAsync(1, new byte[11]).AsTask());
        Assert.Contains("at most 10 bytes", e.Message);
        Assert.Contains("MaxMessageBytes", e.Message);

        // Nothing went out for the refused message: the next frame is number 0 and carries the 10 bytes.
        await w.Transport.SendAsync(1, Bytes(10, 7)).AsTask().WaitAsync(Bound);
        var frame = new byte[18];
        await w.Peer.ReadExactlyAsync(frame).AsTask().WaitAsync(Bound);
        Assert.Equal("0A00000000000000", Convert.ToHexString(frame, 0, 8));
        Assert.Equal(Bytes(10, 7), frame[8..]);
    }

    [Fact]
    public async Task Frames_from_the_peer_are_delivered_in_order_and_each_must_carry_the_next_number()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(3, 0, [1, 2, 3]));
        await w.Peer.WriteAsync(Frame(2, 1, [4, 5]));
        var first = new byte[3];
        var second = new byte[2];
        await w.Transport.ReceiveAsync(1, first).AsTask().WaitAsync(Bound);
        await w.Transport.ReceiveAsync(1, second).AsTask().WaitAsync(Bound);
        Assert.Equal(new byte[] { 1, 2, 3 }, first);
        Assert.Equal(new byte[] { 4, 5 }, second);

        await w.Peer.WriteAsync(Frame(1, 5, [9])); // number 2 expected
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[1]).AsTask().WaitAsync(Bound));
        Assert.Equal(PeerFailure.MalformedFrame, e.Failure);
        Assert.Equal(1, e.Peer);
        Assert.Contains("frame number 5 arrived where number 2 was expected", e.Message);
    }

    [Fact]
    public async Task A_frame_of_another_length_is_malformed_and_names_both_lengths()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(4, 0, [1, 2, 3, 4]));
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[6]).AsTask().WaitAsync(Bound));
        Assert.Equal(PeerFailure.MalformedFrame, e.Failure);
        Assert.Contains("expected a message of 6 bytes, the frame announces 4", e.Message);
    }

    [Fact]
    public async Task A_goodbye_where_a_message_was_expected_is_reported_as_closed_by_the_peer()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(0, TlsWire.GoodbyeTag, []));
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[8]).AsTask().WaitAsync(Bound));
        Assert.Equal(PeerFailure.ClosedByPeer, e.Failure);
        Assert.Equal(1, e.Peer);
        Assert.Contains("a message of 8 bytes was expected", e.Message);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(TlsWire.MaxAbortReason)]
    public async Task An_abort_frame_is_reported_with_the_peers_reason(int reasonLength)
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        byte[] reason = System.Text.Encoding.UTF8.GetBytes(("disk full" + new string('x', reasonLength))[..reasonLength]);
        await w.Peer.WriteAsync(Frame((uint)reason.Length, TlsWire.AbortTag, reason));
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[8]).AsTask().WaitAsync(Bound));
        Assert.Equal(PeerFailure.Disconnected, e.Failure);
        Assert.Equal(1, e.Peer);
        Assert.Contains("party 1 aborted the session (disk full", e.Message);
    }

    [Fact]
    public async Task An_abort_tag_announcing_more_than_the_longest_reason_is_not_read_as_an_abort()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(TlsWire.MaxAbortReason + 1, TlsWire.AbortTag, []));
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[8]).AsTask().WaitAsync(Bound));
        Assert.Equal(PeerFailure.MalformedFrame, e.Failure);
        Assert.Contains($"frame number {TlsWire.AbortTag} arrived where number 0 was expected", e.Message);
    }

    [Fact]
    public async Task A_connection_closed_in_the_middle_of_a_message_is_a_disconnect_not_a_timeout()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(8, 0, [1, 2, 3]));
        await w.Peer.FlushAsync();
        Task<PeerException> fault = Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[8]).AsTask());
        await Task.Delay(200);
        w.ClosePeer();
        PeerException e = await fault.WaitAsync(Bound);
        Assert.Equal(PeerFailure.Disconnected, e.Failure);
        Assert.Contains("after 3 of 8 bytes", e.InnerException?.Message ?? "");
    }

    [Fact]
    public async Task After_a_fault_the_link_is_closed_at_once_so_the_peer_notices_without_waiting_for_a_timeout()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        await w.Peer.WriteAsync(Frame(1, 7, [0]));
        await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[1]).AsTask().WaitAsync(Bound));

        // The transport is faulted but not disposed: the peer must still see its connection end.
        Assert.True(await w.PeerSeesEndAsync(TimeSpan.FromSeconds(10)), "the faulted transport left the link open");
    }

    [Fact]
    public async Task Disposing_says_goodbye_to_the_peer_and_then_closes_the_link()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(15));
        ValueTask closing = w.Transport.DisposeAsync();
        var header = new byte[8];
        await w.Peer.ReadExactlyAsync(header).AsTask().WaitAsync(Bound);
        Assert.Equal("00000000FFFFFFFF", Convert.ToHexString(header));
        await w.Peer.WriteAsync(Frame(0, TlsWire.GoodbyeTag, []));
        await closing.AsTask().WaitAsync(Bound);
        Assert.True(await w.PeerSeesEndAsync(TimeSpan.FromSeconds(10)), "the disposed transport left the link open");
    }

    [Fact]
    public async Task Disposing_while_a_silent_peer_never_says_goodbye_waits_at_most_the_operation_timeout()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        await w.Transport.DisposeAsync().AsTask().WaitAsync(Bound);

        // 1 s operation timeout, not the 10 s cap that applies to longer timeouts.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7), $"dispose took {clock.Elapsed}");
    }

    [Fact]
    public async Task Disposing_with_an_infinite_timeout_and_a_silent_peer_still_ends_after_the_10_second_cap()
    {
        await using Wire w = await Wire.OpenAsync(Timeout.InfiniteTimeSpan);
        var clock = Stopwatch.StartNew();
        await w.Transport.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(40));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(9), $"dispose ended after {clock.Elapsed}, before the peer could answer");
    }

    [Fact]
    public async Task A_large_message_arriving_slowly_but_steadily_is_not_cut_off_by_the_inactivity_timeout()
    {
        // 4 MiB in 512 KiB pieces every 350 ms: about 2.8 s in all, more than the 2 s timeout, but each MiB within it.
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(2));
        byte[] message = Bytes(4 << 20, 11);
        Task writing = Task.Run(async () =>
        {
            await w.Peer.WriteAsync(Frame((uint)message.Length, 0, []));
            for (int at = 0; at < message.Length; at += 512 << 10)
            {
                await w.Peer.WriteAsync(message.AsMemory(at, 512 << 10));
                await w.Peer.FlushAsync();
                await Task.Delay(350);
            }
        });
        var got = new byte[message.Length];
        await w.Transport.ReceiveAsync(1, got).AsTask().WaitAsync(Bound);
        Assert.Equal(message, got);
        await writing.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_trickle_of_small_pieces_does_not_keep_a_receive_alive_past_the_inactivity_timeout()
    {
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(1));
        using var stop = new CancellationTokenSource();
        Task trickle = Task.Run(async () =>
        {
            await w.Peer.WriteAsync(Frame(2 << 20, 0, []));
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await w.Peer.WriteAsync(new byte[1024]);
                    await w.Peer.FlushAsync();
                    await Task.Delay(150);
                }
            }
            catch (Exception)
            {
                // The transport closed the link.
            }
        });
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => w.Transport.ReceiveAsync(1, new byte[2 << 20]).AsTask().WaitAsync(Bound));
        await stop.CancelAsync();
        Assert.Equal(PeerFailure.Timeout, e.Failure);
        await trickle.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_large_message_read_slowly_but_steadily_by_the_peer_is_sent_without_a_timeout()
    {
        // Small socket buffers make the send wait for the peer's reads: 4 MiB read 512 KiB every 350 ms.
        await using Wire w = await Wire.OpenAsync(TimeSpan.FromSeconds(2), socketBuffer: 32 << 10);
        byte[] message = Bytes(4 << 20, 13);
        Task sending = w.Transport.SendAsync(1, message).AsTask();
        var header = new byte[8];
        await w.Peer.ReadExactlyAsync(header).AsTask().WaitAsync(Bound);
        Assert.Equal((uint)message.Length, BinaryPrimitives.ReadUInt32LittleEndian(header));
        var got = new byte[message.Length];
        for (int at = 0; at < got.Length; at += 512 << 10)
        {
            await Task.Delay(350);
            await w.Peer.ReadExactlyAsync(got.AsMemory(at, 512 << 10)).AsTask().WaitAsync(Bound);
        }

        await sending.WaitAsync(Bound);
        Assert.Equal(message, got);
    }

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static byte[] Frame(uint length, uint tag, byte[] body)
    {
        var f = new byte[8 + body.Length];
        TlsWire.WriteHeader(f, length, tag);
        body.CopyTo(f, 8);
        return f;
    }

    /// <summary>Party 0's transport (two parties) and the raw TLS stream of party 1 at the other end.</summary>
    private sealed class Wire : IAsyncDisposable
    {
        private readonly Socket _peerSocket;

        private Wire(TlsLinkTransport transport, SslStream peer, Socket peerSocket)
        {
            Transport = transport;
            Peer = peer;
            _peerSocket = peerSocket;
        }

        internal TlsLinkTransport Transport { get; }

        internal SslStream Peer { get; }

        internal static async Task<Wire> OpenAsync(TimeSpan operationTimeout, int maxMessageBytes = 1 << 30, int? socketBuffer = null)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var peerSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (socketBuffer is { } b)
            {
                peerSocket.ReceiveBufferSize = b;
                peerSocket.SendBufferSize = b;
            }

            Task<Socket> accepting = listener.AcceptSocketAsync();
            await peerSocket.ConnectAsync(listener.LocalEndpoint);
            Socket ourSocket = await accepting;
            if (socketBuffer is { } s)
            {
                ourSocket.ReceiveBufferSize = s;
                ourSocket.SendBufferSize = s;
            }

            var ours = new SslStream(new NetworkStream(ourSocket, ownsSocket: false));
            var peer = new SslStream(new NetworkStream(peerSocket, ownsSocket: false));
            await Task.WhenAll(
                ours.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Tls.Certificates[0] }),
                peer.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "mpcsortition-party-0",
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                })).WaitAsync(Bound);
            TlsTransportOptions o = Tls.Options(0, [1, 2]);
            var options = new TlsTransportOptions
            {
                PartyIndex = 0,
                Endpoints = o.Endpoints,
                Certificate = o.Certificate,
                PeerCertificates = o.PeerCertificates,
                OperationTimeout = operationTimeout,
                MaxMessageBytes = maxMessageBytes,
            };
            return new Wire(new TlsLinkTransport(options, [null, new TlsLink(ourSocket, ours, "test peer")]), peer, peerSocket);
        }

        /// <summary>True when the peer's side reads the end of the connection (or a reset) within <paramref name="within"/>.</summary>
        internal async Task<bool> PeerSeesEndAsync(TimeSpan within)
        {
            var buffer = new byte[64];
            using var cts = new CancellationTokenSource(within);
            try
            {
                while (await Peer.ReadAsync(buffer, cts.Token) > 0)
                {
                    // Skip anything still in flight.
                }

                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }

        internal void ClosePeer()
        {
            try
            {
                _peerSocket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }

            _peerSocket.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            ClosePeer();
            await Transport.DisposeAsync();
            await Peer.DisposeAsync();
        }
    }
}
