using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Published seeds must give the same panels forever: the seed derivations and the tape are pinned to values computed
/// outside .NET. How the expected bytes were computed (coreutils, xxd and OpenSSL; see docs/testing.md):
/// <code>
/// printf '%s' 'MpcSortition.Selection.seed:hello' | sha256sum          # SeedFromString("hello"): first 16 bytes
/// ( printf '%s' 'MpcSortition.Selection.panel'; printf '000102030405060708090a0b0c0d0e0f' | xxd -r -p;
///   printf '0700000000000000' | xxd -r -p ) | sha256sum                 # DeriveSeed(000102…0f, 7): first 16 bytes
/// printf '00000000000000000000000000000000' | xxd -r -p \
///   | openssl enc -aes-128-ecb -nopad -K 000102030405060708090a0b0c0d0e0f | xxd -p   # tape block 0
/// </code>
/// </summary>
public sealed class SeedKnownAnswerTests
{
    private static readonly byte[] Seed0To15 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");

    [Theory]
    [InlineData("hello", "a5fc6d3a90c67d57bc618f16465973c5")]
    [InlineData("Bürgerrat 2026", "581ae0767c6900777d4447bb64091444")] // UTF-8, not Latin-1 or UTF-16
    [InlineData("0123456789abcdef0123456789abcdeg", "4cd0b00ebe83181f9b0e0e59b5687fa2")] // 32 characters, one not hex: hashed
    public void SeedFromTextIsTheLabelledSha256(string text, string expected) =>
        Assert.Equal(expected, RandomTape.ToHex(RandomTape.SeedFromString(text)));

    [Fact]
    public void TheLabelMatters()
    {
        // SHA-256("hello") without the label starts 2cf24dba5fb0a30e…; a tape seeded from it would draw other panels.
        Assert.NotEqual("2cf24dba5fb0a30e26e83b2ac5b9e29e", RandomTape.ToHex(RandomTape.SeedFromString("hello")));
    }

    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e0f")]
    [InlineData("00010203040506070809AABBCCDDEEFF", "00010203040506070809aabbccddeeff")]
    public void ThirtyTwoHexDigitsAreTheSeedItself(string text, string expected) =>
        Assert.Equal(expected, RandomTape.ToHex(RandomTape.SeedFromString(text)));

    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e0")] // 31 hex digits
    [InlineData("000102030405060708090a0b0c0d0e0f0")] // 33 hex digits
    public void OtherLengthsOfHexAreHashedLikeAnyText(string text)
    {
        byte[] seed = RandomTape.SeedFromString(text);
        Assert.Equal(16, seed.Length);
        Assert.DoesNotContain(RandomTape.ToHex(seed), text, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptySeedTextIsRefused()
    {
        Assert.Throws<ArgumentException>(() => RandomTape.SeedFromString(string.Empty));
        Assert.Throws<ArgumentNullException>(() => RandomTape.SeedFromString(null!));
    }

    [Theory]
    [InlineData(7L, "b7bbe1c7f4d0f988e44065c3688bab1f")]
    [InlineData(-1L, "72cd4b683dc405b8be4f1326941add05")] // index as 8 bytes little-endian two's complement
    public void DerivedPanelSeedsAreTheLabelledSha256(long index, string expected) =>
        Assert.Equal(expected, RandomTape.ToHex(RandomTape.DeriveSeed(Seed0To15, index)));

    [Fact]
    public void DerivingFromASeedOfTheWrongLengthIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => RandomTape.DeriveSeed(new byte[17], 0));
        Assert.Equal("seed", e.ParamName);
        Assert.Contains("17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TapeWordsAreTheAesCtrKeystreamAcrossTheBufferBoundary()
    {
        // AES-128(000102…0f) of counter blocks 0, 1 and 128, read as little-endian 64-bit words; word 256 is the first
        // word after the tape's 256-word buffer is refilled.
        using var tape = new RandomTape(Seed0To15);
        var words = new ulong[257];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = tape.NextUInt64();
        }

        Assert.Equal(0x825B8F87373BA1C6UL, words[0]); // c6a13b37878f5b82
        Assert.Equal(0x79D8C8A162814F6FUL, words[1]); // 6f4f8162a1c8d879
        Assert.Equal(0xA0877CDD63D37CE3UL, words[2]); // e37cd363dd7c87a0
        Assert.Equal(0x4153EAD62C579943UL, words[256]); // 4399572cd6ea5341
        Assert.Equal("RandomTape(AES-128-CTR)", tape.ToString());
    }

    [Fact]
    public void ADisposedTapeRefusesToDraw()
    {
        var tape = new RandomTape(Seed0To15);
        tape.NextUInt64();
        tape.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tape.NextUInt64());
    }

    [Fact]
    public void ATapeNeedsASixteenByteSeed() =>
        Assert.Equal("seed", Assert.Throws<ArgumentException>(() => new RandomTape(new byte[15])).ParamName);

    [Fact]
    public void HexIsLowerCaseAndRoundTrips()
    {
        byte[] seed = Convert.FromHexString("DEADBEEF00112233445566778899AABB");
        Assert.Equal("deadbeef00112233445566778899aabb", RandomTape.ToHex(seed));
        Assert.Equal(seed, RandomTape.SeedFromString(RandomTape.ToHex(seed)));
    }
}
