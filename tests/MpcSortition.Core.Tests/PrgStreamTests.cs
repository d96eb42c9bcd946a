using System.Security.Cryptography;

namespace MpcSortition.Core.Tests;

/// <summary>The keystream over long draws (past the 64 KiB chunk), odd offsets, and disposal.</summary>
public class PrgStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(16)]
    public void LongDrawsAreAesOfLittleEndianCountersAcrossChunks(int prefix)
    {
        // 200 000 bytes after a prefix: three 64 KiB chunks and a partial block, compared with AES-ECB on the counters.
        byte[] seed = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        int total = prefix + 200_000;
        int blocks = (total + 15) / 16;
        var counters = new byte[16 * blocks];
        for (int i = 0; i < blocks; i++)
        {
            BitConverter.TryWriteBytes(counters.AsSpan(16 * i, 8), (ulong)i);
        }

        using var aes = Aes.Create();
        aes.Key = seed;
        byte[] expected = aes.EncryptEcb(counters, PaddingMode.None)[..total];

        using var prg = new AesCtrPrg(seed);
        var actual = new byte[total];
        prg.FillBytes(actual.AsSpan(0, prefix));
        prg.FillBytes(actual.AsSpan(prefix));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void DisposeTwiceIsHarmlessAndEveryDrawAfterwardsThrows()
    {
        var prg = new AesCtrPrg(new byte[16]);
        prg.Dispose();
        prg.Dispose();
        Assert.Throws<ObjectDisposedException>(() => prg.FillBytes(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => prg.Fill(new uint[1]));
        Assert.Throws<ObjectDisposedException>(() => prg.Fill(new ulong[1]));
        Assert.Equal("AesCtrPrg(AES-128-CTR)", prg.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DisposeLeavesNoKeyAndNoBufferedKeystreamInMemory(bool aesNi)
    {
        // Whoever reads the process's memory after a generator is disposed (a core dump, a swapped page) must find
        // neither the key nor keystream bytes still to be used: the round keys and the buffered block are zeroed and
        // the platform cipher no longer holds the seed.
        byte[] seed = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        var prg = new AesCtrPrg(seed, aesNi);
        prg.FillBytes(new byte[5]); // 11 keystream bytes of block 0 wait in the buffer
        var (roundKeys, cipher, pending) = prg.KeyMaterial;
        Assert.Contains(pending, b => b != 0);
        if (prg.UsesAesNi)
        {
            Assert.NotNull(roundKeys);
            Assert.Contains(roundKeys!, k => k != System.Runtime.Intrinsics.Vector128<byte>.Zero);
        }
        else
        {
            Assert.Equal(seed, cipher!.Key);
        }

        prg.Dispose();

        Assert.All(pending, b => Assert.Equal(0, b));
        if (roundKeys is not null)
        {
            Assert.All(roundKeys, k => Assert.Equal(System.Runtime.Intrinsics.Vector128<byte>.Zero, k));
        }
        else
        {
            Assert.NotEqual(seed, ReadKeyOrNull(cipher!));
        }
    }

    private static byte[]? ReadKeyOrNull(Aes cipher)
    {
        try
        {
            return cipher.Key;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    [Fact]
    public void CreateSeedGivesSixteenBytes()
    {
        Assert.Equal(AesCtrPrg.SeedSize, AesCtrPrg.CreateSeed().Length);
        Assert.Equal(16, AesCtrPrg.SeedSize);
    }
}
