using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// LocalMaps: a local linear map keeps a replicated sharing replicated (so the replicated engine's inner product of
/// mapped operands costs one element per output), the replicated B2A is exact, and ToReplicatedAsync opens only a
/// masked value. Each result is checked against the plaintext.
/// </summary>
public sealed class LocalMapsTests
{
    private static readonly InProcessOptions Replicated = new() { Engine = BlackBoxEngine.Replicated };

    [Fact]
    public async Task A_mapped_replicated_handle_keeps_its_companion_and_its_inner_product_costs_one_element_per_output()
    {
        // x: 4 values; the map tiles it into 3 rows of 4; the inner product of each row with y costs 4 bytes per output.
        uint[] x = [1, 2, 3, 4], y = [5, 6, 7, 8, 1, 1, 1, 1, 0, 2, 0, 2];
        (uint[] Sums, long Bytes, bool Companion)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            ShareVector xs = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, x.Length);
            ShareVector ys = await abb.InputAsync(1, abb.PartyIndex == 1 ? y : default, y.Length);
            ShareVector tiled = abb.Map(xs, 12, (s, o) =>
            {
                for (int r = 0; r < 3; r++)
                {
                    s.CopyTo(o.Slice(r * 4, 4));
                }
            });
            long before = abb.Cost.BytesSent;
            ShareVector sums = await abb.InnerProductAsync(tiled, ys, 4);
            long bytes = abb.Cost.BytesSent - before;
            return (await abb.OpenAsync(sums, "test: sums"), bytes, ReplicatedBlackBox.CompanionOf(tiled) is not null);
        }, Replicated);
        foreach ((uint[] sums, long bytes, bool companion) in runs)
        {
            Assert.Equal([5 + 12 + 21 + 32, 1 + 2 + 3 + 4, 4 + 8], sums);
            Assert.True(companion);
            Assert.Equal(3 * 4, bytes); // one element per output, to one peer
        }
    }

    [Fact]
    public async Task Without_the_map_the_same_product_re_shares_the_operand()
    {
        // The contrast that motivates Map: FromShares drops the companion, and the engine then sends the operand too.
        uint[] x = [1, 2, 3, 4], y = [5, 6, 7, 8];
        long[] bytes = await InProcessParties.RunAsync(async abb =>
        {
            ShareVector xs = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, x.Length);
            ShareVector ys = await abb.InputAsync(1, abb.PartyIndex == 1 ? y : default, y.Length);
            ShareVector plain = abb.FromShares(xs.Values);
            long before = abb.Cost.BytesSent;
            await abb.InnerProductAsync(plain, ys, 4);
            return abb.Cost.BytesSent - before;
        }, Replicated);
        Assert.All(bytes, b => Assert.True(b > 4, $"{b} bytes"));
    }

    [Theory]
    [InlineData(BlackBoxEngine.Replicated)]
    [InlineData(BlackBoxEngine.Beaver)]
    public async Task The_B2A_that_keeps_companions_is_exact(BlackBoxEngine engine)
    {
        using var prg = new AesCtrPrg(new byte[16]);
        var words = new ulong[3];
        prg.Fill(words);
        const int bits = 150;
        words[2] &= (1UL << (bits - 128)) - 1;
        (uint[] Values, bool Companion)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            BitShareVector b = await abb.InputBitsAsync(2, abb.PartyIndex == 2 ? words : default, bits);
            ShareVector a = await abb.ToArithmeticKeepingCompanionsAsync(b);
            return (await abb.OpenAsync(a, "test: bits"), ReplicatedBlackBox.CompanionOf(a) is not null);
        }, new InProcessOptions { Engine = engine });
        uint[] expected = Enumerable.Range(0, bits).Select(i => (uint)(words[i >> 6] >> (i & 63)) & 1u).ToArray();
        foreach ((uint[] values, bool companion) in runs)
        {
            Assert.Equal(expected, values);
            Assert.Equal(engine == BlackBoxEngine.Replicated, companion);
        }
    }

    [Fact]
    public async Task MapBits_keeps_the_companion_and_maps_the_secret_bits()
    {
        ulong[] words = [0b1011_0110];
        (ulong[] Opened, bool Companion)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            BitShareVector b = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? words : default, 8);
            BitShareVector reversed = abb.MapBits(b, 8, (s, o) =>
            {
                for (int i = 0; i < 8; i++)
                {
                    o[0] |= ((s[0] >> i) & 1UL) << (7 - i);
                }
            });
            return (await abb.OpenBitsAsync(reversed, "test: reversed"), ReplicatedBlackBox.CompanionOf(reversed) is not null);
        }, Replicated);
        Assert.All(runs, r => Assert.Equal(0b0110_1101UL, r.Opened[0]));
        Assert.All(runs, r => Assert.True(r.Companion));
    }

    [Fact]
    public async Task ToReplicated_gives_the_same_secrets_with_companions_and_opens_only_a_masked_value()
    {
        uint[] secret = [0, 1, 7, uint.MaxValue, 12345];
        using var prg = new AesCtrPrg(new byte[16]);
        ShareVector[] dealt = Parties.Deal(secret, 3, prg);
        (uint[] Opened, bool Companion, string[] Labels)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            ShareVector additive = abb.FromShares(dealt[abb.PartyIndex].Values);
            abb.Audit.Clear();
            ShareVector replicated = await abb.ToReplicatedAsync(additive, "test: masked");
            string[] labels = abb.Audit.Entries.Select(e => e.Label).ToArray();
            return (await abb.OpenAsync(replicated, "test: check"), ReplicatedBlackBox.CompanionOf(replicated) is not null, labels);
        }, Replicated);
        foreach ((uint[] opened, bool companion, string[] labels) in runs)
        {
            Assert.Equal(secret, opened);
            Assert.True(companion);
            Assert.Equal(["test: masked"], labels);
        }
    }

    [Fact]
    public async Task On_the_Beaver_engine_ToReplicated_is_the_identity_and_opens_nothing()
    {
        uint[] secret = [3, 4];
        using var prg = new AesCtrPrg(new byte[16]);
        ShareVector[] dealt = Parties.Deal(secret, 3, prg);
        int[] openings = await InProcessParties.RunAsync(async abb =>
        {
            ShareVector x = abb.FromShares(dealt[abb.PartyIndex].Values);
            abb.Audit.Clear();
            ShareVector same = await abb.ToReplicatedAsync(x, "test: masked");
            Assert.Same(x, same);
            Assert.False(abb.KeepsReplicatedSharings);
            return abb.Audit.Entries.Count;
        }, new InProcessOptions { Engine = BlackBoxEngine.Beaver });
        Assert.All(openings, o => Assert.Equal(0, o));
    }
}
