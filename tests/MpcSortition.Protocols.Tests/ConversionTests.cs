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
            BitShareVector bits = await abb.ToBitsAsync(abb.FromShares(xs[abb.PartyIndex]));
            ShareVector back = await abb.FromBitsAsync(bits);
            return (Bits: bits.Words.ToArray(), BitLength: bits.BitLength, Back: back.Values.ToArray());
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
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(6, 4)]
    [InlineData(17, 6)]
    public async Task LowBitsAreExtractedExactlyFromAnyValue(int bitCount, int rounds)
    {
        uint[] x;
        uint[][] xs;
        using (var prg = Prg(250 + bitCount))
        {
            x = [.. Boundaries, .. Values(prg, 300)];
            xs = Deal(x, prg);
        }

        var results = await RunAsync(async abb =>
        {
            long before = abb.Trace.Rounds;
            BitShareVector bits = await abb.ToBitsAsync(abb.FromShares(xs[abb.PartyIndex]), bitCount);
            long used = abb.Trace.Rounds - before;
            ShareVector back = await abb.FromBitsAsync(bits, bitCount);
            return (Bits: bits.Words.ToArray(), Rounds: used, Back: back.Values.ToArray());
        });
        Assert.All(results, r => Assert.Equal(rounds, r.Rounds));
        ulong[] opened = new ulong[results[0].Bits.Length];
        foreach (var r in results)
        {
            PackedBits.Xor(opened, r.Bits, opened);
        }

        uint mask = (1u << bitCount) - 1;
        Assert.Equal(x.Select(v => v & mask), BitSlicing.FromPlanes(opened, x.Length, bitCount));
        Assert.Equal(x.Select(v => v & mask), OpenValues(results.Select(r => r.Back).ToArray()));
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
            ShareVector v = await abb.ToArithmeticAsync(abb.FromBitShares(shares[abb.PartyIndex].Words, count));
            return v.Values.ToArray();
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
            ShareVector a = await abb.SelectAsync(abb.FromShares(cs[p]), abb.FromShares(xs[p]), abb.FromShares(ys[p]));
            ShareVector b = await abb.SelectAsync(abb.FromBitShares(bitShares[p].Words, count), abb.FromShares(xs[p]), abb.FromShares(ys[p]));
            return (a.Values.ToArray(), b.Values.ToArray());
        });
        uint[] expected = cond.Select((c, i) => c == 1 ? x[i] : y[i]).ToArray();
        Assert.Equal(expected, OpenValues(results.Select(r => r.Item1).ToArray()));
        Assert.Equal(expected, OpenValues(results.Select(r => r.Item2).ToArray()));
    }
}
