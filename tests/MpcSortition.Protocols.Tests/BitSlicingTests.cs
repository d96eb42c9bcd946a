using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

public class BitSlicingTests
{
    [Fact]
    public void Transpose64MatchesTheDefinition()
    {
        using var prg = ComparisonHarness.Prg(1);
        var a = new ulong[64];
        prg.Fill(a);
        var original = (ulong[])a.Clone();
        BitSlicing.Transpose64(a);
        for (int r = 0; r < 64; r++)
        {
            for (int c = 0; c < 64; c++)
            {
                Assert.Equal((original[c] >> r) & 1, (a[r] >> c) & 1);
            }
        }

        BitSlicing.Transpose64(a);
        Assert.Equal(original, a);
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(1, 32)]
    [InlineData(63, 32)]
    [InlineData(64, 32)]
    [InlineData(65, 6)]
    [InlineData(200, 1)]
    [InlineData(129, 17)]
    public void PlanesHoldBitJOfElementIAtJTimesMPlusI(int count, int width)
    {
        using var prg = ComparisonHarness.Prg(count + width);
        var values = new uint[count];
        prg.Fill(values);
        ulong[] planes = BitSlicing.ToPlanes(values, width);
        Assert.Equal((width * count + 63) / 64, planes.Length);
        for (int j = 0; j < width; j++)
        {
            for (int i = 0; i < count; i++)
            {
                int bit = j * count + i;
                Assert.Equal((values[i] >> j) & 1, (uint)(planes[bit >> 6] >> (bit & 63)) & 1);
            }
        }

        // Bits past width·count are zero.
        for (int bit = width * count; bit < 64 * planes.Length; bit++)
        {
            Assert.Equal(0UL, (planes[bit >> 6] >> (bit & 63)) & 1);
        }

        uint mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
        Assert.Equal(values.Select(v => v & mask), BitSlicing.FromPlanes(planes, count, width));
    }

    [Fact]
    public void RoundTripIsIdentity() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, values =>
            BitSlicing.FromPlanes(BitSlicing.ToPlanes(values), values.Length).AsSpan().SequenceEqual(values)));

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSlicing.ToPlanes(new uint[3], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSlicing.ToPlanes(new uint[3], 33));
        Assert.Throws<ArgumentException>(() => BitSlicing.FromPlanes(new ulong[1], 3, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSlicing.FromPlanes(new ulong[1], -1, 32));
    }
}
