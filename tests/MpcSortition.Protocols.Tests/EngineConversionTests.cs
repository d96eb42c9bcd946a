using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The conversions between the two share domains on both engines: A2B (<see cref="ObliviousToolkit.ToBitsAsync"/>)
/// and B2A (<see cref="ObliviousToolkit.ToArithmeticAsync"/>) against plaintext, with operands with and without
/// companion; on the replicated engine the native paths (A2B in replicated mode, one-round B2A of replicated bits) keep
/// the replicated invariant and cost what docs/protocols.md says.
/// </summary>
public sealed class EngineConversionTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(30);

    private static bool Bit(ReadOnlySpan<ulong> words, int i) => ((words[i >> 6] >> (i & 63)) & 1) == 1;

    private static ulong[] Reconstruct(BitShareVector[] h)
    {
        var x = new ulong[h[0].Words.Length];
        foreach (BitShareVector s in h)
        {
            PackedBits.Xor(x, s.Words, x);
        }

        return x;
    }

    private static uint[] Reconstruct(ShareVector[] h)
    {
        var sum = new uint[h[0].Length];
        foreach (ShareVector s in h)
        {
            Ring32.Add(sum, s.Values, sum);
        }

        return sum;
    }

    [Theory]
    [MemberData(nameof(EngineTests.Engines), MemberType = typeof(EngineTests))]
    public void A2B_and_B2A_match_plaintext_for_replicated_and_additive_operands(BlackBoxEngine engine)
    {
        Check.One(Config, Prop.ForAll(Properties.AnyUInts, Gen.Choose(1, 32).ToArbitrary(), (xs, width) =>
        {
            uint[] x = xs;
            int m = x.Length;
            using var prg = new AesCtrPrg(BitConverter.GetBytes((ulong)m * 104729).Concat(new byte[8]).ToArray());
            ShareVector[] dealt = Parties.Deal(x, 3, prg);
            var results = EngineTests.RunAsync(engine, async abb =>
            {
                ShareVector replicated = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, m);
                ShareVector additive = abb.FromShares(dealt[abb.PartyIndex].Values);
                BitShareVector bitsR = await abb.ToBitsAsync(replicated, width);
                BitShareVector bitsA = await abb.ToBitsAsync(additive, width);
                ShareVector backR = await abb.FromBitsAsync(bitsR, width);                          // B2A of bits with companion
                ShareVector backA = await abb.FromBitsAsync(abb.FromBitShares(bitsA.Words, bitsA.BitLength), width); // without
                ShareVector lowBit = await abb.ToArithmeticAsync(abb.SliceBits(bitsR, 0, m));
                return (Bits: new[] { bitsR, bitsA }, Values: new[] { backR, backA, lowBit });
            }).GetAwaiter().GetResult();

            uint mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
            uint[] expected = x.Select(v => v & mask).ToArray();
            for (int k = 0; k < 2; k++)
            {
                BitShareVector[] column = results.Select(r => r.Bits[k]).ToArray();
                ulong[] open = Reconstruct(column);
                for (int j = 0; j < width; j++)
                {
                    for (int i = 0; i < m; i++)
                    {
                        if (Bit(open, (j * m) + i) != (((x[i] >> j) & 1) == 1))
                        {
                            return false;
                        }
                    }
                }

                EngineTests.AssertConsistent(column, engine == BlackBoxEngine.Replicated && k == 0 ? true : null);
            }

            return Reconstruct(results.Select(r => r.Values[0]).ToArray()).SequenceEqual(expected)
                && Reconstruct(results.Select(r => r.Values[1]).ToArray()).SequenceEqual(expected)
                && Reconstruct(results.Select(r => r.Values[2]).ToArray()).SequenceEqual(x.Select(v => v & 1));
        }));
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver, 2, 32 * 8, 2, 32 * 8)]
    [InlineData(BlackBoxEngine.Replicated, 1, 32, 2, 33)]
    public async Task B2A_costs_the_documented_rounds_and_bytes(BlackBoxEngine engine, int roundsWithCompanion, int bitsWithCompanion, int roundsAdditive, int bitsAdditive)
    {
        // Bits with companion come from an AND of the engine (on Beaver: plain XOR shares); additive bits from raw words.
        const int n = 640;
        (SessionCost Replicated, SessionCost Additive)[] costs = await EngineTests.RunAsync(engine, async abb =>
        {
            BitShareVector bits = await abb.AndAsync(abb.RandomBits(n), abb.RandomBits(n));
            BitShareVector raw = abb.FromBitShares(bits.Words, n);
            SessionCost a = abb.Cost;
            _ = await abb.ToArithmeticAsync(bits);
            SessionCost b = abb.Cost;
            _ = await abb.ToArithmeticAsync(raw);
            return (b - a, abb.Cost - b);
        });
        Assert.All(costs, c =>
        {
            Assert.Equal((roundsWithCompanion, (long)bitsWithCompanion * n / 8), (c.Replicated.Rounds, c.Replicated.BytesSent));
            Assert.Equal((roundsAdditive, (long)bitsAdditive * n / 8), (c.Additive.Rounds, c.Additive.BytesSent));
        });
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver, 174 * 4)]
    [InlineData(BlackBoxEngine.Replicated, 174)]
    public async Task A2B_of_a_replicated_operand_costs_seven_rounds_and_its_and_gates_at_the_engines_price(BlackBoxEngine engine, int bitsPerElement)
    {
        const int m = 640; // a multiple of 64: no plane padding
        SessionCost[] costs = await EngineTests.RunAsync(engine, async abb =>
        {
            ShareVector x = await abb.InputAsync(0, abb.PartyIndex == 0 ? new uint[m] : default, m);
            SessionCost a = abb.Cost;
            _ = await abb.ToBitsAsync(x);
            return abb.Cost - a;
        });
        Assert.All(costs, c => Assert.Equal((7L, bitsPerElement * m / 8L, 174L * m), (c.Rounds, c.BytesSent, c.AndGates)));
    }

    [Fact]
    public async Task The_one_round_B2A_shows_each_party_only_uniform_bytes_for_a_constant_input()
    {
        // All-ones bits (a skewed input): what every party receives during the B2A must not be constant across runs
        // with different session seeds, and must have about half its bits set (a coarse uniformity check).
        const int n = 4096;
        async Task<byte[][]> Received()
        {
            var seen = new List<byte>[3] { [], [], [] };
            var recording = new bool[3];
            await EngineTests.RunAsync(BlackBoxEngine.Replicated, async abb =>
            {
                BitShareVector ones = abb.PublicBits(Enumerable.Repeat(ulong.MaxValue, n / 64).ToArray(), n);
                BitShareVector bits = await abb.AndAsync(ones, ones); // replicated, value all ones
                abb.Trace.Reset();
                Volatile.Write(ref recording[abb.PartyIndex], true);
                ShareVector values = await abb.ToArithmeticAsync(bits);
                Volatile.Write(ref recording[abb.PartyIndex], false);
                Assert.Equal(1, abb.Trace.Rounds);
                uint[] open = await abb.OpenAsync(values, "test: b2a");
                Assert.All(open, v => Assert.Equal(1u, v));
                return 0;
            }, t => new RecordingTransport(t, seen[t.PartyIndex], () => Volatile.Read(ref recording[t.PartyIndex])));
            return seen.Select(s => s.ToArray()).ToArray();
        }

        byte[][] first = await Received(), second = await Received();

        // Every party's component of the additive operand u (party 0: b₀ ⊕ b₁, the others 0) moves to its previous party
        // re-randomised by a fresh zero sharing: 4 bytes per bit, uniform whatever the bits.
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(4 * n, first[p].Length);
            Assert.NotEqual(first[p], second[p]);
            long ones = first[p].Sum(b => (long)System.Numerics.BitOperations.PopCount(b));
            Assert.InRange(ones / (8.0 * first[p].Length), 0.48, 0.52);
        }
    }

    /// <summary>Records every byte this party receives while <paramref name="on"/> says so.</summary>
    private sealed class RecordingTransport(ITransport inner, List<byte> received, Func<bool> on) : ITransport
    {
        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => inner.SendAsync(peer, payload, cancellationToken);

        public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            await inner.ReceiveAsync(peer, destination, cancellationToken);
            if (!on())
            {
                return;
            }

            lock (received)
            {
                received.AddRange(destination.ToArray());
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
