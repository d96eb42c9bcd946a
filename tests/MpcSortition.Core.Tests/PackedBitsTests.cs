using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

/// <summary>Packed-bit kernels and bit share vectors against hand-written values and a bool-per-bit reference model.</summary>
public class PackedBitsTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(63, 1)]
    [InlineData(64, 1)]
    [InlineData(65, 2)]
    [InlineData(128, 2)]
    [InlineData(129, 3)]
    [InlineData(int.MaxValue, 33_554_432)]
    public void WordCountIsTheCeilingOfBitsOver64(int bits, int words) => Assert.Equal(words, PackedBits.WordCount(bits));

    [Fact]
    public void WordCountRejectsANegativeLength() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.WordCount(-1));

    [Fact]
    public void KernelsKnownAnswers()
    {
        ulong[] x = [0xFF00FF00FF00FF00UL, 0x0123456789ABCDEFUL];
        ulong[] y = [0x0F0F0F0F0F0F0F0FUL, 0xFFFFFFFF00000000UL];
        var d = new ulong[2];
        PackedBits.Xor(x, y, d);
        Assert.Equal([0xF00FF00FF00FF00FUL, 0xFEDCBA9889ABCDEFUL], d);
        PackedBits.And(x, y, d);
        Assert.Equal([0x0F000F000F000F00UL, 0x0123456700000000UL], d);
        PackedBits.Not(x, d);
        Assert.Equal([0x00FF00FF00FF00FFUL, 0xFEDCBA9876543210UL], d);
    }

    [Fact]
    public void KernelsRejectMismatchedLengthsNamingTheParameter()
    {
        var two = new ulong[2];
        var three = new ulong[3];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => PackedBits.Xor(two, three, new ulong[2])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => PackedBits.Xor(two, two, three)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => PackedBits.And(two, three, new ulong[2])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => PackedBits.And(two, two, three)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => PackedBits.Not(two, three)).ParamName);
        var buffer = new ulong[4];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => PackedBits.Xor(two, buffer.AsSpan(1, 2), buffer.AsSpan(0, 2))).ParamName);
    }

    [Fact]
    public void CopyBitsOrsTheRangeInAndLeavesEverythingElse() =>
        Properties.Check(Prop.ForAll(CopyCases, c =>
        {
            ulong[] destination = (ulong[])c.Destination.Clone();
            PackedBits.CopyBits(c.Source, c.SourceBit, destination, c.DestinationBit, c.Count);

            bool[] expected = ToBits(c.Destination);
            bool[] source = ToBits(c.Source);
            for (int j = 0; j < c.Count; j++)
            {
                expected[c.DestinationBit + j] |= source[c.SourceBit + j];
            }

            return ToBits(destination).AsSpan().SequenceEqual(expected);
        }));

    [Fact]
    public void CopyBitsKnownAnswers()
    {
        var d = new ulong[2];
        PackedBits.CopyBits([0xABFDUL], 4, d, 62, 8); // bits 4..11 of the source (0xBF = 1011_1111) land at 62..69
        Assert.Equal([0xC000_0000_0000_0000UL, 0x2FUL], d);

        d = new ulong[2];
        PackedBits.CopyBits([ulong.MaxValue, ulong.MaxValue], 0, d, 0, 128); // whole words
        Assert.Equal([ulong.MaxValue, ulong.MaxValue], d);

        d = [1UL];
        PackedBits.CopyBits([ulong.MaxValue], 0, d, 5, 0); // nothing to copy
        Assert.Equal([1UL], d);
    }

    [Fact]
    public void CopyBitsRejectsRangesOutsideEitherSpan()
    {
        var one = new ulong[1];
        PackedBits.CopyBits(one, 64, new ulong[1], 64, 0); // an empty range at the very end is inside
        PackedBits.CopyBits(one, 0, new ulong[1], 0, 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.CopyBits(one, 1, new ulong[1], 0, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.CopyBits(one, 0, new ulong[1], 1, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.CopyBits(one, -1, new ulong[1], 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.CopyBits(one, 0, new ulong[1], -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBits.CopyBits(one, 0, new ulong[1], 0, -1));
    }

    [Fact]
    public void ConstructorAndPublicSharingClearTheBitsPastTheEnd()
    {
        var v = new BitShareVector(0, 70, [ulong.MaxValue, ulong.MaxValue]);
        Assert.Equal([ulong.MaxValue, 0x3FUL], v.Words.ToArray());
        var exact = new BitShareVector(1, 128, [ulong.MaxValue, ulong.MaxValue]);
        Assert.Equal([ulong.MaxValue, ulong.MaxValue], exact.Words.ToArray());
        Assert.Equal([0x3FUL], BitShareVector.Public(0, 6, [ulong.MaxValue]).Words.ToArray());
    }

    [Fact]
    public void PublicBitsAreHeldByParty0Only()
    {
        ulong[] bits = [0b1011UL];
        BitShareVector[] shares = [.. Enumerable.Range(0, 3).Select(p => BitShareVector.Public(p, 4, bits))];
        Assert.Equal([0b1011UL], shares[0].Words.ToArray());
        Assert.Equal([0UL], shares[1].Words.ToArray());
        Assert.Equal([0UL], shares[2].Words.ToArray());
        Assert.Equal([0b1011UL], BooleanSharing.Reconstruct(shares));
        Assert.Equal(2, shares[2].PartyIndex);
        Assert.Equal(4, shares[2].BitLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => BitShareVector.Public(-1, 4, bits));
        Assert.Equal("words", Assert.Throws<ArgumentException>(() => BitShareVector.Public(0, 65, bits)).ParamName);
    }

    [Fact]
    public void NotAndXorPublicAreAppliedOnceAndKeepTheTailClear()
    {
        // 70 bits, all zero; NOT must give 70 ones (tail clear), XOR with public ones the same.
        BitShareVector[] s = BooleanSharing.Split(new ulong[2], 70, 3);
        ulong[] allOnes = [ulong.MaxValue, 0x3FUL];
        Assert.Equal(allOnes, BooleanSharing.Reconstruct([.. s.Select(v => v.Not())]));
        Assert.Equal(allOnes, BooleanSharing.Reconstruct([.. s.Select(v => v.XorPublic([ulong.MaxValue, ulong.MaxValue]))]));
        Assert.Equal(0UL, s[0].Not().Words[1] >> 6);
        Assert.Equal(0UL, s[0].XorPublic([ulong.MaxValue, ulong.MaxValue]).Words[1] >> 6);
        Assert.Equal(s[1].Words.ToArray(), s[1].Not().Words.ToArray());
        Assert.Equal(s[2].Words.ToArray(), s[2].XorPublic([1UL, 1UL]).Words.ToArray());
        Assert.Equal("bits", Assert.Throws<ArgumentException>(() => s[0].XorPublic([1UL])).ParamName);
    }

    [Fact]
    public void SliceAndConcatOfSharesAreSliceAndConcatOfTheSecretBits() =>
        Properties.Check(Prop.ForAll(SliceCases, c =>
        {
            bool[] secret = ToBits(c.Words)[..c.Bits];
            BitShareVector[] s = BooleanSharing.Split(FromBits(secret), c.Bits, 3);
            BitShareVector[] slices = [.. s.Select(v => v.Slice(c.Start, c.Length))];
            bool[] slice = ToBits(BooleanSharing.Reconstruct(slices))[..c.Length];
            bool sliceOk = slice.AsSpan().SequenceEqual(secret.AsSpan(c.Start, c.Length))
                && slices.All(v => v.BitLength == c.Length && v.Words.Length == (c.Length + 63) / 64);

            // Concatenate (secret[start..], slice, secret) at odd offsets.
            BitShareVector[] joined = [.. Enumerable.Range(0, 3).Select(p => BitShareVector.Concat(s[p].Slice(c.Start, c.Bits - c.Start), slices[p], s[p]))];
            bool[] expected = [.. secret[c.Start..], .. secret.AsSpan(c.Start, c.Length).ToArray(), .. secret];
            bool[] actual = ToBits(BooleanSharing.Reconstruct(joined));
            return sliceOk
                && joined.All(v => v.BitLength == expected.Length && v.PartyIndex == Array.IndexOf(joined, v))
                && actual.AsSpan(0, expected.Length).SequenceEqual(expected)
                && actual.Skip(expected.Length).All(b => !b);
        }));

    [Fact]
    public void SliceAndConcatRejectBadArguments()
    {
        BitShareVector[] s = BooleanSharing.Split([0UL, 0UL], 100, 2);
        Assert.Equal(0, s[0].Slice(100, 0).BitLength);
        Assert.Equal(100, s[0].Slice(0, 100).BitLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(1, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(0, -1));
        Assert.Equal("parts", Assert.Throws<ArgumentException>(() => BitShareVector.Concat()).ParamName);
        var mixed = Assert.Throws<ArgumentException>(() => BitShareVector.Concat(s[0], s[1]));
        Assert.Equal("parts", mixed.ParamName);
        Assert.Throws<ArgumentNullException>(() => BitShareVector.Concat(s[0], null!));
        Assert.Throws<ArgumentNullException>(() => BitShareVector.Concat(null!, s[0]));
        Assert.Equal(1, BitShareVector.Concat(s[1]).PartyIndex);
    }

    [Fact]
    public void BitVectorsRefuseANegativePartyAndANullOperand()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitShareVector(-1, 1, [1UL]));
        BitShareVector v = new(0, 1, [1UL]);
        Assert.Equal("other", Assert.Throws<ArgumentNullException>(() => v.Xor(null!)).ParamName);
        Assert.Equal([0UL], v.Xor(v).Words.ToArray());
    }

    [Fact]
    public void AndPublicMasksEveryShare()
    {
        BitShareVector[] s = BooleanSharing.Split([0b1100UL], 4, 3);
        Assert.Equal([0b0100UL], BooleanSharing.Reconstruct([.. s.Select(v => v.AndPublic([0b0110UL]))]));
        Assert.Equal(0UL, s[1].AndPublic([0UL]).Words[0]);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => s[0].AndPublic([1UL, 2UL])).ParamName);
    }

    [Fact]
    public void ReconstructRejectsMisplacedMismatchedOrMissingShares()
    {
        BitShareVector[] a = BooleanSharing.Split([1UL], 10, 3);
        BitShareVector[] b = BooleanSharing.Split([1UL], 11, 3);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => BooleanSharing.Reconstruct([a[0], b[1], a[2]])).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => BooleanSharing.Reconstruct([a[1], a[0], a[2]])).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => BooleanSharing.Reconstruct(a.AsSpan(0, 1))).ParamName);
        Assert.Throws<ArgumentNullException>(() => BooleanSharing.Reconstruct([a[0], null!, a[2]]));
        Assert.Equal("parties", Assert.Throws<ArgumentException>(() => BooleanSharing.Split([1UL], 10, 1)).ParamName);
        Assert.Equal([1UL], BooleanSharing.Reconstruct(BooleanSharing.Split([1UL], 10, 2)));
    }

    private static readonly Arbitrary<(ulong[] Source, int SourceBit, ulong[] Destination, int DestinationBit, int Count)> CopyCases =
        (from sw in Gen.Choose(1, 4)
         from dw in Gen.Choose(1, 4)
         from source in Gen.ArrayOf(ArbMap.Default.GeneratorFor<ulong>(), sw)
         from destination in Gen.ArrayOf(ArbMap.Default.GeneratorFor<ulong>(), dw)
         from count in Gen.Choose(0, Math.Min(sw, dw) * 64)
         from sb in Gen.Choose(0, (sw * 64) - count)
         from db in Gen.Choose(0, (dw * 64) - count)
         select (source, sb, destination, db, count)).ToArbitrary();

    private static readonly Arbitrary<(ulong[] Words, int Bits, int Start, int Length)> SliceCases =
        (from bits in Gen.Choose(1, 300)
         from words in Gen.ArrayOf(ArbMap.Default.GeneratorFor<ulong>(), (bits + 63) / 64)
         from start in Gen.Choose(0, bits)
         from length in Gen.Choose(0, bits - start)
         select (words, bits, start, length)).ToArbitrary();

    private static bool[] ToBits(ReadOnlySpan<ulong> words)
    {
        var bits = new bool[words.Length * 64];
        for (int j = 0; j < bits.Length; j++)
        {
            bits[j] = ((words[j / 64] >> (j % 64)) & 1) != 0;
        }

        return bits;
    }

    private static ulong[] FromBits(bool[] bits)
    {
        var words = new ulong[(bits.Length + 63) / 64];
        for (int j = 0; j < bits.Length; j++)
        {
            if (bits[j])
            {
                words[j / 64] |= 1UL << (j % 64);
            }
        }

        return words;
    }
}
