using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MpcSortition.Selection;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>The one-command quick start: three provider processes over TLS on 127.0.0.1, the panel at the analyser only.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task With_a_public_test_seed_the_three_processes_return_the_in_process_panel_and_meet_every_quota()
    {
        // A seed for which the reference succeeds within three attempts keeps the test short.
        string seed = Scenario.SeedNeedingAttempts("quickstart", 1, 3);
        using Scenario scenario = Scenario.Create();
        string dir = Path.Combine(scenario.Directory, "qs");
        var run = await CliProcess.RunAsync(["quickstart", "--seed", seed, "--out", dir, "--timeout", "60"], Scenario.Bound);
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}\n{run.Output}");
        Assert.Contains($"Output went to {dir}", run.Output, StringComparison.Ordinal);

        (string[] ids, int[] indexes) = Scenario.ReadPanel(Path.Combine(dir, "provider-0", "panel.csv"));
        Assert.Equal(await Scenario.InProcessPanelAsync(seed), ids);
        Assert.True(Scenario.Problem.IsValidPanel(indexes));
        Assert.Equal(ids, indexes.Select(i => Scenario.Problem.Candidates[i].Id));

        // The same panel as the plaintext reference with that seed (the secure run returns it in pool order).
        SelectionResult reference = PanelSelector.Select(Scenario.Problem, new LegacyGreedy(), RandomTape.SeedFromString(seed), 100);
        Assert.Equal(reference.Panel.Order(), indexes);

        // The quota table is the panel's composition.
        int[] counts = Scenario.Problem.CountByValue(indexes);
        List<string[]> quotaRows = Scenario.ReadCsv(Path.Combine(dir, "provider-0", "quotas.csv"));
        Assert.Equal(["feature", "value", "min", "max", "selected"], quotaRows[0]);
        Assert.Equal(counts.Select(c => c.ToString(CultureInfo.InvariantCulture)), quotaRows.Skip(1).Select(r => r[^1]));

        // Only the analyser's provider holds the panel.
        Assert.False(File.Exists(Path.Combine(dir, "provider-1", "panel.csv")));
        Assert.False(File.Exists(Path.Combine(dir, "provider-2", "panel.csv")));

        // The report is one self-contained file with the chart, the commitment published before the draw and the revealed seed.
        string html = File.ReadAllText(Path.Combine(dir, "provider-0", "report.html"));
        using JsonDocument round = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "provider-0", "round.json")));
        string commitment = round.RootElement.GetProperty("seedCommitment").GetString()!;
        string roundId = round.RootElement.GetProperty("roundId").GetString()!;
        byte[] seedBytes = RandomTape.SeedFromString(seed);
        byte[] expected = SHA256.HashData([.. "MpcSortition.seed-commitment.v1"u8, .. Convert.FromHexString(roundId), .. seedBytes]);
        Assert.Equal(Convert.ToHexString(expected), commitment);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains(commitment, html, StringComparison.Ordinal);
        Assert.Contains(RandomTape.ToHex(seedBytes), html, StringComparison.Ordinal);
        Assert.Contains("<th>engine (black box of the three providers)</th><td>replicated</td>", html, StringComparison.Ordinal); // which engine ran
        Assert.All(Enumerable.Range(0, 3), p => Assert.Matches($"party {p}: done: attempt .*, replicated engine", run.Output));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_joint_randomness_the_panel_meets_every_quota_and_the_tape_commitments_open()
    {
        using Scenario scenario = Scenario.Create();
        string dir = Path.Combine(scenario.Directory, "qs");
        // Joint randomness: the number of attempts is random (about 1 in 11 succeeds on this fixture), so the bound is
        // generous; on a loaded machine (the whole solution's tests in parallel) a run of 20+ attempts took over 90 s.
        // 250 attempts, not the default 100: 100 failures in a row have probability 5e-5 here (p = 0.095 per attempt,
        // 20,000 reference attempts), 250 have 1e-11; a run costs the batches it needs, not the limit.
        var run = await CliProcess.RunAsync(["quickstart", "--out", dir, "--timeout", "60", "--attempts", "250"], TimeSpan.FromMinutes(5));
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}\n{run.Output}");
        (_, int[] indexes) = Scenario.ReadPanel(Path.Combine(dir, "provider-0", "panel.csv"));
        Assert.True(Scenario.Problem.IsValidPanel(indexes));

        // Each provider's contribution (kept privately by it) opens the commitment that the report lists for it.
        using JsonDocument round = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "provider-0", "round.json")));
        byte[] roundId = Convert.FromHexString(round.RootElement.GetProperty("roundId").GetString()!);
        string html = File.ReadAllText(Path.Combine(dir, "provider-0", "report.html"));
        var contributions = new HashSet<string>();
        for (int p = 0; p < 3; p++)
        {
            string contributionFile = Path.Combine(dir, $"provider-{p}", $"tape-contribution-{p}.hex");
            string contribution = File.ReadAllText(contributionFile).Trim();

            // Private like the share file and the key: owner-only files in owner-only directories.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(contributionFile));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, $"provider-{p}", $"party-{p}.shares")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "certs", $"party-{p}.pfx")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(dir, $"provider-{p}")));
            }

            Assert.True(contributions.Add(contribution));
            byte[] commitment = SHA256.HashData([.. "MpcSortition.tape-contribution.v1"u8, .. roundId, .. BitConverter.GetBytes(p), .. Convert.FromHexString(contribution)]);
            Assert.Contains(Convert.ToHexString(commitment), html, StringComparison.Ordinal);

            // Secret until the draw ends; then the providers open it to each other (issue 17) and the report lists it
            // under Verification, where anyone can check it against the commitment.
            Assert.Contains(contribution, html, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("Joint randomness", html, StringComparison.Ordinal);
        Assert.Contains("Every quota is met.", html, StringComparison.Ordinal);
        Assert.Contains(Encoding.UTF8.GetString("panel"u8), run.Output, StringComparison.OrdinalIgnoreCase);
    }
}
