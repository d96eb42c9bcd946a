using System.Numerics;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Ballot.Tests;

/// <summary>The Pedersen commitments to share columns: group, generators, homomorphism, binding to what the counter holds.</summary>
public sealed class CommitmentTests
{
    [Fact]
    public void GroupIsRfc7919Ffdhe2048AndTheGeneratorsLieInTheOrderQSubgroup()
    {
        Assert.Equal(2048, (int)ShareCommitment.P.GetBitLength());
        Assert.Equal(BigInteger.One, BigInteger.ModPow(2, ShareCommitment.Q, ShareCommitment.P)); // 2 generates the q-subgroup of a safe prime group
        foreach (BigInteger g in new[] { ShareCommitment.G, ShareCommitment.H })
        {
            Assert.NotEqual(BigInteger.One, g);
            Assert.Equal(BigInteger.One, BigInteger.ModPow(g, ShareCommitment.Q, ShareCommitment.P));
        }

        Assert.NotEqual(ShareCommitment.G, ShareCommitment.H);
    }

    [Fact]
    public void FixedBaseTablesAgreeWithModPow()
    {
        uint[] shares = [0xFFFFFFFF, 1, 0x80000000];
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        BigInteger expected = BigInteger.ModPow(ShareCommitment.G, ShareCommitment.Pack(shares), ShareCommitment.P)
            * BigInteger.ModPow(ShareCommitment.H, ShareCommitment.Nonce(nonce), ShareCommitment.P) % ShareCommitment.P;
        Assert.Equal(expected, ShareCommitment.Commit(shares, nonce));
    }

    [Fact]
    public void ProductOfCommitmentsIsOpenedByTheSumsAndOnlyByThem()
    {
        // 30 cases: each costs four full 2048-bit exponentiations.
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (a0, b0) =>
        {
            uint[] a = [.. a0.Concat(new uint[3]).Take(3)];
            uint[] b = [.. b0.Concat(new uint[3]).Take(3)];
            byte[] ra = RandomNumberGenerator.GetBytes(32), rb = RandomNumberGenerator.GetBytes(32);
            BigInteger[] cs = [ShareCommitment.Commit(a, ra), ShareCommitment.Commit(b, rb)];
            ulong[] sums = [.. a.Zip(b, (x, y) => (ulong)x + y)];
            BigInteger r = ShareCommitment.Nonce(ra) + ShareCommitment.Nonce(rb);
            bool opens = ShareCommitment.OpensProduct(ShareCommitment.Pack(sums), r, cs);
            sums[1] += 5;
            bool plusFive = ShareCommitment.OpensProduct(ShareCommitment.Pack(sums), r, cs);
            sums[1] -= 5;
            bool otherNonce = ShareCommitment.OpensProduct(ShareCommitment.Pack(sums), r + 1, cs);
            return opens && !plusFive && !otherNonce;
        }));
    }

    [Fact]
    public void HexRoundTripsAndRefusesOutOfRange()
    {
        BigInteger c = ShareCommitment.Commit([1, 0, 0], new byte[32]);
        Assert.True(ShareCommitment.TryParse(ShareCommitment.ToHex(c), out BigInteger back));
        Assert.Equal(c, back);
        Assert.False(ShareCommitment.TryParse(new string('0', 512), out _));
        Assert.False(ShareCommitment.TryParse(new string('f', 512), out _)); // ≥ p
        Assert.False(ShareCommitment.TryParse("12", out _));
        Assert.False(ShareCommitment.TryParse(new string('g', 512), out _));
    }
}
