using System.Security.Cryptography;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Records;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>The tax office's verb (<c>records contribute</c>) and the three-process join benchmark (<c>records bench</c>).</summary>
public sealed class RecordsCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "records-cli-" + Guid.NewGuid().ToString("N"));

    public RecordsCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SignupRound WriteRound()
    {
        var round = new SignupRound(RandomNumberGenerator.GetBytes(16), "Design 2 test", new DateTimeOffset(2030, 1, 1, 18, 0, 0, TimeSpan.Zero), 2,
            [new SignupFeature("gender", "Gender?", [new SignupValue("female", "Female", 0, 2), new SignupValue("male", "Male", 0, 2)])],
            [new ContactField("name", "Name", 32)], RandomNumberGenerator.GetBytes(16), "https://signup.example.org/?code={code}");
        using FileStream f = File.Create(Path.Combine(_dir, "round.json"));
        round.Save(f);
        return round;
    }

    [Fact]
    public async Task ContributeWritesOwnerOnlyShareFilesOrNothingWithFileAndLine()
    {
        SignupRound round = WriteRound();
        string[] codes = [InvitationCode.Generate(), InvitationCode.Generate()];
        string csv = Path.Combine(_dir, "tax.csv");
        string outDir = Path.Combine(_dir, "out");
        await File.WriteAllTextAsync(csv, $"code,name,address,income\n{codes[0]},Ann Lee,\"Mill Lane 3, Town\",100\n{codes[1]},Bo Lee,Mill Lane 4,-3\n");
        (int code, string output, string error) = await CliProcess.RunAsync(["records", "contribute", "--records", csv, "--round", Path.Combine(_dir, "round.json"), "--out", outDir], TimeSpan.FromSeconds(90));
        Assert.Equal(2, code);
        Assert.Contains("tax.csv:3:4 (column 'income'): 'income' is negative: -3", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));

        await File.WriteAllTextAsync(csv, $"code,name,address,income\n{codes[0]},Ann Lee,\"Mill Lane 3, Town\",100\n{codes[1]},Bo Lee,Mill Lane 4,52000\n");
        (code, output, error) = await CliProcess.RunAsync(["records", "contribute", "--records", csv, "--round", Path.Combine(_dir, "round.json"), "--out", outDir], TimeSpan.FromSeconds(90));
        Assert.True(code == 0, error);
        Assert.Contains("N = 2", output, StringComparison.Ordinal);
        Assert.DoesNotContain(codes[0], output + error, StringComparison.Ordinal);
        byte[] roundId = Convert.FromHexString(round.RoundId);
        uint sum = 0;
        for (int p = 0; p < 3; p++)
        {
            string path = Path.Combine(outDir, $"records-{p}.shares");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            using FileStream f = File.OpenRead(path);
            RecordShares part = RecordShareFile.Read(f, p, roundId);
            Assert.Equal(InvitationCode.Hash(round.CodeSalt, codes[1]), part.CodeHashes![1]);
            sum += part.AttributeShares.Span[1];
        }

        Assert.Equal(52000u, sum);
    }

    [Fact]
    public async Task TheJoinBenchmarkRunsOverThreeTlsProcessesAndChecksItself()
    {
        (int code, string output, string error) = await CliProcess.RunAsync(["records", "bench", "--signups", "12", "--records-count", "300", "--engine", "replicated"], TimeSpan.FromSeconds(120));
        Assert.True(code == 0, error);
        Assert.Contains("records-join n=12 N=300 tests=3600", output, StringComparison.Ordinal);
        Assert.Contains("engine=replicated", output, StringComparison.Ordinal);
    }
}
