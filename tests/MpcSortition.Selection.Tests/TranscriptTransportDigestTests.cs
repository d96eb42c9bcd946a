using System.Buffers.Binary;
using System.Security.Cryptography;
using MpcSortition.Protocols;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// <see cref="TranscriptTransport"/>'s digests against the documented formula (docs/verifiability.md, "Transcript"):
/// SHA-256 over "MpcSortition.transcript-stream.v1" and, per message in link order, its length (4 bytes little-endian)
/// and payload — computed here independently — per peer and direction, in the order the transcript lists them.
/// </summary>
public sealed class TranscriptTransportDigestTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_stream_has_the_documented_digest_count_and_bytes_and_untouched_streams_are_empty()
    {
        ITransport[] links = InMemoryNetwork.Create(3, Bound);
        var me = new TranscriptTransport(links[1]);
        byte[][] toZero = [[1, 2, 3], [], [9]];
        byte[][] fromTwo = [[7, 7, 7, 7, 7], [0]];
        foreach (byte[] m in toZero)
        {
            await me.SendAsync(0, m);
        }

        foreach (byte[] m in fromTwo)
        {
            await links[2].SendAsync(1, m);
            await me.ReceiveAsync(2, new byte[m.Length]);
        }

        Assert.Equal(
            [
                new MessageDigest(0, TraceDirection.Sent, 3, 4, Expected(toZero)),
                new MessageDigest(0, TraceDirection.Received, 0, 0, Expected([])),
                new MessageDigest(2, TraceDirection.Sent, 0, 0, Expected([])),
                new MessageDigest(2, TraceDirection.Received, 2, 6, Expected(fromTwo)),
            ],
            me.Digests());

        // Later messages continue the same stream.
        await me.SendAsync(0, new byte[] { 4 });
        Assert.Equal(Expected([.. toZero, [4]]), me.Digests()[0].Digest);
        Assert.Equal("TranscriptTransport(party 1)", me.ToString());
        Assert.Equal(1, me.PartyIndex);
        Assert.Equal(3, me.PartyCount);
        await me.DisposeAsync();
        await links[0].DisposeAsync();
        await links[2].DisposeAsync();
    }

    [Fact]
    public async Task The_same_bytes_cut_into_other_messages_give_another_digest()
    {
        ITransport[] a = InMemoryNetwork.Create(2, Bound), b = InMemoryNetwork.Create(2, Bound);
        var one = new TranscriptTransport(a[0]);
        var two = new TranscriptTransport(b[0]);
        await one.SendAsync(1, new byte[] { 1, 2, 3, 4 });
        await two.SendAsync(1, new byte[] { 1, 2 });
        await two.SendAsync(1, new byte[] { 3, 4 });
        Assert.Equal(4, one.Digests()[0].Bytes);
        Assert.Equal(4, two.Digests()[0].Bytes);
        Assert.NotEqual(one.Digests()[0].Digest, two.Digests()[0].Digest);
        await one.DisposeAsync();
        await two.DisposeAsync();
        await a[1].DisposeAsync();
        await b[1].DisposeAsync();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_peer_that_is_not_another_party_is_refused_by_name(int peer)
    {
        ITransport[] links = InMemoryNetwork.Create(3, Bound);
        var me = new TranscriptTransport(links[1]);
        Assert.Equal("peer", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => me.SendAsync(peer, new byte[1]).AsTask())).ParamName);
        Assert.Equal("peer", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => me.ReceiveAsync(peer, new byte[1]).AsTask())).ParamName);
        Assert.All(me.Digests(), d => Assert.Equal(0, d.Messages));
        await me.DisposeAsync();
        await links[0].DisposeAsync();
        await links[2].DisposeAsync();
        Assert.Equal("inner", Assert.Throws<ArgumentNullException>(() => new TranscriptTransport(null!)).ParamName);
    }

    [Fact]
    public async Task Disposing_disposes_the_inner_transport()
    {
        var inner = new Counting();
        var me = new TranscriptTransport(inner);
        await me.DisposeAsync();
        Assert.Equal(1, inner.Disposed);
    }

    /// <summary>The documented digest of the messages, computed here.</summary>
    private static string Expected(byte[][] messages)
    {
        var data = new List<byte>("MpcSortition.transcript-stream.v1"u8.ToArray());
        foreach (byte[] m in messages)
        {
            byte[] length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, m.Length);
            data.AddRange(length);
            data.AddRange(m);
        }

        return Convert.ToHexString(SHA256.HashData(data.ToArray()));
    }

    private sealed class Counting : ITransport
    {
        public int Disposed { get; private set; }

        public int PartyIndex => 0;

        public int PartyCount => 2;

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync()
        {
            Disposed++;
            return ValueTask.CompletedTask;
        }
    }
}
