using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

/// <summary>What a caller of the share-vector API sees: the opened value of every operation, and the refusals.</summary>
public class ShareVectorOperationsTests
{
    [Fact]
    public void MultiplyPublicByAVectorScalesEachSecret() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (x, salt) =>
        {
            uint[] c = x.Select((v, i) => (v * 0x9E3779B1u) ^ salt ^ (uint)i).ToArray();
            ShareVector[] s = AdditiveSharing.Split(x, 3);
            uint[] opened = AdditiveSharing.Reconstruct([.. s.Select(v => v.MultiplyPublic(c))]);
            return opened.Select((v, i) => v == x[i] * c[i]).All(b => b);
        }));

    [Fact]
    public void KnownAnswersForPublicOperations()
    {
        ShareVector[] s = AdditiveSharing.Split([7u, 0xFFFF_FFFFu], 3);
        uint[] Open(Func<ShareVector, ShareVector> f) => AdditiveSharing.Reconstruct([.. s.Select(f)]);
        Assert.Equal([21u, 0xFFFF_FFFDu], Open(v => v.MultiplyPublic(3u)));
        Assert.Equal([14u, 0xFFFF_FFFDu], Open(v => v.MultiplyPublic([2u, 3u])));
        Assert.Equal([9u, 1u], Open(v => v.AddPublic(2u)));
        Assert.Equal([8u, 4u], Open(v => v.AddPublic([1u, 5u])));
        Assert.Equal([0xFFFF_FFF9u, 1u], Open(v => v.Negate()));
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => s[0].MultiplyPublic([1u])).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => s[1].AddPublic([1u, 2u, 3u])).ParamName);
    }

    [Fact]
    public void PublicValuesAreHeldByParty0Only()
    {
        uint[] values = [5u, 6u, 7u];
        ShareVector[] shares = [.. Enumerable.Range(0, 3).Select(p => ShareVector.Public(p, values))];
        Assert.Equal(values, shares[0].Values.ToArray());
        Assert.Equal(new uint[3], shares[1].Values.ToArray());
        Assert.Equal(new uint[3], shares[2].Values.ToArray());
        Assert.Equal(values, AdditiveSharing.Reconstruct(shares));
        Assert.Equal([1, 2], new[] { shares[1].PartyIndex, shares[2].PartyIndex });
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareVector.Public(-1, values));
    }

    [Fact]
    public void ZerosShareZero()
    {
        ShareVector[] z = [ShareVector.Zeros(0, 4), ShareVector.Zeros(1, 4)];
        Assert.Equal(new uint[4], AdditiveSharing.Reconstruct(z));
        Assert.Equal(1, z[1].PartyIndex);
        Assert.Equal(0, ShareVector.Zeros(2, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareVector.Zeros(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareVector.Zeros(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShareVector(-1, [1u]));
    }

    [Fact]
    public void SliceAndConcatOfSharesAreSliceAndConcatOfTheSecrets() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (x, a, b) =>
        {
            int start = x.Length == 0 ? 0 : a % (x.Length + 1);
            int length = (x.Length - start) == 0 ? 0 : b % (x.Length - start + 1);
            ShareVector[] s = AdditiveSharing.Split(x, 3);
            ShareVector[] slices = [.. s.Select(v => v.Slice(start, length))];
            ShareVector[] joined = [.. Enumerable.Range(0, 3).Select(p => ShareVector.Concat(slices[p], s[p], slices[p]))];
            uint[] part = x.AsSpan(start, length).ToArray();
            return AdditiveSharing.Reconstruct(slices).AsSpan().SequenceEqual(part)
                && AdditiveSharing.Reconstruct(joined).AsSpan().SequenceEqual([.. part, .. x, .. part]);
        }));

    [Fact]
    public void SliceAndConcatRejectBadArguments()
    {
        ShareVector[] s = AdditiveSharing.Split([1u, 2u, 3u], 2);
        Assert.Equal(0, s[0].Slice(3, 0).Length);
        Assert.Equal(3, s[0].Slice(0, 3).Length);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(1, 3)).ParamName);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(4, 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s[0].Slice(0, -1));
        Assert.Equal("parts", Assert.Throws<ArgumentException>(() => ShareVector.Concat()).ParamName);
        Assert.Equal("parts", Assert.Throws<ArgumentException>(() => ShareVector.Concat(s[0], s[1])).ParamName);
        Assert.Throws<ArgumentNullException>(() => ShareVector.Concat(s[0], null!));
        Assert.Throws<ArgumentNullException>(() => ShareVector.Concat(null!, s[0]));
        Assert.Equal(1, ShareVector.Concat(s[1]).PartyIndex);
        Assert.Equal(s[1].Values.ToArray(), ShareVector.Concat(s[1]).Values.ToArray());
    }

    [Fact]
    public void OperationsKeepTheHolderAndRefuseAnotherPartysShares()
    {
        ShareVector[] a = AdditiveSharing.Split([1u, 2u], 3);
        ShareVector x = a[2];
        Assert.All(new[] { x.Add(x), x.Subtract(x), x.Negate(), x.MultiplyPublic(3u), x.MultiplyPublic([1u, 2u]), x.AddPublic(1u), x.AddPublic([1u, 1u]), x.Slice(0, 1) },
            v => Assert.Equal(2, v.PartyIndex));
        Assert.Equal("other", Assert.Throws<ArgumentException>(() => a[0].Subtract(a[1])).ParamName);
        Assert.Equal("other", Assert.Throws<ArgumentNullException>(() => a[0].Add(null!)).ParamName);
        Assert.Equal("other", Assert.Throws<ArgumentException>(() => a[0].Add(AdditiveSharing.Split([1u], 3)[0])).ParamName);
    }

    [Fact]
    public void ReconstructRejectsANullShareVector()
    {
        ShareVector[] a = AdditiveSharing.Split([1u, 2u], 3);
        Assert.Equal("shares", Assert.Throws<ArgumentNullException>(() => AdditiveSharing.Reconstruct([a[0], null!, a[2]])).ParamName);
        Assert.Equal([1u, 2u], AdditiveSharing.Reconstruct(AdditiveSharing.Split([1u, 2u], 2)));
        Assert.Equal(0u, AdditiveSharing.Reconstruct(ReadOnlySpan<uint>.Empty));
        Assert.Equal(0x1234u, Ring32.Sum([0x1234u]));
        Span<uint> two = stackalloc uint[2];
        AdditiveSharing.Split(99u, two);
        Assert.Equal(99u, two[0] + two[1]);
    }

    [Fact]
    public void KernelsWithAConstantRejectALongerDestination()
    {
        // The SIMD primitives accept a longer destination; the documented contract (same length) is checked here.
        var four = new uint[4];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Add(four, 3u, new uint[5])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Multiply(four, 3u, new uint[5])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Negate(four, new uint[5])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Subtract(four, four, new uint[5])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Multiply(four, four, new uint[5])).ParamName);
    }

    [Fact]
    public void OneHotNamesTheArgumentAtFault()
    {
        Assert.Equal("valueCount", Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(0, 0)).ParamName);
        Assert.Equal("valueIndex", Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(-1, 3)).ParamName);
        Assert.Equal("valueIndex", Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(-1, new uint[3])).ParamName);
        Assert.Equal("valueIndex", Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(3, new uint[3])).ParamName);
        var d = new uint[] { 7, 7, 7 };
        OneHot.Encode(2, d);
        Assert.Equal([0u, 0u, 1u], d);
    }
}
