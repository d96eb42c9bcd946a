using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// What each party receives when a secret arrives as a skewed sharing (0, x, 0): every message a party receives must
/// look uniform whatever x is. The replicated engine sends components to the previous party, so without its
/// zero-sharing masks party 0 would receive party 1's component x itself.
/// </summary>
public sealed class EngineViewTests
{
    /// <summary>Records every payload this party receives.</summary>
    private sealed class RecordingTransport(ITransport inner) : ITransport
    {
        private readonly List<byte[]> _received = [];

        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public byte[] Received
        {
            get
            {
                lock (_received)
                {
                    return _received.SelectMany(b => b).ToArray();
                }
            }
        }

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => inner.SendAsync(peer, payload, cancellationToken);

        public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            await inner.ReceiveAsync(peer, destination, cancellationToken);
            lock (_received)
            {
                _received.Add(destination.ToArray());
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static async Task<byte[][]> ViewsAsync(BlackBoxEngine engine, uint secret)
    {
        const int m = 4096;
        var recorders = new RecordingTransport?[3];
        var skewed = Enumerable.Repeat(secret, m).ToArray();
        var skewedBits = Enumerable.Repeat((ulong)secret * 0x0000_0001_0000_0001UL, m / 64).ToArray();
        await EngineTests.RunAsync(
            engine,
            async abb =>
            {
                int me = abb.PartyIndex;
                abb.Trace.Reset();

                // Party 1 holds the secret as its whole share; parties 0 and 2 hold zeros.
                ShareVector x = abb.FromShares(me == 1 ? skewed : new uint[m]);
                BitShareVector b = abb.FromBitShares(me == 1 ? skewedBits : new ulong[m / 64], m);
                ShareVector p = await abb.MultiplyAsync(x, x);
                ShareVector q = await abb.MultiplyAsync(x, abb.Random(m));
                ShareVector ip = await abb.InnerProductAsync(x, p, 16);
                BitShareVector and = await abb.AndAsync(b, b);
                BitShareVector and2 = await abb.AndAsync(and, abb.RandomBits(m));
                BitShareVector lt = await abb.LessThanAsync(x, q, ComparisonMode.SignOfDifference);
                BitShareVector eq = await abb.EqualAsync(x, p);
                return (ip.Length, and2.BitLength, lt.BitLength, eq.BitLength);
            },
            t =>
            {
                var r = new RecordingTransport(t);
                recorders[t.PartyIndex] = r;
                return r;
            });
        return recorders.Select(r => r!.Received).ToArray();
    }

    /// <summary>The frequency of each of the 32 bit positions of the received 32-bit words.</summary>
    private static double[] BitFrequencies(byte[] view)
    {
        var ones = new long[32];
        int words = view.Length / 4;
        for (int w = 0; w < words; w++)
        {
            uint v = BitConverter.ToUInt32(view, 4 * w);
            for (int j = 0; j < 32; j++)
            {
                ones[j] += (v >> j) & 1;
            }
        }

        return ones.Select(o => (double)o / words).ToArray();
    }

    [Theory]
    [MemberData(nameof(EngineTests.Engines), MemberType = typeof(EngineTests))]
    public async Task Every_received_message_is_uniform_for_a_skewed_sharing(BlackBoxEngine engine)
    {
        byte[][] zero = await ViewsAsync(engine, 0);
        byte[][] ones = await ViewsAsync(engine, 0xFFFF_FFFF);
        for (int p = 0; p < 3; p++)
        {
            // Same public program: same amount received. Each bit position of the received words is a fair coin for
            // both secrets (tens of thousands of words; an unmasked component would give frequencies of 0 or 1).
            Assert.Equal(zero[p].Length, ones[p].Length);
            Assert.True(zero[p].Length > 40_000, $"party {p} received only {zero[p].Length} bytes");
            foreach (byte[] view in new[] { zero[p], ones[p] })
            {
                double[] f = BitFrequencies(view);
                Assert.All(f, x => Assert.InRange(x, 0.46, 0.54));
            }

            // And the two views are not the same bytes (fresh masks every run).
            Assert.False(zero[p].AsSpan().SequenceEqual(ones[p]));
        }
    }

    [Fact]
    public async Task The_replicated_input_sends_the_owners_component_masked_by_the_pair_stream()
    {
        const int m = 4096;
        var recorders = new RecordingTransport?[3];
        uint[] secret = new uint[m]; // all zeros: an unmasked component would arrive as zeros
        await EngineTests.RunAsync(
            BlackBoxEngine.Replicated,
            async abb => (await abb.InputAsync(1, abb.PartyIndex == 1 ? secret : default, m)).Length,
            t =>
            {
                var r = new RecordingTransport(t);
                recorders[t.PartyIndex] = r;
                return r;
            });

        // Only party 0 (the owner's previous party) receives anything: the owner's component x − F(k_12).
        Assert.Equal(0, recorders[1]!.Received.Length - (16 + 32) * 2);
        Assert.Equal(0, recorders[2]!.Received.Length - (16 + 32) * 2);
        byte[] view = recorders[0]!.Received.Skip((16 + 32) * 2).ToArray();
        Assert.Equal(4 * m, view.Length);
        Assert.All(BitFrequencies(view), x => Assert.InRange(x, 0.45, 0.55));
    }
}
