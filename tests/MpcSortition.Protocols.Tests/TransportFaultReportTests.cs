using System.Net.Sockets;
using System.Security.Authentication;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// What a user of any transport reads when a link fails, and what happens to operations still in flight: the
/// failure's text names the activity and the cause, a fault ends every pending operation at once with the same cause,
/// disposing ends pending operations as "closed by this party" (without hiding an earlier fault), and a disposed
/// transport says which object is disposed. Driven through a scripted link like <see cref="TransportBaseTests"/>.
/// </summary>
public sealed class TransportFaultReportTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10); // "at once" on a loaded build machine

    public static TheoryData<string, string> LinkErrorTexts => new()
    {
        { "end of stream", "the connection was closed while receiving" },
        { "io", "the connection broke while receiving: reset by the test" },
        { "tls", "TLS error while receiving: bad record" },
    };

    [Theory]
    [MemberData(nameof(LinkErrorTexts))]
    public async Task A_link_error_is_reported_with_the_activity_and_its_cause(string error, string text)
    {
        await using var t = new ScriptedLink(party: 0, parties: 3);
        t.OnReceiveAsync = (peer, d) => throw error switch
        {
            "end of stream" => new EndOfStreamException("eof"),
            "io" => new IOException("reset by the test"),
            _ => new AuthenticationException("bad record"),
        };
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t.ReceiveAsync(2, new byte[4]).AsTask());
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.Contains("party 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_caller_cancellation_later_calls_say_what_was_cancelled()
    {
        await using var t = new ScriptedLink(party: 0, parties: 3);
        t.OnSendAsync = async (peer, d) => await Task.Delay(Timeout.Infinite, d.Token);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.SendAsync(2, new byte[1], cts.Token).AsTask());
        PeerException later = await Assert.ThrowsAsync<PeerException>(() => t.ReceiveAsync(1, new byte[1]).AsTask());
        Assert.Contains("sending was cancelled by the caller", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fault_on_one_link_ends_the_operations_pending_on_the_others_at_once()
    {
        // A long operation timeout: only the fault can end the pending receive within the test's patience.
        await using var t = new ScriptedLink(party: 0, parties: 3, timeout: TimeSpan.FromMinutes(5));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.OnReceiveAsync = async (peer, d) =>
        {
            if (peer == 1)
            {
                started.SetResult();
                await Task.Delay(Timeout.Infinite, d.Token);
            }
            else
            {
                throw new EndOfStreamException("peer 2 hung up");
            }
        };
        Task pending = t.ReceiveAsync(1, new byte[1]).AsTask();
        await started.Task.WaitAsync(Prompt);
        PeerException cause = await Assert.ThrowsAsync<PeerException>(() => t.ReceiveAsync(2, new byte[1]).AsTask());
        PeerException reported = await Assert.ThrowsAsync<PeerException>(() => pending.WaitAsync(Prompt));
        Assert.Equal((PeerFailure.Disconnected, 2), (reported.Failure, reported.Peer));
        Assert.Equal(cause.Message, reported.Message);
    }

    [Fact]
    public async Task Disposing_ends_a_pending_operation_as_closed_by_this_party()
    {
        var t = new ScriptedLink(party: 1, parties: 3, timeout: TimeSpan.FromMinutes(5));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.OnReceiveAsync = async (peer, d) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, d.Token);
        };
        Task pending = t.ReceiveAsync(2, new byte[1]).AsTask();
        await started.Task.WaitAsync(Prompt);
        await t.DisposeAsync();
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => pending.WaitAsync(Prompt));
        Assert.Equal(PeerFailure.ClosedByPeer, e.Failure);
        Assert.Equal(1, e.Peer); // this party closed it
        Assert.Contains("closed by this party", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_after_a_fault_keeps_the_fault_for_operations_that_finish_late()
    {
        // A link operation that ignores cancellation and fails only after the transport was faulted and disposed must
        // still report the first cause, not the disposal.
        var t = new ScriptedLink(party: 0, parties: 3);
        var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.OnReceiveAsync = async (peer, d) =>
        {
            started.SetResult();
            await late.Task;
        };
        t.OnSend = peer => throw new EndOfStreamException("peer 2 hung up");
        Task pending = t.ReceiveAsync(1, new byte[1]).AsTask();
        await started.Task.WaitAsync(Prompt);
        PeerException cause = await Assert.ThrowsAsync<PeerException>(() => t.SendAsync(2, new byte[1]).AsTask());
        await t.DisposeAsync();
        late.SetException(new IOException("the link finally failed"));
        PeerException reported = await Assert.ThrowsAsync<PeerException>(() => pending.WaitAsync(Prompt));
        Assert.Equal((PeerFailure.Disconnected, 2), (reported.Failure, reported.Peer));
        Assert.Equal(cause.Message, reported.Message);
    }

    [Fact]
    public async Task A_second_fault_is_not_recorded_and_tells_nobody_again()
    {
        await using var t = new ScriptedLink(party: 0, parties: 3);
        PeerException first = t.RaiseFault(2, PeerFailure.MalformedFrame, "first");
        PeerException second = t.RaiseFault(1, PeerFailure.Timeout, "second");
        Assert.Equal(first.Message, second.Message);
        Assert.Equal((PeerFailure.MalformedFrame, 2), (second.Failure, second.Peer));
        Assert.Equal([(1, first.Message)], t.Aborts);
        Assert.Equal(1, t.AbruptCloses);
    }

    [Fact]
    public async Task A_disposed_transport_names_itself_in_the_refusal()
    {
        var t = new ScriptedLink(party: 0, parties: 3);
        await t.DisposeAsync();
        ObjectDisposedException send = await Assert.ThrowsAsync<ObjectDisposedException>(() => t.SendAsync(1, new byte[1]).AsTask());
        ObjectDisposedException receive = await Assert.ThrowsAsync<ObjectDisposedException>(() => t.ReceiveAsync(2, new byte[1]).AsTask());
        Assert.Equal(typeof(ScriptedLink).FullName, send.ObjectName);
        Assert.Equal(typeof(ScriptedLink).FullName, receive.ObjectName);
        Assert.Equal(0, t.Sends);
    }

    /// <summary>A transport whose link does what the test says.</summary>
    private sealed class ScriptedLink(int party, int parties, TimeSpan? timeout = null)
        : TransportBase(party, parties, timeout ?? TimeSpan.FromSeconds(10))
    {
        internal Action<int> OnSend { get; set; } = _ => { };

        internal Func<int, Deadline, Task>? OnSendAsync { get; set; }

        internal Func<int, Deadline, Task>? OnReceiveAsync { get; set; }

        internal List<(int Peer, string Reason)> Aborts { get; } = [];

        internal int Sends { get; private set; }

        internal int AbruptCloses { get; private set; }

        internal PeerException RaiseFault(int peer, PeerFailure failure, string detail) => Fault(peer, failure, detail, null);

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
            if (OnReceiveAsync is not null)
            {
                await OnReceiveAsync(peer, deadline);
            }
        }

        protected override ValueTask CloseCleanlyAsync() => ValueTask.CompletedTask;

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
