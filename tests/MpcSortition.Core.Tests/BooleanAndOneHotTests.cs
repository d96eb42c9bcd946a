using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

public class BooleanAndOneHotTests
{
    private static readonly Arbitrary<(ulong[] Words, int Bits, int Parties)> BitVectors =
        (from bits in Gen.Choose(0, 300)
         from parties in Gen.Choose(2, 5)
         from words in Gen.ArrayOf(ArbMap.Default.GeneratorFor<ulong>(), (bits + 63) / 64)
         select (words, bits, parties)).ToArbitrary();

    /// <summary>The words with every bit at position ≥ <paramref name="bits"/> cleared, bit by bit (independent of
    /// <c>PackedBits.ClearTail</c>, which is under test).</summary>
    private static ulong[] Masked(ulong[] words, int bits)
    {
        var copy = new ulong[words.Length];
        for (int j = 0; j < bits; j++)
        {
            copy[j / 64] |= words[j / 64] & (1UL << (j % 64));
        }

        return copy;
    }

    [Fact]
    public void BooleanSplitReconstructs() =>
        Properties.Check(Prop.ForAll(BitVectors, t =>
        {
            BitShareVector[] s = BooleanSharing.Split(t.Words, t.Bits, t.Parties);
            return BooleanSharing.Reconstruct(s).AsSpan().SequenceEqual(Masked(t.Words, t.Bits))
                && s.All(v => v.BitLength == t.Bits && v.Words.Length == (t.Bits + 63) / 64);
        }));

    [Fact]
    public void XorAndPublicOperationsAreHomomorphic() =>
        Properties.Check(Prop.ForAll(BitVectors, t =>
        {
            int n = t.Parties;
            ulong[] x = Masked(t.Words, t.Bits);
            ulong[] y = x.Select(w => w * 0x9E3779B97F4A7C15UL ^ 0xF0F0UL).ToArray();
            ulong[] yMasked = Masked(y, t.Bits);
            BitShareVector[] sx = BooleanSharing.Split(x, t.Bits, n);
            BitShareVector[] sy = BooleanSharing.Split(y, t.Bits, n);
            ulong[] Open(Func<int, BitShareVector> f) => BooleanSharing.Reconstruct(Enumerable.Range(0, n).Select(f).ToArray());

            var xor = x.Zip(yMasked, (a, b) => a ^ b).ToArray();
            var and = x.Zip(y, (a, b) => a & b).ToArray();
            var not = Masked(x.Select(a => ~a).ToArray(), t.Bits);
            return Open(p => sx[p].Xor(sy[p])).AsSpan().SequenceEqual(xor)
                && Open(p => sx[p].AndPublic(y)).AsSpan().SequenceEqual(and)
                && Open(p => sx[p].XorPublic(y)).AsSpan().SequenceEqual(xor)
                && Open(p => sx[p].Not()).AsSpan().SequenceEqual(not);
        }));

    [Fact]
    public void BitLengthAndPartyMismatchesThrow()
    {
        BitShareVector[] a = BooleanSharing.Split([1UL], 10, 3);
        BitShareVector[] b = BooleanSharing.Split([1UL], 11, 3);
        Assert.Equal("other", Assert.Throws<ArgumentException>(() => a[0].Xor(b[0])).ParamName);
        Assert.Equal("other", Assert.Throws<ArgumentException>(() => a[0].Xor(a[1])).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentException>(() => BooleanSharing.Split([1UL, 2UL], 10, 3)).ParamName);
        Assert.Equal("words", Assert.Throws<ArgumentException>(() => new BitShareVector(0, 65, [1UL])).ParamName);
        Assert.Equal("BitShareVector(party 0, 10 bits)", a[0].ToString());
    }

    [Fact]
    public void OneHotRoundTripsAndSharesReconstruct() =>
        Properties.Check(Prop.ForAll(Gen.Choose(1, 40).SelectMany(m => Gen.Choose(0, m - 1).Select(i => (i, m))).ToArbitrary(), t =>
        {
            uint[] e = OneHot.Encode(t.i, t.m);
            uint[] opened = AdditiveSharing.Reconstruct(OneHot.Share(t.i, t.m, 3));
            return OneHot.Decode(e) == t.i && e.Sum(v => (long)v) == 1 && opened.AsSpan().SequenceEqual(e);
        }));

    [Fact]
    public void OneHotRejectsInvalidInput()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(0, 0));
        Assert.Equal("oneHot", Assert.Throws<ArgumentException>(() => OneHot.Decode([0u, 0u])).ParamName);
        Assert.Equal("oneHot", Assert.Throws<ArgumentException>(() => OneHot.Decode([1u, 1u])).ParamName);
        Assert.Equal("oneHot", Assert.Throws<ArgumentException>(() => OneHot.Decode([2u, 0u])).ParamName);
    }
}
