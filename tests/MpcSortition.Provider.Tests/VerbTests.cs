using System.Text;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

public sealed class VerbTests
{
    [Fact]
    public async Task VerifyReceiptAcceptsTheSignedReceiptAndRefusesATamperedOne()
    {
        string dir = Directory.CreateTempSubdirectory("intake-verb-").FullName;
        try
        {
            SignupRound round = TestRounds.Small();
            Submission s = IntakeContribution.Create(round, InvitationCode.Generate(), [0, 0, 0], ["A", "B"])[0];
            IntakeReceipt r = IntakeReceipt.SignStored(TestRounds.Certificates[0], s, InvitationCode.Hash(round.CodeSalt, s.Code), DateTimeOffset.UtcNow);
            string cert = Path.Combine(dir, "party-0.cer");
            File.WriteAllBytes(cert, TestRounds.Certificates[0].Export(System.Security.Cryptography.X509Certificates.X509ContentType.Cert));
            string good = Path.Combine(dir, "good.json"), bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(good, "{\"receipt\":" + Encoding.UTF8.GetString(r.ToJson()) + "}");
            File.WriteAllText(bad, Encoding.UTF8.GetString(r.ToJson()).Replace(s.SubmissionId, new string('f', 32)));
            Assert.Equal(0, await Cli.RunAsync(["verify-receipt", "--receipt", good, "--cert", cert]));
            Assert.Equal(1, await Cli.RunAsync(["verify-receipt", "--receipt", bad, "--cert", cert]));
            File.WriteAllText(bad, "not json");
            Assert.Equal(2, await Cli.RunAsync(["verify-receipt", "--receipt", bad, "--cert", cert]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task InviteWritesTypableCodesWithUrlsAndOnlyHashesForProviders()
    {
        string dir = Directory.CreateTempSubdirectory("intake-invite-").FullName;
        try
        {
            SignupRound round = TestRounds.Small();
            string roundPath = Path.Combine(dir, "round.json");
            using (FileStream fs = File.Create(roundPath))
            {
                round.Save(fs);
            }

            string letters = Path.Combine(dir, "letters.csv"), hashes = Path.Combine(dir, "hashes.txt");
            Assert.Equal(0, await Cli.RunAsync(["invite", "--round", roundPath, "--count", "50", "--letters", letters, "--hashes", hashes]));
            string[] lines = File.ReadAllLines(letters);
            Assert.Equal("code,signup_url", lines[0]);
            Assert.Equal(51, lines.Length);
            var hashSet = File.ReadLines(hashes).Where(l => !l.StartsWith('#')).ToHashSet();
            foreach (string line in lines.Skip(1))
            {
                string[] f = line.Split(',');
                Assert.True(InvitationCode.TryNormalize(f[0], out string? code));
                Assert.Equal(round.SignupUrlFor(code), f[1]);
                Assert.Contains(InvitationCode.Hash(round.CodeSalt, code), hashSet);
                Assert.DoesNotContain(code, File.ReadAllText(hashes));
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(letters));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("ABCD-EFGH", "ABCD-EFGH")]
    public void CsvFieldsAreSafeInSpreadsheets(string value, string expected) => Assert.Equal(expected, Invitations.CsvField(value));
}
