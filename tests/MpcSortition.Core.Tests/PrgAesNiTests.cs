using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

/// <summary>
/// The AES-NI keystream path of <see cref="AesCtrPrg"/> (the round instructions, eight blocks at a time) against the
/// platform's AES (<see cref="Aes"/> in ECB mode over the same little-endian counter blocks): the two must give the same
/// bytes for every seed, every split of the draws and every counter, including counters past 2^32.
/// </summary>
public class PrgAesNiTests
{
    [Fact]
    public void TheAesNiPathIsTakenWhereTheCpuHasIt()
    {
        using var prg = new AesCtrPrg(new byte[16]);
        Assert.Equal(System.Runtime.Intrinsics.X86.Aes.IsSupported, prg.UsesAesNi);
        using var platform = new AesCtrPrg(new byte[16], useAesNi: false);
        Assert.False(platform.UsesAesNi);
    }

    [Fact]
    public void KnownAnswerUnderTheFipsKey()
    {
        // Block 0 of the keystream is AES-128 of the all-zero block; under the FIPS-197 key 000102…0f that is the
        // published c6a13b37878f5b826f4f8162a1c8d879 (a check of the key schedule independent of the platform AES).
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        using var prg = new AesCtrPrg(key);
        var block = new byte[16];
        prg.FillBytes(block);
        Assert.Equal("C6A13B37878F5B826F4F8162A1C8D879", Convert.ToHexString(block));
    }

    [Fact]
    public void BothPathsEqualThePlatformAesOnRandomSeedsAndSplits() =>
        Properties.Check(Prop.ForAll(Gen.Choose(0, 700).ArrayOf().ToArbitrary(), Gen.Choose(0, 255).ArrayOf(16).ToArbitrary(), (chunks, seedInts) =>
        {
            byte[] seed = seedInts.Select(i => (byte)i).ToArray();
            int total = chunks.Sum();
            byte[] expected = Reference(seed, 0, total);
            return Draw(new AesCtrPrg(seed), chunks).AsSpan().SequenceEqual(expected)
                && Draw(new AesCtrPrg(seed, useAesNi: false), chunks).AsSpan().SequenceEqual(expected);
        }));

    [Theory]
    [InlineData(0xFFFF_FFF0UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL)]
    public void CountersPastTheWordBoundaryMatchThePlatformAes(ulong start)
    {
        // 40 blocks from just below 2^32 (the carry into the upper half of the 64-bit counter) and from just below
        // 2^64 (the counter wraps to 0, as on the platform path; a stream must not get that far).
        byte[] seed = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] expected = Reference(seed, start, 40 * 16);
        foreach (bool aesNi in new[] { true, false })
        {
            using var prg = new AesCtrPrg(seed, aesNi) { BlockCounter = start };
            var actual = new byte[40 * 16];
            prg.FillBytes(actual.AsSpan(0, 7));
            prg.FillBytes(actual.AsSpan(7));
            Assert.Equal(expected, actual);
            Assert.Equal(start + 40, prg.BlockCounter);
        }
    }

    [Fact]
    public void LongDrawsOfWordsAreIdenticalOnBothPaths()
    {
        byte[] seed = AesCtrPrg.CreateSeed();
        using var fast = new AesCtrPrg(seed);
        using var platform = new AesCtrPrg(seed, useAesNi: false);
        var a = new uint[300_001];
        var b = new uint[300_001];
        fast.Fill(a);
        platform.Fill(b);
        Assert.Equal(a, b);
        var c = new ulong[1_027];
        var d = new ulong[1_027];
        fast.Fill(c);
        platform.Fill(d);
        Assert.Equal(c, d);
    }

    private static byte[] Draw(AesCtrPrg prg, int[] chunks)
    {
        using (prg)
        {
            var output = new byte[chunks.Sum()];
            int offset = 0;
            foreach (int c in chunks)
            {
                prg.FillBytes(output.AsSpan(offset, c));
                offset += c;
            }

            return output;
        }
    }

    /// <summary>AES-ECB of the counter blocks start, start + 1, … (low 8 bytes little-endian, high 8 bytes zero).</summary>
    private static byte[] Reference(byte[] seed, ulong start, int bytes)
    {
        int blocks = (bytes + 15) / 16;
        var counters = new byte[16 * blocks];
        for (int i = 0; i < blocks; i++)
        {
            BitConverter.TryWriteBytes(counters.AsSpan(16 * i, 8), unchecked(start + (ulong)i));
        }

        using var aes = Aes.Create();
        aes.Key = seed;
        return aes.EncryptEcb(counters, PaddingMode.None)[..bytes];
    }
}
