using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

public class PrgTests
{
    [Fact]
    public void KnownAnswerForTheZeroSeed()
    {
        // AES-128 with the all-zero key on the all-zero block is 66e94bd4ef8a2c3b884cfa59ca342b2e
        // (a widely published vector); block 0 of the keystream is exactly that.
        using var prg = new AesCtrPrg(new byte[16]);
        var bytes = new byte[16];
        prg.FillBytes(bytes);
        Assert.Equal("66E94BD4EF8A2C3B884CFA59CA342B2E", Convert.ToHexString(bytes));

        using var prg2 = new AesCtrPrg(new byte[16]);
        Assert.Equal(0xD44BE966u, prg2.NextUInt32()); // first four bytes, little-endian
        Assert.Equal(0x3B2C8AEFu, prg2.NextUInt32());
    }

    [Fact]
    public void StreamIsAesOfLittleEndianCounters()
    {
        byte[] seed = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        using var aes = Aes.Create();
        aes.Key = seed;
        var counters = new byte[16 * 300];
        for (int i = 0; i < 300; i++)
        {
            BitConverter.TryWriteBytes(counters.AsSpan(16 * i, 8), (ulong)i);
        }

        byte[] expected = aes.EncryptEcb(counters, PaddingMode.None);
        using var prg = new AesCtrPrg(seed);
        var actual = new byte[expected.Length];
        prg.FillBytes(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ChunkedDrawsContinueTheSameStream() =>
        Properties.Check(Prop.ForAll(Gen.Choose(0, 5000).ArrayOf().ToArbitrary(), chunks =>
        {
            byte[] seed = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
            int total = chunks.Sum();
            var whole = new byte[total];
            using (var prg = new AesCtrPrg(seed))
            {
                prg.FillBytes(whole);
            }

            var pieces = new byte[total];
            using (var prg = new AesCtrPrg(seed))
            {
                int offset = 0;
                foreach (int c in chunks)
                {
                    prg.FillBytes(pieces.AsSpan(offset, c));
                    offset += c;
                }
            }

            return whole.AsSpan().SequenceEqual(pieces);
        }));

    [Fact]
    public void UIntAndULongDrawsAreTheByteStream()
    {
        byte[] seed = AesCtrPrg.CreateSeed();
        var bytes = new byte[48];
        using (var prg = new AesCtrPrg(seed))
        {
            prg.FillBytes(bytes);
        }

        using var prg2 = new AesCtrPrg(seed);
        var u = new uint[3];
        prg2.Fill(u);
        var l = new ulong[2];
        prg2.Fill(l);
        uint last = prg2.NextUInt32();
        Assert.Equal(BitConverter.ToUInt32(bytes, 0), u[0]);
        Assert.Equal(BitConverter.ToUInt32(bytes, 8), u[2]);
        Assert.Equal(BitConverter.ToUInt64(bytes, 12), l[0]);
        Assert.Equal(BitConverter.ToUInt64(bytes, 20), l[1]);
        Assert.Equal(BitConverter.ToUInt32(bytes, 28), last);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentStreamsAndFreshSeedsDiffer()
    {
        byte[] s1 = AesCtrPrg.CreateSeed();
        byte[] s2 = AesCtrPrg.CreateSeed();
        Assert.NotEqual(s1, s2);
        using var a = new AesCtrPrg(s1);
        using var b = new AesCtrPrg(s2);
        var x = new uint[8];
        var y = new uint[8];
        a.Fill(x);
        b.Fill(y);
        Assert.NotEqual(x, y);
    }

    [Fact]
    public void RejectsWrongSeedLengthAndUseAfterDispose()
    {
        Assert.Equal("seed", Assert.Throws<ArgumentException>(() => new AesCtrPrg(new byte[15])).ParamName);
        Assert.Equal("seed", Assert.Throws<ArgumentException>(() => new AesCtrPrg(new byte[32])).ParamName);
        var prg = AesCtrPrg.CreateRandom();
        prg.Dispose();
        Assert.Throws<ObjectDisposedException>(() => prg.NextUInt32());
        Assert.DoesNotContain("0", prg.ToString());
    }
}
