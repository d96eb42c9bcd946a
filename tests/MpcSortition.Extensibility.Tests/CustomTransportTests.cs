using System.Threading.Channels;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Extensibility.Tests;

/// <summary>Transports written outside the library carry a whole session, and their traffic is counted.</summary>
public sealed class CustomTransportTests
{
    private static readonly uint[] X = [0, 1, 7, 0xFFFF_FFFF, 123_456_789, 2_000_000_000, 5, 42];
    private static readonly uint[] Y = [3, 1, 9, 2, 987_654_321, 2_000_000_001, 5, 41];

    /// <summary>Wraps another transport and holds every message back for a fixed time before sending it.</summary>
    private sealed class DelayingTransport(ITransport inner, TimeSpan delay) : ITransport
    {
        private int _delayed;

        public int Delayed => Volatile.Read(ref _delayed);

        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public async ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            Interlocked.Increment(ref _delayed);
            await inner.SendAsync(peer, payload, cancellationToken);
        }

        public ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            inner.ReceiveAsync(peer, destination, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>A transport written from scratch: one unbounded channel per ordered pair, messages copied.</summary>
    private sealed class ChannelTransport(int me, Channel<byte[]>[,] links) : ITransport
    {
        public int PartyIndex => me;

        public int PartyCount => links.GetLength(0);

        public static ChannelTransport[] Create(int parties)
        {
            var links = new Channel<byte[]>[parties, parties];
            for (int i = 0; i < parties; i++)
            {
                for (int j = 0; j < parties; j++)
                {
                    links[i, j] = Channel.CreateUnbounded<byte[]>();
                }
            }

            return Enumerable.Range(0, parties).Select(p => new ChannelTransport(p, links)).ToArray();
        }

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
            links[me, peer].Writer.WriteAsync(payload.ToArray(), cancellationToken);

        public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            byte[] message = await links[peer, me].Reader.ReadAsync(cancellationToken);
            if (message.Length != destination.Length)
            {
                throw new InvalidDataException($"expected {destination.Length} bytes, got {message.Length}");
            }

            message.CopyTo(destination);
        }

        public ValueTask DisposeAsync()
        {
            for (int p = 0; p < PartyCount; p++)
            {
                links[me, p].Writer.TryComplete();
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed record Outcome(uint[]? Product, ulong[]? Less, SessionCost Cost, long Messages);

    /// <summary>One multiplication and one exact comparison, both opened to party 0 and checked there.</summary>
    private static async Task<Outcome> MultiplyAndCompareAsync(IArithmeticBlackBox abb)
    {
        SessionCost start = abb.Cost;
        ShareVector x = await abb.InputAsync(0, abb.PartyIndex == 0 ? X : default, X.Length);
        ShareVector y = await abb.InputAsync(1, abb.PartyIndex == 1 ? Y : default, Y.Length);
        ShareVector product = await abb.MultiplyAsync(x, y);
        BitShareVector less = await abb.LessThanAsync(x, y);
        uint[]? opened = await abb.OpenToAsync(product, 0, "test: product to party 0");
        ulong[]? bits = await abb.OpenBitsToAsync(less, 0, "test: comparison to party 0");
        return new Outcome(opened, bits, abb.Cost - start, abb.Trace.MessagesSent);
    }

    private static void AssertCorrect(Outcome[] results)
    {
        Assert.Equal(X.Zip(Y, (a, b) => unchecked(a * b)), results[0].Product!);
        ulong expected = 0;
        for (int i = 0; i < X.Length; i++)
        {
            expected |= (X[i] < Y[i] ? 1UL : 0UL) << i;
        }

        Assert.Equal([expected], results[0].Less!);
        Assert.Null(results[1].Product);
        foreach (Outcome r in results)
        {
            Assert.True(r.Cost.Rounds >= 1 + 8 + 2, $"rounds: {r.Cost.Rounds}");
            Assert.True(r.Cost.BytesSent > 0);
            Assert.True(r.Cost.BytesReceived > 0);
            Assert.Equal(X.Length, r.Cost.Multiplications);
            Assert.True(r.Cost.AndGates > 0);
        }
    }

    [Fact]
    public async Task A_delaying_wrapper_around_the_in_memory_transport_runs_a_session_and_its_traffic_is_counted()
    {
        var wrappers = new List<DelayingTransport>();
        var options = new InProcessOptions
        {
            Engine = BlackBoxEngine.Beaver, // counts messages to both peers per round
            TransportDecorator = t =>
            {
                var d = new DelayingTransport(t, TimeSpan.FromMilliseconds(2));
                lock (wrappers)
                {
                    wrappers.Add(d);
                }

                return d;
            },
        };

        Outcome[] results = await InProcessParties.RunAsync(MultiplyAndCompareAsync, options).WaitAsync(TimeSpan.FromMinutes(2));

        AssertCorrect(results);
        Assert.Equal(3, wrappers.Count);

        // Every message went through the wrapper (set-up included), and the session counted each of them.
        Assert.All(wrappers, w => Assert.True(w.Delayed >= 2 * (1 + 1 + 8), $"{w.Delayed} messages")); // set-up, multiplication, 8 comparison rounds, to 2 peers
        Assert.Equal(wrappers.Sum(w => (long)w.Delayed), results.Sum(r => r.Messages));
    }

    [Fact]
    public async Task A_transport_written_from_scratch_carries_a_black_box_and_reports_its_bytes()
    {
        ChannelTransport[] transports = ChannelTransport.Create(3);
        Outcome[] results = await Task.WhenAll(transports.Select(async t =>
        {
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(t);
            return await MultiplyAndCompareAsync(abb);
        })).WaitAsync(TimeSpan.FromMinutes(2));

        AssertCorrect(results);

        // Bytes are counted at the session, so they balance across parties: all sent = all received.
        Assert.Equal(results.Sum(r => r.Cost.BytesSent), results.Sum(r => r.Cost.BytesReceived));

        // The multiplication alone sends 8 bytes per element to each of two peers.
        Assert.True(results[2].Cost.BytesSent >= 16L * X.Length);
    }
}
