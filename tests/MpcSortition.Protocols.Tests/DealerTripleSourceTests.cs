using System.Numerics;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The simulation dealer (<see cref="DealerTripleSource"/>, used for party counts other than three): its AND triples
/// were never drawn by a test before (every AND ran on three parties with the dealer-free source). The triples must be
/// correct for every party count and every length (XOR of c = XOR of a AND XOR of b), fresh on every call, and no
/// party's shares may be the triple itself.
/// </summary>
public sealed class DealerTripleSourceTests
{
    private static ulong[] Xor(ulong[][] shares) =>
        shares.Aggregate(new ulong[shares[0].Length], (acc, s) => acc.Zip(s, (u, v) => u ^ v).ToArray());

    private static double OnesFraction(ulong[] words) => words.Sum(w => (long)BitOperations.PopCount(w)) / (64.0 * words.Length);

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 1000)]
    [InlineData(4, 3)]
    [InlineData(5, 2048)]
    public void And_triples_are_correct_for_every_party_and_fresh_on_every_call(int parties, int m)
    {
        DealerTripleSource[] sources = DealerTripleSource.CreateForSimulation(parties);
        try
        {
            ulong[][] a = new ulong[parties][], b = new ulong[parties][], c = new ulong[parties][];
            ulong[][] a2 = new ulong[parties][], b2 = new ulong[parties][], c2 = new ulong[parties][];
            for (int p = 0; p < parties; p++)
            {
                (a[p], b[p], c[p]) = (new ulong[m], new ulong[m], new ulong[m]);
                (a2[p], b2[p], c2[p]) = (new ulong[m], new ulong[m], new ulong[m]);
                sources[p].FillAndTriples(a[p], b[p], c[p]);
                sources[p].FillAndTriples(a2[p], b2[p], c2[p]);
            }

            foreach ((ulong[][] x, ulong[][] y, ulong[][] z) in new[] { (a, b, c), (a2, b2, c2) })
            {
                ulong[] xa = Xor(x), xb = Xor(y), xc = Xor(z);
                Assert.Equal(xa.Zip(xb, (u, v) => u & v).ToArray(), xc);
                if (m >= 1000)
                {
                    // The triple is uniform, and so is every party's share of it (none holds a, b or c in the clear).
                    Assert.InRange(OnesFraction(xa), 0.45, 0.55);
                    Assert.InRange(OnesFraction(xb), 0.45, 0.55);
                    Assert.InRange(OnesFraction(xc), 0.2, 0.3); // a AND b: one bit in four
                    for (int p = 0; p < parties; p++)
                    {
                        Assert.InRange(OnesFraction(x[p]), 0.45, 0.55);
                        Assert.InRange(OnesFraction(z[p]), 0.45, 0.55);
                        Assert.NotEqual(xa, x[p]);
                        Assert.NotEqual(xc, z[p]);
                    }
                }
            }

            // Two calls give different triples (the dealer's stream moves on).
            Assert.NotEqual(Xor(a), Xor(a2));
        }
        finally
        {
            foreach (DealerTripleSource s in sources)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_and_between_four_parties_with_the_dealer_is_right()
    {
        ulong[] x = [0xF0F0_1234_5678_9ABCUL, 0x3], y = [0xFF00_FF00_0F0F_0F0FUL, 0x1];
        var results = await Parties.RunInMemoryAsync(
            async abb =>
            {
                BitShareVector sx = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? x : default, 66);
                BitShareVector sy = await abb.InputBitsAsync(3, abb.PartyIndex == 3 ? y : default, 66);
                return await abb.OpenBitsAsync(await abb.AndAsync(sx, sy), "test: and of four");
            },
            parties: 4,
            dealer: true);
        Assert.All(results, r => Assert.Equal(new[] { x[0] & y[0], x[1] & y[1] }, r));
    }

    [Fact]
    public void Unequal_lengths_are_refused()
    {
        DealerTripleSource[] sources = DealerTripleSource.CreateForSimulation(2);
        Assert.Throws<ArgumentException>(() => sources[0].FillAndTriples(new ulong[2], new ulong[2], new ulong[1]));
        Assert.Throws<ArgumentException>(() => sources[1].FillBeaverTriples(new uint[1], new uint[2], new uint[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DealerTripleSource.CreateForSimulation(1));
        Assert.Contains("simulation only", sources[1].ToString(), StringComparison.Ordinal);
        sources[0].Dispose();
        sources[1].Dispose();
        Assert.Throws<ObjectDisposedException>(() => sources[0].FillAndTriples(new ulong[1], new ulong[1], new ulong[1]));
    }
}
