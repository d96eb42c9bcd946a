using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>Three real party processes on 127.0.0.1 (the CLI's <c>bench mul</c> verb), with bounded waits and children always killed.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_bench_verb_runs_three_processes_over_TLS_and_checks_the_product()
    {
        // The default engine, replicated: 4 bytes per multiplication and party; Beaver on request: 16.
        foreach ((string[] engine, string expected) in new[] { (Array.Empty<string>(), @"bytes_per_party=80000 rounds=1 engine=replicated"), (new[] { "--engine", "beaver" }, @"bytes_per_party=320000 rounds=1 engine=beaver") })
        {
            using CliProcess run = CliProcess.Start(["bench", "mul", "--batch", "20000", "--iterations", "2", "--timeout", "30", .. engine]);
            int code = await run.ExitAsync(Bound);
            Assert.True(code == 0, $"exit code {code}; stderr: {run.Error}");
            string line = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Matches(new Regex(@"^mul batch=20000 seconds=\d+\.\d+ ops_per_s=\d+ " + expected + "$"), line.Trim());
        }
    }

    [Fact]
    public async Task Killing_one_party_process_makes_the_others_fail_fast_naming_it()
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-test-").FullName;
        var parties = new List<CliProcess>();
        try
        {
            for (int p = 0; p < 3; p++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.pfx"), Tls.Certificates[p].Export(X509ContentType.Pkcs12));
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), Tls.Certificates[p].Export(X509ContentType.Cert));
            }

            int[] ports = Tls.FreePorts(3);
            string endpoints = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
            string peerCerts = string.Join(',', Enumerable.Range(0, 3).Select(p => Path.Combine(dir, $"party-{p}.cer")));
            for (int p = 0; p < 3; p++)
            {
                // Long enough to be mid-protocol when party 2 dies; the 60 s timeout is far above the expected reaction.
                parties.Add(CliProcess.Start(["bench", "mul", "--batch", "50000", "--iterations", "1000000", "--party", p.ToString(), "--endpoints", endpoints,
                    "--cert", Path.Combine(dir, $"party-{p}.pfx"), "--peer-certs", peerCerts, "--timeout", "60"]));
            }

            foreach (CliProcess party in parties)
            {
                await party.WaitForErrorAsync("connected", Bound);
            }

            await Task.Delay(300);
            parties[2].Kill();

            var watch = Stopwatch.StartNew();
            for (int p = 0; p < 2; p++)
            {
                int code = await parties[p].ExitAsync(Bound);
                Assert.NotEqual(0, code);
                Assert.Contains("party 2", parties[p].Error);
                Assert.Contains("error:", parties[p].Error);
            }

            // Far below the 60 s operation timeout: the failure was detected from the closed connection, not by waiting.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        }
        finally
        {
            foreach (CliProcess party in parties)
            {
                party.Dispose();
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
