using System.Net.Sockets;
using System.Security.Authentication;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The failure semantics every transport inherits from <see cref="TransportBase"/>, driven by a scripted link: how a
/// failure of the link is reported (which <see cref="PeerFailure"/>, which peer), that the first failure is final for
/// every later operation, that the other peers are told (abort) except the culprit, and what disposing does.
/// </summary>
public sealed class TransportBaseTests
{
    public static TheoryData<string, PeerFailure> LinkErrors => new()
    {
        { "end of stream", PeerFailure.Disconnected },
        { "io", PeerFailure.Disconnected },
        { "socket", PeerFailure.Disconnected },
        { "disposed", PeerFailure.Disconnected },
        { "tls", PeerFailure.AuthenticationFailed },
        { "peer", PeerFailure.MalformedFrame },
    };

    [Theory]
    [MemberData(nameof(LinkErrors))]
    public async Task A_link_error_faults_the_transport_with_its_cause_and_every_later_call_repeats_it(string error, PeerFailure expected)
    {
        await using var t = new ScriptedTransport(party: 0, parties: 3);
        t.OnReceive = peer => throw error switch
        {
            "end of stream" => new EndOfStreamException("eof"),
            "io" => new IOException("reset"),
            "socket" => new SocketException((int)SocketError.ConnectionReset),
            "disposed" => new ObjectDisposedException("stream"),
            "tls" => new AuthenticationException("bad record"),
            _ => new PeerException(0, peer, PeerFailure.MalformedFrame, "bad frame"),
        };

        PeerException first = await Assert.ThrowsAsync<PeerException>(() => t.ReceiveAsync(2, new byte[4]).AsTask());
        Assert.Equal(expected, first.Failure);
        Assert.Equal(2, first.Peer);
        Assert.Equal(0, first.Party);

        // The other peer is told why; the culprit is not (its link is the broken one). The links are closed.
        Assert.Equal([(1, first.Message)], t.Aborts);
        Assert.Equal(1, t.AbruptCloses);

        // Every later operation, on any peer, fails with the same cause without touching the link.
        t.OnSend = _ => throw new InvalidOperationException("the link must not be used after a fault");
        PeerException later = await Assert.ThrowsAsync<PeerException>(() => t.SendAsync(1, new byte[1]).AsTask());
        Assert.Equal((expected, 2), (later.Failure, later.Peer));
        Assert.Equal(first.Message, later.Message);
    }

    [Fact]
    public async Task An_unknown_exception_passes_through_and_does_not_fault()
    {
        await using var t = new ScriptedTransport(party: 1, parties: 3);
        t.OnSend = _ => throw new InvalidOperationException("bug");
        await Assert.ThrowsAsync<InvalidOperationException>(() => t.SendAsync(0, new byte[1]).AsTask());
        Assert.Empty(t.Aborts);
        t.OnSend = _ => { };
        await t.SendAsync(0, new byte[1]);
        Assert.Equal(2, t.Sends);
    }

    [Fact]
    public async Task A_link_that_makes_no_progress_times_out_and_names_the_peer()
    {
        await using var t = new ScriptedTransport(party: 2, parties: 3, timeout: TimeSpan.FromMilliseconds(200));
        t.OnReceiveAsync = async (peer, d) => await Task.Delay(Timeout.Infinite, d.Token);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t.ReceiveAsync(0, new byte[1]).AsTask());
        Assert.Equal(PeerFailure.Timeout, e.Failure);
        Assert.Equal(0, e.Peer);
        Assert.Contains("operation timeout", e.Message);
    }

    [Fact]
    public async Task Progress_extends_the_deadline()
    {
        // Six steps of 400 ms with a 2 s timeout: more than the timeout in total, but never 2 s without progress (the
        // margin of 1.6 s per step is for a loaded build machine).
        await using var t = new ScriptedTransport(party: 0, parties: 2, timeout: TimeSpan.FromSeconds(2));
        t.OnReceiveAsync = async (peer, d) =>
        {
            for (int i = 0; i < 6; i++)
            {
                await Task.Delay(400, d.Token);
                d.Extend();
            }
        };
        await t.ReceiveAsync(1, new byte[1]);
    }

    [Fact]
    public async Task A_caller_cancellation_is_reported_as_such_and_the_transport_is_unusable_afterwards()
    {
        await using var t = new ScriptedTransport(party: 0, parties: 3);
        t.OnReceiveAsync = async (peer, d) => await Task.Delay(Timeout.Infinite, d.Token);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.ReceiveAsync(1, new byte[1], cts.Token).AsTask());
        Assert.Contains("cancelled by the caller", e.Message);
        PeerException later = await Assert.ThrowsAsync<PeerException>(() => t.SendAsync(2, new byte[1]).AsTask());
        Assert.Equal((PeerFailure.Timeout, 1), (later.Failure, later.Peer));
    }

    [Fact]
    public async Task Sends_to_one_peer_wait_their_turn_and_sends_to_different_peers_do_not()
    {
        await using var t = new ScriptedTransport(party: 0, parties: 3);
        var release = new TaskCompletionSource();
        int running = 0, maxToPeer1 = 0;
        t.OnSendAsync = async (peer, d) =>
        {
            if (peer == 1)
            {
                int now = Interlocked.Increment(ref running);
                maxToPeer1 = Math.Max(maxToPeer1, now);
                await release.Task;
                Interlocked.Decrement(ref running);
            }
        };
        Task a = t.SendAsync(1, new byte[1]).AsTask(), b = t.SendAsync(1, new byte[1]).AsTask();
        await t.SendAsync(2, new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // not blocked by peer 1
        Assert.False(b.IsCompleted);
        release.SetResult();
        await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, maxToPeer1);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Only_the_peers_can_be_addressed(int peer)
    {
        await using var t = new ScriptedTransport(party: 0, parties: 3);
        Assert.Equal("peer", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => t.SendAsync(peer, new byte[1]).AsTask())).ParamName);
        Assert.Equal("peer", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => t.ReceiveAsync(peer, new byte[1]).AsTask())).ParamName);
        Assert.Equal(0, t.Sends);
    }

    [Fact]
    public void The_constructor_refuses_impossible_sessions()
    {
        Assert.Equal("partyCount", Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedTransport(0, 1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedTransport(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedTransport(3, 3));
        Assert.Equal("operationTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedTransport(0, 3, TimeSpan.Zero)).ParamName);
        using var infinite = new ScriptedTransport(0, 2, Timeout.InfiniteTimeSpan);
        Assert.Equal(Timeout.InfiniteTimeSpan, infinite.OperationTimeout);
    }

    [Fact]
    public async Task Disposing_closes_cleanly_once_and_then_refuses_every_operation()
    {
        var t = new ScriptedTransport(party: 0, parties: 2);
        await t.DisposeAsync();
        await t.DisposeAsync();
        Assert.Equal(1, t.CleanCloses);
        Assert.Equal(1, t.AbruptCloses);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => t.SendAsync(1, new byte[1]).AsTask());
        Assert.Equal(0, t.Sends);
    }

    [Fact]
    public async Task Disposing_a_faulted_transport_does_not_say_goodbye()
    {
        var t = new ScriptedTransport(party: 0, parties: 2) { OnSend = _ => throw new EndOfStreamException() };
        await Assert.ThrowsAsync<PeerException>(() => t.SendAsync(1, new byte[1]).AsTask());
        await t.DisposeAsync();
        Assert.Equal(0, t.CleanCloses);
    }

    /// <summary>A transport whose link does what the test says.</summary>
    private sealed class ScriptedTransport(int party, int parties, TimeSpan? timeout = null)
        : TransportBase(party, parties, timeout ?? TimeSpan.FromSeconds(10)), IDisposable
    {
        internal Action<int> OnSend { get; set; } = _ => { };

        internal Action<int> OnReceive { get; set; } = _ => { };

        internal Func<int, Deadline, Task>? OnSendAsync { get; set; }

        internal Func<int, Deadline, Task>? OnReceiveAsync { get; set; }

        internal List<(int Peer, string Reason)> Aborts { get; } = [];

        internal int Sends { get; private set; }

        internal int CleanCloses { get; private set; }

        internal int AbruptCloses { get; private set; }

        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

        protected override async ValueTask SendCoreAsync(int peer, ReadOnlyMemory<byte> payload, Deadline deadline)
        {
            Sends++;
            OnSend(peer);
            if (OnSendAsync is not null)
            {
                await OnSendAsync(peer, deadline);
            }
        }

        protected override async ValueTask ReceiveCoreAsync(int peer, Memory<byte> destination, Deadline deadline)
        {
            OnReceive(peer);
            if (OnReceiveAsync is not null)
            {
                await OnReceiveAsync(peer, deadline);
            }
        }

        protected override ValueTask CloseCleanlyAsync()
        {
            CleanCloses++;
            return ValueTask.CompletedTask;
        }

        protected override void CloseAbruptly() => AbruptCloses++;

        protected override void SendAbort(int culprit, string reason)
        {
            for (int p = 0; p < PartyCount; p++)
            {
                if (p != PartyIndex && p != culprit)
                {
                    Aborts.Add((p, reason));
                }
            }
        }
    }
}
