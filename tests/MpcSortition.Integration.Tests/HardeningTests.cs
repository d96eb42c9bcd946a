using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>The node hardening, each item through the CLI as a process: file modes, .pfx passwords, bad round files,
/// timeouts, layout bounds, CSV formula injection and control characters in data.</summary>
public sealed class HardeningTests(DealtRounds rounds) : IClassFixture<DealtRounds>
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly Dictionary<string, string?> NoPassword = new() { [CliProcess.PfxPasswordVariable] = null };

    [Fact]
    public void Certs_writes_password_protected_owner_only_keys_and_deal_owner_only_shares()
    {
        Scenario s = rounds.Scenario;
        for (int p = 0; p < 3; p++)
        {
            string pfx = Path.Combine(s.Certs, $"party-{p}.pfx");
            Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12FromFile(pfx, null));
            using X509Certificate2 cert = X509CertificateLoader.LoadPkcs12FromFile(pfx, CliProcess.PfxPassword);
            Assert.True(cert.HasPrivateKey);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(pfx));
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(s.Deal, $"party-{p}.shares")));
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(s.Certs));
            Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(s.Deal));
        }
    }

    [Fact]
    public async Task Certs_and_node_without_a_password_say_where_it_comes_from()
    {
        Scenario s = rounds.Scenario;
        string dir = Path.Combine(s.Directory, "certs-without-password");
        var certs = await CliProcess.RunAsync(["certs", "--out", dir], Scenario.Bound, NoPassword);
        Assert.True(certs.Code == 2, $"exit {certs.Code}: {certs.Error}");
        Assert.Contains("MPCSORTITION_PFX_PASSWORD", certs.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "party-0.pfx")));

        var node = await CliProcess.RunAsync(s.NodeArguments(1, Scenario.FreeEndpoints(), null, 10), Scenario.Bound, NoPassword);
        Assert.True(node.Code == 2, $"exit {node.Code}: {node.Error}");
        Assert.Contains("MPCSORTITION_PFX_PASSWORD", node.Error, StringComparison.Ordinal);

        var wrong = await CliProcess.RunAsync(s.NodeArguments(1, Scenario.FreeEndpoints(), null, 10), Scenario.Bound, new Dictionary<string, string?> { [CliProcess.PfxPasswordVariable] = "not the password" });
        Assert.True(wrong.Code == 2, $"exit {wrong.Code}: {wrong.Error}");
        Assert.Contains("wrong password", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not the password", wrong.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string> BadRoundFiles => ["missing candidateIds", "null features", "null value", "null file", "missing min"];

    [Theory]
    [MemberData(nameof(BadRoundFiles))]
    public async Task A_round_file_with_a_missing_or_null_member_is_refused_with_exit_code_2(string problem)
    {
        Scenario s = rounds.Scenario;
        JsonNode json = JsonNode.Parse(File.ReadAllText(Path.Combine(s.Deal, "round.json")))!;
        string expected;
        switch (problem)
        {
            case "missing candidateIds": json.AsObject().Remove("candidateIds"); expected = "'candidateIds'"; break;
            case "null features": json["features"] = null; expected = "'features'"; break;
            case "null value": json["features"]![1]!["values"]![0] = null; expected = "features[1].values[0] is null"; break;
            case "missing min": json["features"]![0]!["values"]![2]!.AsObject().Remove("min"); expected = "'features[0].values[2].min'"; break;
            default: json = JsonValue.Create(0)!; expected = "not valid JSON of a round"; break;
        }

        string round = Path.Combine(s.Directory, $"round-{problem.Replace(' ', '-')}.json");
        File.WriteAllText(round, problem == "null file" ? "null" : json.ToJsonString());
        var run = await CliProcess.RunAsync(s.NodeArguments(1, Scenario.FreeEndpoints(), null, 10, round: round), Scenario.Bound);
        Assert.True(run.Code == 2, $"exit {run.Code}: {run.Error}");
        Assert.Contains(problem == "null file" ? "holds no round" : expected, run.Error, StringComparison.Ordinal);
        Assert.Contains(round, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node", "0")]
    [InlineData("node", "-5")]
    [InlineData("node", "NaN")]
    [InlineData("node", "1e300")]
    [InlineData("node", "Infinity")]
    [InlineData("quickstart", "1e300")]
    [InlineData("quickstart", "NaN")]
    public async Task An_out_of_range_timeout_is_refused_with_a_message(string verb, string timeout)
    {
        Scenario s = rounds.Scenario;
        List<string> args = verb == "node"
            ? s.NodeArguments(0, Scenario.FreeEndpoints(), null, 10)
            : ["quickstart", "--out", Path.Combine(s.Directory, "qs-timeout")];
        int at = args.IndexOf("--timeout");
        if (at >= 0)
        {
            args.RemoveRange(at, 2);
        }

        args.AddRange(["--timeout", timeout]);
        var run = await CliProcess.RunAsync(args, Scenario.Bound);
        Assert.True(run.Code == 2, $"exit {run.Code}: {run.Error}");
        Assert.Contains("--timeout must be a number of seconds greater than 0 and at most 86400", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deal_refuses_more_feature_values_than_the_secure_selector_supports()
    {
        Scenario s = rounds.Scenario;
        string quotas = Path.Combine(s.Directory, "many-values.csv"), people = Path.Combine(s.Directory, "two-people.csv");
        File.WriteAllText(quotas, "feature,value,min,max\n" + string.Concat(Enumerable.Range(0, 5000).Select(i => $"f,v{i},0,1\n")));
        File.WriteAllText(people, "id,f\na,v0\nb,v1\n");
        var run = await CliProcess.RunAsync(["deal", "--people", people, "--quotas", quotas, "--k", "1", "--id-column", "id", "--out", Path.Combine(s.Directory, "deal-many")], Scenario.Bound);
        Assert.True(run.Code == 2, $"exit {run.Code}: {run.Error}");
        Assert.Contains("at most 4096", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ids_with_formulas_line_breaks_commas_and_escape_sequences_are_safe_in_csv_and_on_the_console()
    {
        Scenario s = rounds.Scenario;
        string[] ids = ["=HYPERLINK(\"http://evil.example\")", "+1-2", "a,b", "line\nbreak", "\u001b[2Jclear", "@SUM(A1)"];
        string dir = Path.Combine(s.Directory, "crafted");
        Directory.CreateDirectory(dir);
        string people = Path.Combine(dir, "people.csv"), quotas = Path.Combine(dir, "quotas.csv");
        var csv = new StringBuilder("id,gender\n");
        for (int i = 0; i < ids.Length; i++)
        {
            csv.Append('"').Append(ids[i].Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\",").Append(i % 2 == 0 ? "f" : "m").Append('\n');
        }

        File.WriteAllText(people, csv.ToString());
        File.WriteAllText(quotas, "feature,value,min,max\ngender,f,3,3\ngender,m,3,3\n");

        // k = n: everybody is on the panel, so every crafted id goes through panel.csv and the console.
        var run = await CliProcess.RunAsync(
            ["quickstart", "--people", people, "--quotas", quotas, "--k", "6", "--id-column", "id", "--seed", "crafted", "--out", Path.Combine(dir, "qs"), "--timeout", "60"],
            Scenario.Bound);
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}\n{run.Output}");
        Assert.DoesNotContain('\u001b', run.Output);
        Assert.Contains("?[2Jclear", run.Output, StringComparison.Ordinal);
        Assert.Contains("line?break", run.Output, StringComparison.Ordinal);

        string panel = File.ReadAllText(Path.Combine(dir, "qs", "provider-0", "panel.csv"));
        List<string[]> rows = Scenario.ReadCsv(Path.Combine(dir, "qs", "provider-0", "panel.csv"));
        Assert.Equal(7, rows.Count);
        Assert.Equal(["'=HYPERLINK(\"http://evil.example\")", "'+1-2", "a,b", "line\nbreak", "\u001b[2Jclear", "'@SUM(A1)"], rows.Skip(1).Select(r => r[0]));
        foreach (string line in panel.Split('\n').Where(l => l.Length > 0))
        {
            Assert.DoesNotMatch("^\"?[=+\\-@\\t\\r]", line);
        }
    }
}
