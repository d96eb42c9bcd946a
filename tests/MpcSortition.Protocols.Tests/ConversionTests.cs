using MpcSortition.Core;
using static MpcSortition.Protocols.Tests.ComparisonHarness;

namespace MpcSortition.Protocols.Tests;

public class ConversionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65)]
    [InlineData(1500)]
    public async Task ToBitsIsTheBitSlicedValueAndFromBitsInvertsIt(int count)
    {
        uint[] x;
        uint[][] xs;
        using (var prg = Prg(200 + count))
        {
            x = [.. Boundaries.Take(Math.Min(count, Boundaries.Length)), .. Values(prg, Math.Max(0, count - Boundaries.Length))];
            xs = Deal(x, prg);
        }

        var results = await RunAsync(async abb =>
        {
            SharedBits bits = await abb.ToBitsAsync(abb.FromShares(xs[abb.PartyIndex]));
            SharedVector back = await abb.FromBitsAsync(bits);
            return (Bits: bits.Shares.ToArray(), BitLength: bits.BitLength, Back: back.Shares.ToArray());
        });
        Assert.All(results, r => Assert.Equal(32 * count, r.BitLength));
        ulong[] opened = new ulong[results[0].Bits.Length];
        foreach (var r in results)
        {
            PackedBits.Xor(opened, r.Bits, opened);
        }

        Assert.Equal(BitSlicing.ToPlanes(x), opened);
        Assert.Equal(x, OpenValues(results.Select(r => r.Back).ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(777)]
    public async Task ToArithmeticGivesZeroOrOneForEachBit(int count)
    {
        var words = new ulong[PackedBits.WordCount(count)];
        using (var prg = Prg(300 + count))
        {
            prg.Fill(words);
        }

        if (count % 64 != 0)
        {
            words[^1] &= (1UL << (count % 64)) - 1;
        }

        BitShareVector[] shares = BooleanSharing.Split(words, count, 3);
        uint[][] results = await RunAsync(async abb =>
        {
            SharedVector v = await abb.ToArithmeticAsync(abb.FromBitShares(shares[abb.PartyIndex].Words, count));
            return v.Shares.ToArray();
        });
        uint[] values = OpenValues(results);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal((uint)(words[i >> 6] >> (i & 63)) & 1, values[i]);
        }
    }

    [Fact]
    public async Task SelectPicksXWhereTheConditionHolds()
    {
        const int count = 400;
        uint[] x, y, cond;
        uint[][] xs, ys, cs;
        using (var prg = Prg(400))
        {
            x = Values(prg, count);
            y = Values(prg, count);
            cond = Values(prg, count).Select(v => v & 1).ToArray();
            xs = Deal(x, prg);
            ys = Deal(y, prg);
            cs = Deal(cond, prg);
        }

        var condWords = new ulong[PackedBits.WordCount(count)];
        for (int i = 0; i < count; i++)
        {
            condWords[i >> 6] |= (ulong)cond[i] << (i & 63);
        }

        BitShareVector[] bitShares = BooleanSharing.Split(condWords, count, 3);
        var results = await RunAsync(async abb =>
        {
            int p = abb.PartyIndex;
            SharedVector a = await abb.SelectAsync(abb.FromShares(cs[p]), abb.FromShares(xs[p]), abb.FromShares(ys[p]));
            SharedVector b = await abb.SelectAsync(abb.FromBitShares(bitShares[p].Words, count), abb.FromShares(xs[p]), abb.FromShares(ys[p]));
            return (a.Shares.ToArray(), b.Shares.ToArray());
        });
        uint[] expected = cond.Select((c, i) => c == 1 ? x[i] : y[i]).ToArray();
        Assert.Equal(expected, OpenValues(results.Select(r => r.Item1).ToArray()));
        Assert.Equal(expected, OpenValues(results.Select(r => r.Item2).ToArray()));
    }
}
