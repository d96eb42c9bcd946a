using MpcSortition.Core;
namespace MpcSortition.Protocols.Tests;

public sealed class TransportTests
{
    [Fact]
    public async Task Messages_between_a_pair_arrive_in_order()
    {
        ITransport[] t = InMemoryNetwork.Create(3, Parties.TestTimeout);
        for (byte i = 0; i < 5; i++)
        {
            await t[0].SendAsync(1, new byte[] { i, i, i });
        }

        var buffer = new byte[3];
        for (byte i = 0; i < 5; i++)
        {
            await t[1].ReceiveAsync(0, buffer);
            Assert.Equal(new byte[] { i, i, i }, buffer);
        }
    }

    [Fact]
    public async Task A_frame_of_the_wrong_length_is_malformed_and_faults_every_operation()
    {
        ITransport[] t = InMemoryNetwork.Create(3, Parties.TestTimeout);
        Task pendingOnOtherPeer = t[1].ReceiveAsync(2, new byte[4]).AsTask();
        await t[0].SendAsync(1, new byte[5]);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t[1].ReceiveAsync(0, new byte[8]).AsTask());
        Assert.Equal(PeerFailure.MalformedFrame, e.Failure);
        Assert.Equal(0, e.Peer);
        Assert.Contains("expected a message of 8 bytes, got 5", e.Message);
        Assert.Contains("party 0", e.Message);

        // The pending receive from party 2 fails too, naming the cause, and later operations fail at once.
        PeerException pending = await Assert.ThrowsAsync<PeerException>(() => pendingOnOtherPeer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, pending.Peer);
        PeerException later = await Assert.ThrowsAsync<PeerException>(() => t[1].SendAsync(2, new byte[1]).AsTask());
        Assert.Equal(PeerFailure.MalformedFrame, later.Failure);

        // Party 2 learns from party 1's abort frame why the session ended.
        PeerException atTwo = await Assert.ThrowsAsync<PeerException>(() => t[2].ReceiveAsync(1, new byte[4]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("aborted", atTwo.Message);
        Assert.Contains("malformed", atTwo.Message);
    }

    [Fact]
    public async Task A_silent_peer_times_out_with_a_clear_message()
    {
        ITransport[] t = InMemoryNetwork.Create(3, TimeSpan.FromMilliseconds(300));
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t[0].ReceiveAsync(2, new byte[4]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(PeerFailure.Timeout, e.Failure);
        Assert.Equal(2, e.Peer);
        Assert.Contains("timed out", e.Message);
    }

    [Fact]
    public async Task A_crashed_party_makes_the_others_fail_promptly_during_a_multiplication()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, TimeSpan.FromSeconds(30));
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        var abbs = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();

        // Parties 0 and 1 multiply; party 2 crashes instead of taking part.
        Task<ShareVector>[] running = [abbs[0].MultiplyAsync(abbs[0].Random(1000), abbs[0].Random(1000)).AsTask(), abbs[1].MultiplyAsync(abbs[1].Random(1000), abbs[1].Random(1000)).AsTask()];
        ((InMemoryTransport)transports[2]).Crash();
        foreach (Task<ShareVector> task in running)
        {
            PeerException e = await Assert.ThrowsAsync<PeerException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("party 2", e.Message);
            Assert.Equal(PeerFailure.Disconnected, e.Failure);
        }
    }

    [Fact]
    public async Task A_peer_that_ended_the_session_is_reported_as_closed()
    {
        ITransport[] t = InMemoryNetwork.Create(2, Parties.TestTimeout);
        await t[1].DisposeAsync();
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t[0].ReceiveAsync(1, new byte[4]).AsTask());
        Assert.Equal(PeerFailure.ClosedByPeer, e.Failure);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => t[1].SendAsync(0, new byte[1]).AsTask());
    }

    [Fact]
    public void Bad_transport_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InMemoryNetwork.Create(1));
        ITransport[] t = InMemoryNetwork.Create(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[0].SendAsync(0, new byte[1]).AsTask().GetAwaiter().GetResult());
        Assert.Throws<ArgumentOutOfRangeException>(() => t[0].SendAsync(2, new byte[1]).AsTask().GetAwaiter().GetResult());
    }
}
