using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Selection.Records;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>The organiser's public bands (their argument checks and edges) and the person key's exact construction,
/// computed here without the library.</summary>
public sealed class BandsAndKeysTests
{
    private static readonly byte[] Salt = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();

    private static Feature Values(int count) => new("income band", Enumerable.Range(0, count).Select(i => new FeatureValue($"v{i}", 0, 5)));

    [Fact]
    public void BandArgumentsAreCheckedByName()
    {
        Assert.Equal("attribute", Assert.Throws<ArgumentNullException>(() => new AttributeBands(null!, [10], Values(3))).ParamName);
        Assert.Equal("attribute", Assert.Throws<ArgumentException>(() => new AttributeBands(" ", [10], Values(3))).ParamName);
        Assert.Equal("thresholds", Assert.Throws<ArgumentNullException>(() => new AttributeBands("income", null!, Values(3))).ParamName);
        Assert.Equal("feature", Assert.Throws<ArgumentNullException>(() => new AttributeBands("income", [10], null!)).ParamName);

        ArgumentException none = Assert.Throws<ArgumentException>(() => new AttributeBands("income", [], Values(2)));
        Assert.Equal("thresholds", none.ParamName);
        Assert.Contains("at least one threshold", none.Message, StringComparison.Ordinal);

        ArgumentException values = Assert.Throws<ArgumentException>(() => new AttributeBands("income", [10, 20], Values(3)));
        Assert.Equal("feature", values.ParamName);
        Assert.Contains("needs 4 values (3 bands and 'unknown'), not 3", values.Message, StringComparison.Ordinal);

        Assert.Equal("thresholds", Assert.Throws<ArgumentNullException>(() => AttributeBands.Create("income", "band", null!, [(0, 1)])).ParamName);
        Assert.Equal("quotas", Assert.Throws<ArgumentNullException>(() => AttributeBands.Create("income", "band", [10], null!)).ParamName);
        Assert.Equal("quotas", Assert.Throws<ArgumentException>(() => AttributeBands.Create("income", "band", [10], [(0, 1), (0, 1)])).ParamName);
    }

    [Fact]
    public void CreateWithoutThresholdsIsRefusedAsAnArgumentNotAnIndexError()
    {
        // Before the fix: ArgumentOutOfRangeException ('index') from a list, IndexOutOfRangeException from an array.
        foreach (IReadOnlyList<uint> thresholds in new IReadOnlyList<uint>[] { new List<uint>(), Array.Empty<uint>() })
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => AttributeBands.Create("income", "band", thresholds, [(0, 1), (0, 1)]));
            Assert.Equal("thresholds", e.ParamName);
            Assert.Contains("at least one threshold", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new uint[] { 0 }, 1)]
    [InlineData(new uint[] { 10, 10 }, 2)]
    [InlineData(new uint[] { 10, 20, 15 }, 3)]
    [InlineData(new uint[] { 10, 2147483648 }, 2)]
    [InlineData(new uint[] { uint.MaxValue }, 1)]
    public void ThresholdsMustIncreaseStrictlyWithinOneToMaxValue(uint[] thresholds, int which)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new AttributeBands("income", thresholds, Values(thresholds.Length + 2)));
        Assert.Equal("thresholds", e.ParamName);
        Assert.Contains($"(threshold {which} does not)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheExtremeThresholdsAreAcceptedAndBandsFollowThem()
    {
        var bands = new AttributeBands(" Income ", [1, 2, (uint)TaxRecords.MaxValue], Values(5));
        Assert.Equal("income", bands.Attribute);
        Assert.Equal(4, bands.BandCount);
        Assert.Equal(0, bands.BandOf(0));
        Assert.Equal(1, bands.BandOf(1));
        Assert.Equal(2, bands.BandOf(2));
        Assert.Equal(2, bands.BandOf((uint)TaxRecords.MaxValue - 1));
        Assert.Equal(3, bands.BandOf((uint)TaxRecords.MaxValue));

        AttributeBands made = AttributeBands.Create("income", "income band", [20_000, 40_000], [(0, 1), (0, 2), (0, 3), (0, 4)]);
        Assert.Equal(["below 20000", "20000-39999", "40000 and above", "unknown"], made.Feature.Values.Select(v => v.Name));
        Assert.Equal([1, 2, 3, 4], made.Feature.Values.Select(v => v.Max));
    }

    [Fact]
    public void ThePersonKeyIsTheDocumentedHmacAndSplitsIntoHighAndLowWords()
    {
        // HMAC-SHA256(salt, "MpcSortition.person.v1\n" + name + "\n" + address), normalised; the first 8 bytes big-endian.
        byte[] mac = HMACSHA256.HashData(Salt, Encoding.UTF8.GetBytes("MpcSortition.person.v1\nann lee\nmill lane 3a"));
        ulong expected = BinaryPrimitives.ReadUInt64BigEndian(mac);
        Assert.Equal(expected, PersonKey.Compute(Salt, "Ann  Lee", "Mill Lane 3 A"));

        Assert.Equal((0x01234567u, 0x89ABCDEFu), PersonKey.Words(0x0123456789ABCDEFUL));
        Assert.Equal(((uint)(expected >> 32), (uint)expected), PersonKey.Words(expected));

        // The field boundary is part of the input even when the letters line up.
        Assert.NotEqual(PersonKey.Compute(Salt, "ab", "c 1"), PersonKey.Compute(Salt, "a", "bc 1"));

        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => PersonKey.Normalise(null!)).ParamName);
        Assert.Equal("address", Assert.Throws<ArgumentException>(() => PersonKey.Compute(Salt, "Ann", " ; ")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => PersonKey.Compute(Salt, "", "Mill Lane")).ParamName);
        Assert.Equal("salt", Assert.Throws<ArgumentException>(() => PersonKey.Compute(Salt[..15], "Ann", "Mill Lane")).ParamName);
    }

    [Theory]
    [InlineData("Æsir", "aesir")]
    [InlineData("Œuvre", "oeuvre")]
    [InlineData("Ørsted", "orsted")]
    [InlineData("Łódź", "lodz")]
    [InlineData("Đorđe", "dorde")]
    [InlineData("Þór", "thor")]
    [InlineData("Straße", "strasse")]
    public void SpelledOutLettersFollowTheTable(string text, string expected) => Assert.Equal(expected, PersonKey.Normalise(text));
}
