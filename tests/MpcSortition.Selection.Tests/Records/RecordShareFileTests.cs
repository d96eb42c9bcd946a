using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>The records share file (<c>records-i.shares</c>) against its documented layout, written here by hand: every
/// flag combination, the header's ranges, the largest file a header allows, every truncation, names too long, damaged
/// content. Every refusal is a <see cref="ProviderFileException"/> with the right problem and a message that says what is
/// wrong and quotes no share.</summary>
public sealed class RecordShareFileTests
{
    private static readonly byte[] RoundId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    // Share words with a recognisable value, so that a message quoting one is caught (decimal and hex).
    private const uint Secret = 0xDEADBEEF;

    private static string Hash(int i) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));

    private static uint[] Words(int count, uint seed) => Enumerable.Range(0, count).Select(i => i == 0 ? Secret : seed + ((uint)i * 2654435761u)).ToArray();

    /// <summary>The layout of the type's remarks, written independently of the library.</summary>
    private static byte[] Layout(int party, int n, string[] names, string[]? codes, uint[]? keys, uint[] attributes, int? flags = null, int? a = null, int version = 1, int parties = 3)
    {
        var b = new List<byte>();
        void Int(int v)
        {
            var x = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(x, v);
            b.AddRange(x);
        }

        void Word(uint v)
        {
            var x = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(x, v);
            b.AddRange(x);
        }

        b.AddRange("MPCREC01"u8.ToArray());
        Int(version);
        Int(party);
        Int(parties);
        Int(n);
        Int(a ?? names.Length);
        Int(flags ?? ((keys is null ? 0 : 1) | (codes is null ? 0 : 2)));
        b.AddRange(RoundId);
        foreach (string name in names)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(name);
            b.Add((byte)(bytes.Length & 0xFF));
            b.Add((byte)(bytes.Length >> 8));
            b.AddRange(bytes);
        }

        foreach (string code in codes ?? [])
        {
            b.AddRange(Convert.FromHexString(code));
        }

        foreach (uint w in keys ?? [])
        {
            Word(w);
        }

        foreach (uint w in attributes)
        {
            Word(w);
        }

        b.AddRange(SHA256.HashData(b.ToArray()));
        return b.ToArray();
    }

    private static ProviderFileException Refused(byte[] file, int party = 1)
    {
        ProviderFileException e = Assert.Throws<ProviderFileException>(() => RecordShareFile.Read(new MemoryStream(file), party, RoundId));
        Assert.DoesNotContain(Secret.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("deadbeef", e.Message, StringComparison.OrdinalIgnoreCase);
        return e;
    }

    private static RecordShares Read(byte[] file, int party = 1) => RecordShareFile.Read(new MemoryStream(file), party, RoundId);

    private static byte[] Written(RecordShares shares)
    {
        using var stream = new MemoryStream();
        RecordShareFile.Write(stream, shares);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void EveryFlagCombinationIsWrittenInTheDocumentedLayoutAndReadBack(bool codes, bool keys)
    {
        const int n = 3;
        string[] names = ["income", "children"];
        string[]? hashes = codes ? Enumerable.Range(0, n).Select(Hash).ToArray() : null;
        uint[]? keyShares = keys ? Words(2 * n, 7) : null;
        uint[] attributes = Words(n * names.Length, 11);
        var shares = new RecordShares(1, (ReadOnlySpan<byte>)RoundId, names, n, hashes, keyShares ?? [], attributes);
        Assert.Equal(keys, shares.HasPersonKeys);

        byte[] expected = Layout(1, n, names, hashes, keyShares, attributes);
        Assert.Equal(48 + (2 + 6) + (2 + 8) + (codes ? 32 * n : 0) + (keys ? 8 * n : 0) + (4 * n * 2) + 32, expected.Length);
        Assert.Equal(expected, Written(shares));

        RecordShares back = Read(expected);
        Assert.Equal(1, back.Party);
        Assert.Equal(n, back.Count);
        Assert.Equal(Convert.ToHexStringLower(RoundId), back.RoundId);
        Assert.Equal(names, back.AttributeNames);
        Assert.Equal(keys, back.HasPersonKeys);
        Assert.Equal(hashes, back.CodeHashes);
        Assert.Equal(keyShares ?? [], back.PersonKeyShares.ToArray());
        Assert.Equal(attributes, back.AttributeShares.ToArray());
        Assert.Equal(shares.PublicDigest(), back.PublicDigest());
    }

    [Fact]
    public void RecordsWithNeitherCodesNorKeysAreRefusedInMemoryAndInAFile()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new RecordShares(1, (ReadOnlySpan<byte>)RoundId, ["income"], 1, null, [], [5]));
        Assert.Equal("codeHashes", e.ParamName);
        Assert.Contains("code hashes, person keys or both", e.Message, StringComparison.Ordinal);

        ProviderFileException f = Refused(Layout(1, 1, ["income"], null, null, [Secret]));
        Assert.Equal(ProviderFileProblem.Malformed, f.Problem);
        Assert.Contains("flags = 0", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSmallestAndWidestHeadersAreRead()
    {
        // N = 1, A = 1 (both lower bounds), flags = 1 and 3 (both ends of the flag range).
        RecordShares one = Read(Layout(1, 1, ["income"], null, [1, 2], [Secret]));
        Assert.Equal(1, one.Count);
        Assert.Equal([Secret], one.AttributeShares.ToArray());
        RecordShares both = Read(Layout(1, 1, ["income"], [Hash(0)], [1, 2], [3]));
        Assert.Equal([Hash(0)], both.CodeHashes);
        Assert.Equal([1u, 2u], both.PersonKeyShares.ToArray());

        // A = 64, the most attributes.
        string[] names = Enumerable.Range(0, TaxRecords.MaxAttributes).Select(i => $"a{i}").ToArray();
        uint[] attributes = Words(2 * names.Length, 5);
        RecordShares wide = Read(Layout(1, 2, names, [Hash(0), Hash(1)], null, attributes));
        Assert.Equal(names, wide.AttributeNames);
        Assert.Equal(attributes, wide.AttributeShares.ToArray());
    }

    [Theory]
    [InlineData(0, 1, 1, "N = 0,")]
    [InlineData(-1, 1, 1, "N = -1,")]
    [InlineData(TaxRecords.MaxRecords + 1, 1, 1, "N = 10000001,")]
    [InlineData(1, 0, 1, "A = 0,")]
    [InlineData(1, -3, 1, "A = -3,")]
    [InlineData(1, TaxRecords.MaxAttributes + 1, 1, "A = 65,")]
    [InlineData(1, 1, 0, "flags = 0)")]
    [InlineData(1, 1, 4, "flags = 4)")]
    [InlineData(1, 1, -1, "flags = -1)")]
    public void AHeaderOutOfRangeIsRefusedNamingTheField(int n, int a, int flags, string named)
    {
        // Only one header field is out of range at a time; the body is a valid one for N = A = 1 with keys.
        ProviderFileException e = Refused(Layout(1, n, ["income"], null, [1, 2], [Secret], flags, a));
        Assert.Equal(ProviderFileProblem.Malformed, e.Problem);
        Assert.Contains("header is out of range", e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLargestCountIsInRangeSoAShortBodyIsAWrongLength()
    {
        ProviderFileException e = Refused(Layout(1, TaxRecords.MaxRecords, ["income"], null, [1, 2], [Secret]));
        Assert.Equal(ProviderFileProblem.WrongLength, e.Problem);
        Assert.Contains($"N = {TaxRecords.MaxRecords} and A = 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 3)]   // the body has keys only, the flags say keys and codes
    [InlineData(1, 2)]   // the body has keys only, the flags say codes
    [InlineData(2, 1)]   // the body has codes only, the flags say keys
    [InlineData(3, 1)]   // the body has both, the flags say keys
    [InlineData(3, 2)]   // the body has both, the flags say codes
    public void FlagsThatDisagreeWithTheBodyAreAWrongLength(int bodyFlags, int headerFlags)
    {
        string[]? codes = (bodyFlags & 2) != 0 ? [Hash(0)] : null;
        uint[]? keys = (bodyFlags & 1) != 0 ? [1, 2] : null;
        ProviderFileException e = Refused(Layout(1, 1, ["income"], codes, keys, [Secret], headerFlags));
        Assert.Equal(ProviderFileProblem.WrongLength, e.Problem);
        int body = 48 + 8 + ((bodyFlags & 2) != 0 ? 32 : 0) + ((bodyFlags & 1) != 0 ? 8 : 0) + 4 + 32;
        int expected = 48 + 8 + ((headerFlags & 2) != 0 ? 32 : 0) + ((headerFlags & 1) != 0 ? 8 : 0) + 4 + 32;
        Assert.Contains($"has {body} bytes; a records file for N = 1 and A = 1 with these columns has {expected}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLargestFileAHeaderAllowsIsReadAndOneByteMoreIsRefused()
    {
        // Names of 65 535 bytes (the most a 2-byte length holds), codes and keys: exactly the bound the reader allows.
        string[] names = [new string('x', ushort.MaxValue), new string('y', ushort.MaxValue)];
        const int n = 3;
        string[] codes = [Hash(0), Hash(1), Hash(2)];
        uint[] keys = Words(2 * n, 3);
        uint[] attributes = Words(n * 2, 9);
        var shares = new RecordShares(1, (ReadOnlySpan<byte>)RoundId, names, n, codes, keys, attributes);
        byte[] file = Layout(1, n, names, codes, keys, attributes);
        Assert.Equal(48 + (2 * (2 + ushort.MaxValue)) + (32 * n) + (8 * n) + (4 * n * 2) + 32, file.Length);
        Assert.Equal(file, Written(shares));

        RecordShares back = Read(file);
        Assert.Equal(names, back.AttributeNames);
        Assert.Equal(attributes, back.AttributeShares.ToArray());

        ProviderFileException e = Refused([.. file, 0]);
        Assert.Equal(ProviderFileProblem.WrongLength, e.Problem);
        Assert.Contains("longer than a records file for N = 3 and A = 2 can be", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANameLongerThan65535BytesIsRefusedOnWriteCountingBytesNotCharacters()
    {
        // 32 768 × 'é' is 65 536 UTF-8 bytes but only 32 768 characters.
        var shares = new RecordShares(0, (ReadOnlySpan<byte>)RoundId, ["income", new string('é', 32768)], 1, [Hash(0)], [], [1, 2]);
        using var stream = new MemoryStream();
        ArgumentException e = Assert.Throws<ArgumentException>(() => RecordShareFile.Write(stream, shares));
        Assert.Equal("shares", e.ParamName);
        Assert.Contains("longer than 65 535 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void EveryTruncationIsRefusedAsShortNeverWithARawException()
    {
        byte[] file = Layout(1, 2, ["income", "children"], [Hash(0), Hash(1)], Words(4, 1), Words(4, 2));
        for (int length = 0; length < file.Length; length++)
        {
            ProviderFileException e = Refused(file[..length]);
            if (length < 48)
            {
                Assert.Equal(ProviderFileProblem.Malformed, e.Problem);
                Assert.Contains("not a records file", e.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(ProviderFileProblem.WrongLength, e.Problem);
            }
        }

        // Inside a name's length field, inside a name: "ends early"; just after the names: the expected length.
        Assert.Contains("ends early (49 bytes)", Refused(file[..49]).Message, StringComparison.Ordinal);
        Assert.Contains("ends early (52 bytes)", Refused(file[..52]).Message, StringComparison.Ordinal);
        Assert.Contains("ends early (57 bytes)", Refused(file[..57]).Message, StringComparison.Ordinal);
        int afterNames = 48 + 8 + 10;
        Assert.Contains($"has {afterNames} bytes; a records file for N = 2 and A = 2 with these columns has {file.Length}", Refused(file[..afterNames]).Message, StringComparison.Ordinal);

        // A zero-length last name that ends the file exactly: the reader goes on to the length check.
        byte[] empty = [.. Layout(1, 1, ["income"], null, [1, 2], [3])[..48], 0, 0];
        Assert.Contains("has 50 bytes; a records file for N = 1 and A = 1 with these columns has 94", Refused(empty).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedContentBehindAGoodChecksumIsMalformed()
    {
        ProviderFileException duplicate = Refused(Layout(1, 1, ["income", "INCOME"], null, [1, 2], [Secret, 4]));
        Assert.Equal(ProviderFileProblem.Malformed, duplicate.Problem);
        Assert.Contains("distinct, non-empty attribute names", duplicate.Message, StringComparison.Ordinal);

        ProviderFileException blank = Refused(Layout(1, 1, ["income", " "], null, [1, 2], [Secret, 4]));
        Assert.Equal(ProviderFileProblem.Malformed, blank.Problem);

        Assert.Equal(ProviderFileProblem.UnsupportedVersion, Refused(Layout(1, 1, ["income"], null, [1, 2], [Secret], version: 2)).Problem);
        Assert.Equal(ProviderFileProblem.OtherParty, Refused(Layout(1, 1, ["income"], null, [1, 2], [Secret], parties: 4)).Problem);
        Assert.Equal(ProviderFileProblem.OtherParty, Refused(Layout(0, 1, ["income"], null, [1, 2], [Secret])).Problem);

        byte[] flipped = Layout(1, 1, ["income"], [Hash(0)], [1, 2], [Secret]);
        flipped[60] ^= 0x80;   // inside the code hash
        ProviderFileException checksum = Refused(flipped);
        Assert.Equal(ProviderFileProblem.ChecksumMismatch, checksum.Problem);
    }

    [Fact]
    public void AValidMagicWithAShortHeaderIsNotARecordsFile()
    {
        byte[] file = Layout(1, 1, ["income"], null, [1, 2], [3]);
        foreach (int length in new[] { 8, 20, 47 })
        {
            ProviderFileException e = Refused(file[..length]);
            Assert.Equal(ProviderFileProblem.Malformed, e.Problem);
            Assert.Contains("no MPCREC01 header", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NullAndOutOfRangeArgumentsAreNamed()
    {
        var shares = new RecordShares(1, (ReadOnlySpan<byte>)RoundId, ["income"], 1, [Hash(0)], [], [1]);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => RecordShareFile.Write(null!, shares)).ParamName);
        Assert.Equal("shares", Assert.Throws<ArgumentNullException>(() => RecordShareFile.Write(new MemoryStream(), null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => RecordShareFile.Read(null!, 1, RoundId)).ParamName);
        byte[] good = Written(shares);
        Assert.Equal("party", Assert.Throws<ArgumentOutOfRangeException>(() => RecordShareFile.Read(new MemoryStream(good), -1, RoundId)).ParamName);
        Assert.Equal("party", Assert.Throws<ArgumentOutOfRangeException>(() => RecordShareFile.Read(new MemoryStream(good), 3, RoundId)).ParamName);

        string dir = Path.Combine(Path.GetTempPath(), "records-null-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "records-1.shares");
            Assert.Equal("shares", Assert.Throws<ArgumentNullException>(() => RecordShareFile.WriteFile(path, null!)).ParamName);
            Assert.False(File.Exists(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
