using System.Buffers.Binary;
using System.Security.Cryptography;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Tests;

/// <summary>The share file on streams: the documented layout, and every refusal.</summary>
public sealed class ShareFileFormatTests
{
    private static readonly RoundDefinition Round = ProviderTestData.Round();

    private static uint[] Shares(int seed) => Enumerable.Range(0, Round.CandidateIds.Count * Round.ValueCount).Select(i => (uint)((i * 2654435761u) ^ (uint)seed)).ToArray();

    [Fact]
    public void Written_shares_read_back_and_the_layout_is_the_documented_one()
    {
        uint[] shares = Shares(1);
        byte[] file = ProviderTestData.WriteShares(Round, 2, shares);
        Assert.Equal(ShareFile.Length(Round), file.Length);
        Assert.Equal(128 + (4 * 24 * 7) + 32, file.Length);
        Assert.Equal("MPCSHR01"u8.ToArray(), file[..8]);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(24, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal(Round.RoundId, Convert.ToHexString(file.AsSpan(28, 16)));
        Assert.Equal(Round.LayoutHash, Convert.ToHexString(file.AsSpan(44, 32)));
        Assert.All(file[76..128], b => Assert.Equal(0, b));
        Assert.Equal(shares[5], BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(128 + 20)));
        Assert.Equal(SHA256.HashData(file.AsSpan(0, file.Length - 32)), file[^32..]);
        Assert.Equal(shares, ProviderTestData.ReadShares(file, Round, 2));
    }

    [Fact]
    public void Writing_the_wrong_number_of_shares_is_an_argument_error()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => ShareFile.Write(stream, Round, 0, new uint[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareFile.Write(stream, Round, 3, Shares(0)));
        Assert.Equal(0, stream.Length);
    }

    public static TheoryData<string, ProviderFileProblem, string> Refusals => new()
    {
        { "empty", ProviderFileProblem.Malformed, "is not a share file" },
        { "short header", ProviderFileProblem.Malformed, "is not a share file" },
        { "wrong magic", ProviderFileProblem.Malformed, "is not a share file" },
        { "csv", ProviderFileProblem.Malformed, "is not a share file" },
        { "version", ProviderFileProblem.UnsupportedVersion, "format 9" },
        { "party", ProviderFileProblem.OtherParty, "holds the shares of party 0 of 3, not of party 1" },
        { "party count", ProviderFileProblem.OtherParty, "of 4" },
        { "other round", ProviderFileProblem.OtherRound, "holds shares of round" },
        { "other layout", ProviderFileProblem.OtherLayout, "was dealt for another feature layout" },
        { "header n", ProviderFileProblem.OtherLayout, "n = 25" },
        { "truncated", ProviderFileProblem.WrongLength, "a share file for n = 24 and V = 7 has 832" },
        { "padded", ProviderFileProblem.WrongLength, "more than 832" },
        { "bad checksum", ProviderFileProblem.ChecksumMismatch, "checksum" },
        { "flipped share", ProviderFileProblem.ChecksumMismatch, "checksum" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_file_that_does_not_belong_is_refused_naming_the_problem_and_no_share(string change, ProviderFileProblem problem, string expected)
    {
        uint[] shares = Shares(7);
        byte[] file = ProviderTestData.WriteShares(Round, 1, shares);
        RoundDefinition round = Round;
        switch (change)
        {
            case "empty": file = []; break;
            case "short header": file = file[..100]; break;
            case "wrong magic": file[7] = (byte)'2'; break;
            case "csv": file = "id,gender\np1,f\n"u8.ToArray(); break;
            case "version": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), 9); break;
            case "party": file = ProviderTestData.WriteShares(Round, 0, shares); break;
            case "party count": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), 4); break;
            case "other round":
                // Same pool and k: the same layout, another round id (a stale file of an earlier deal).
                round = ProviderTestData.Round();
                Assert.Equal(Round.LayoutHash, round.LayoutHash);
                break;
            case "other layout": round = ProviderTestData.Round(ProviderTestData.Problem().WithPanelSize(5)); break;
            case "header n": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(20), 25); break;
            case "truncated": file = file[..^4]; break;
            case "padded": file = [.. file, 0]; break;
            case "bad checksum": file[^1] ^= 1; break;
            default: file[128 + 40] ^= 0x40; break;
        }

        using var stream = new MemoryStream(file);
        ProviderFileException e = Assert.Throws<ProviderFileException>(() => ShareFile.Read(stream, round, 1));
        Assert.Equal(problem, e.Problem);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        foreach (uint share in shares.Where(s => s > 1_000_000).Take(20))
        {
            Assert.DoesNotContain(share.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(share.ToString("X8", System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reading_stops_one_byte_after_a_valid_file()
    {
        byte[] file = [.. ProviderTestData.WriteShares(Round, 0, Shares(3)), .. new byte[1 << 20]];
        using var stream = new MemoryStream(file);
        Assert.Throws<ProviderFileException>(() => ShareFile.Read(stream, Round, 0));
        Assert.Equal(ShareFile.Length(Round) + 1, stream.Position);
    }

    [Fact]
    public void WriteFile_creates_an_owner_only_file_and_replaces_a_readable_one()
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-sharefile-").FullName;
        try
        {
            string path = Path.Combine(dir, "party-0.shares");
            File.WriteAllText(path, "old");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            ShareFile.WriteFile(path, Round, 0, Shares(4));
            using (FileStream stream = File.OpenRead(path))
            {
                Assert.Equal(Shares(4), ShareFile.Read(stream, Round, 0));
            }

            Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                string sub = Path.Combine(dir, "a", "b");
                OwnerOnlyFile.CreateDirectory(sub);
                Assert.Equal(OwnerOnlyFile.DirectoryMode, File.GetUnixFileMode(sub));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
