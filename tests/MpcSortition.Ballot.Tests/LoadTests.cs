using System.Diagnostics;
using System.Text;
using MpcSortition.Selection.Intake;
using Xunit.Abstractions;

namespace MpcSortition.Ballot.Tests;

/// <summary>1 000 ballots through the three counters' HTTPS intake, then the count: the tally equals the plaintext count of each voter's last valid ballot.</summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThousandBallotsOverHttpsTallyToThePlaintextCountOfEachVotersLastValidBallot()
    {
        BallotRound round = Counters.NewRound(m: 4);
        await using Counters c = await Counters.StartAsync(round, codes: 760);
        var random = new Random(1000); // test data only
        // 760 first ballots, 220 re-votes, 20 last ballots that are not one-hot (a client other than the page): 1 000 casts.
        var casts = new List<(string Code, uint[] Ballot)>();
        foreach (string code in c.Codes)
        {
            casts.Add((code, OneHot(random.Next(4))));
        }

        foreach (string code in c.Codes.Take(220))
        {
            casts.Add((code, OneHot(random.Next(4))));
        }

        uint[][] invalid = [[2, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1u << 31, 0, 0, 0], [uint.MaxValue, 2, 0, 0]];
        foreach (string code in c.Codes.Skip(220).Take(20))
        {
            casts.Add((code, invalid[random.Next(invalid.Length)]));
        }

        Assert.Equal(1000, casts.Count);
        var sw = Stopwatch.StartNew();
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        // Each voter's ballots go in order; voters run 16 at a time.
        var byVoter = casts.GroupBy(x => x.Code).ToList();
        var sharesSent = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(byVoter, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (voter, _) =>
        {
            foreach ((string code, uint[] ballot) in voter)
            {
                BallotPart[] parts = BallotContribution.CreateRaw(round, code, ballot);
                sharesSent.Add(parts[1].Own.Shares[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
                sharesSent.Add(Convert.ToHexStringLower(parts[1].Own.Nonce));
                int[] statuses = await c.CastAsync(parts);
                Assert.Equal(new[] { 201, 201, 201 }, statuses);
            }
        });
        double intakeSeconds = sw.Elapsed.TotalSeconds;
        TimeSpan intakeCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;

        // 30 voters withdraw (abstain), among them some who re-voted and one whose last ballot was invalid.
        string[] withdrawn = [.. c.Codes.Skip(200).Take(30)];
        foreach (string code in withdrawn)
        {
            Assert.Equal(new[] { 200, 200, 200 }, await c.WithdrawAsync(code));
        }

        var last = new Dictionary<string, uint[]>();
        foreach ((string code, uint[] ballot) in casts)
        {
            last[code] = ballot;
        }

        foreach (string code in withdrawn)
        {
            last.Remove(code);
        }

        var expected = new uint[4];
        int valid = 0;
        foreach (uint[] x in last.Values.Where(x => x.All(e => e <= 1) && x.Sum(e => (long)e) == 1))
        {
            valid++;
            for (int k = 0; k < 4; k++)
            {
                expected[k] += x[k];
            }
        }

        sw.Restart();
        cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        System.Text.Json.JsonElement[] results = await c.CountOverTlsAsync();
        double countSeconds = sw.Elapsed.TotalSeconds;
        TimeSpan countCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        foreach (System.Text.Json.JsonElement result in results)
        {
            Assert.Equal(last.Count, result.GetProperty("pool").GetProperty("rows").GetInt32());
            Assert.Equal(casts.Count(x => last.ContainsKey(x.Code)) - last.Count, result.GetProperty("pool").GetProperty("superseded").GetInt32());
            Assert.Equal(valid, result.GetProperty("validBallots").GetInt32());
            Assert.Equal(last.Count - valid, result.GetProperty("excluded").GetProperty("count").GetInt32());
            Assert.Equal(expected, result.GetProperty("tally").EnumerateArray().Select(t => t.GetProperty("votes").GetUInt32()).ToArray());
            Assert.Equal(0, result.GetProperty("named").GetArrayLength());
            Assert.Equal(0, result.GetProperty("notes").GetArrayLength());
        }

        if (OperatingSystem.IsLinux())
        {
            foreach (BallotConfig config in c.Configs)
            {
                string file = Path.Combine(Path.GetDirectoryName(config.DatabasePath)!, "count-result.json");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }

        // Nothing secret in what the three services logged: no code (any spelling), no share, no nonce.
        string log = string.Join('\n', c.Log);
        Assert.Contains("Operator closed the vote", log, StringComparison.Ordinal);
        foreach (string code in c.Codes)
        {
            Assert.DoesNotContain(code, log, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(InvitationCode.Format(code), log, StringComparison.OrdinalIgnoreCase);
        }

        Assert.All(sharesSent.Where(s => s.Length > 6), s => Assert.DoesNotContain(s, log, StringComparison.Ordinal));
        output.WriteLine($"1000 ballots (3 000 HTTPS posts, 16 voters at a time): {intakeSeconds:F1} s wall, {intakeCpu.TotalSeconds:F1} s CPU of this process (voters' sharing and commitments + three counters); " +
            $"count of {last.Count} ballots (m = 4) over mutual TLS between the three counters: {countSeconds:F1} s wall, {countCpu.TotalSeconds:F1} s CPU; load {File.ReadAllText("/proc/loadavg").Trim()}");
        File.WriteAllText(Path.Combine(Paths.Artifacts, "load-test.txt"), $"{DateTime.UtcNow:u} intake {intakeSeconds:F1} s wall {intakeCpu.TotalSeconds:F1} s CPU; count {countSeconds:F1} s wall {countCpu.TotalSeconds:F1} s CPU; tally {string.Join(",", expected)}; load {File.ReadAllText("/proc/loadavg").Trim()}\n");
    }

    private static uint[] OneHot(int k)
    {
        var x = new uint[4];
        x[k] = 1;
        return x;
    }
}
