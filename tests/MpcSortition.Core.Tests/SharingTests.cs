using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

public class SharingTests
{
    private static readonly Arbitrary<int> Parties = Gen.Choose(2, 7).ToArbitrary();

    [Fact]
    public void ReconstructOfSplitIsIdentityForEveryPartyCount() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Parties, (secrets, n) =>
        {
            ShareVector[] shares = AdditiveSharing.Split(secrets, n);
            return shares.Length == n
                && shares.Select((s, i) => s.PartyIndex == i && s.Length == secrets.Length).All(b => b)
                && AdditiveSharing.Reconstruct(shares).AsSpan().SequenceEqual(secrets);
        }));

    [Fact]
    public void ScalarSplitReconstructs() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Parties, (secret, n) =>
        {
            Span<uint> shares = stackalloc uint[n];
            AdditiveSharing.Split(secret, shares);
            return AdditiveSharing.Reconstruct(shares) == secret;
        }));

    [Fact]
    public void ShareWiseOperationsAreHomomorphic() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, Parties, (x, c, n) =>
        {
            uint[] y = x.Select(v => v * 2654435761u + c).ToArray();
            ShareVector[] sx = AdditiveSharing.Split(x, n);
            ShareVector[] sy = AdditiveSharing.Split(y, n);

            uint[] Open(Func<int, ShareVector> f) => AdditiveSharing.Reconstruct(Enumerable.Range(0, n).Select(f).ToArray());
            bool Same(uint[] actual, Func<int, uint> expected) => actual.Select((v, i) => v == expected(i)).All(b => b);

            return Same(Open(p => sx[p].Add(sy[p])), i => x[i] + y[i])
                && Same(Open(p => sx[p].Subtract(sy[p])), i => x[i] - y[i])
                && Same(Open(p => sx[p].Negate()), i => 0u - x[i])
                && Same(Open(p => sx[p].MultiplyPublic(c)), i => x[i] * c)
                && Same(Open(p => sx[p].AddPublic(c)), i => x[i] + c)
                && Same(Open(p => sx[p].AddPublic(y)), i => x[i] + y[i]);
        }));

    [Fact]
    public void OnlyPartyZeroAddsPublicConstants()
    {
        ShareVector[] s = AdditiveSharing.Split([10u, 20u], 3);
        Assert.NotEqual(s[0].Values.ToArray(), s[0].AddPublic(5).Values.ToArray());
        Assert.Equal(s[1].Values.ToArray(), s[1].AddPublic(5).Values.ToArray());
        Assert.Equal(s[2].Values.ToArray(), s[2].AddPublic([5u, 6u]).Values.ToArray());
    }

    [Fact]
    public void CombiningDifferentPartiesOrLengthsThrows()
    {
        ShareVector[] a = AdditiveSharing.Split([1u, 2u, 3u], 3);
        ShareVector[] b = AdditiveSharing.Split([1u, 2u], 3);
        Assert.Contains("party", Assert.Throws<ArgumentException>(() => a[0].Add(a[1])).Message);
        Assert.Equal("other", Assert.Throws<ArgumentException>(() => a[0].Subtract(b[0])).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => a[0].AddPublic([1u])).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => AdditiveSharing.Reconstruct([a[0], b[1], a[2]])).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => AdditiveSharing.Reconstruct([a[1], a[0], a[2]])).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => AdditiveSharing.Reconstruct(a.AsSpan(0, 1))).ParamName);
        Assert.Equal("parties", Assert.Throws<ArgumentException>(() => AdditiveSharing.Split([1u], 1)).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentException>(() => AdditiveSharing.Split(1u, new uint[1])).ParamName);
    }

    [Fact]
    public void ToStringNeverShowsShares()
    {
        ShareVector s = new(1, [0xDEADBEEFu, 12345u]);
        Assert.Equal("ShareVector(party 1, length 2)", s.ToString());
        Assert.DoesNotContain("12345", s.ToString());
    }

    [Fact]
    public void ConstructorCopiesItsInput()
    {
        uint[] values = [1, 2, 3];
        var s = new ShareVector(0, values);
        values[0] = 99;
        Assert.Equal(1u, s.Values[0]);
    }
}
