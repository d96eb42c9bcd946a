using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace MpcSortition.Protocols.Tests;

/// <summary>Three real party processes on 127.0.0.1 (the CLI's <c>bench mul</c> verb), with bounded waits and children always killed.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_bench_verb_runs_three_processes_over_TLS_and_checks_the_product()
    {
        using PartyProcess run = PartyProcess.Start(["bench", "mul", "--batch", "20000", "--iterations", "2", "--timeout", "30"]);
        int code = await run.WaitAsync(Bound);
        Assert.True(code == 0, $"exit code {code}; stderr: {run.StandardError}");
        string line = Assert.Single(run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(new Regex(@"^mul batch=20000 seconds=\d+\.\d+ ops_per_s=\d+ bytes_per_party=320000 rounds=1$"), line.Trim());
    }

    [Fact]
    public async Task Killing_one_party_process_makes_the_others_fail_fast_naming_it()
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-test-").FullName;
        var parties = new List<PartyProcess>();
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
                parties.Add(PartyProcess.Start(["bench", "mul", "--batch", "50000", "--iterations", "1000000", "--party", p.ToString(), "--endpoints", endpoints,
                    "--cert", Path.Combine(dir, $"party-{p}.pfx"), "--peer-certs", peerCerts, "--timeout", "60"]));
            }

            foreach (PartyProcess party in parties)
            {
                await party.WaitForErrorTextAsync("connected", Bound);
            }

            await Task.Delay(300);
            parties[2].Kill();

            var watch = Stopwatch.StartNew();
            for (int p = 0; p < 2; p++)
            {
                int code = await parties[p].WaitAsync(Bound);
                Assert.NotEqual(0, code);
                Assert.Contains("party 2", parties[p].StandardError);
                Assert.Contains("error:", parties[p].StandardError);
            }

            // Far below the 60 s operation timeout: the failure was detected from the closed connection, not by waiting.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        }
        finally
        {
            foreach (PartyProcess party in parties)
            {
                party.Dispose();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class PartyProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();

        private PartyProcess(Process process)
        {
            _process = process;
        }

        internal string StandardOutput
        {
            get
            {
                lock (_out)
                {
                    return _out.ToString();
                }
            }
        }

        internal string StandardError
        {
            get
            {
                lock (_err)
                {
                    return _err.ToString();
                }
            }
        }

        internal static PartyProcess Start(string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(CliPath());
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }

            var process = new Process { StartInfo = start };
            var party = new PartyProcess(process);
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (party._out) { party._out.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (party._err) { party._err.AppendLine(e.Data); } } };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return party;
        }

        internal async Task<int> WaitAsync(TimeSpan bound)
        {
            using var cts = new CancellationTokenSource(bound);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                throw new TimeoutException($"The party process did not exit within {bound}; stderr: {StandardError}");
            }

            _process.WaitForExit(); // flush the redirected streams
            return _process.ExitCode;
        }

        internal async Task WaitForErrorTextAsync(string text, TimeSpan bound)
        {
            var watch = Stopwatch.StartNew();
            while (!StandardError.Contains(text, StringComparison.Ordinal))
            {
                if (watch.Elapsed > bound || _process.HasExited)
                {
                    throw new TimeoutException($"The party process did not report '{text}'; stderr: {StandardError}");
                }

                await Task.Delay(50);
            }
        }

        internal void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private static string CliPath()
        {
            // tests/MpcSortition.Protocols.Tests/bin/<Configuration>/net10.0/ -> samples/MpcSortition.Cli/bin/<Configuration>/net10.0/mpcsortition.dll
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = here.Name, configuration = here.Parent!.Name;
            DirectoryInfo? root = here;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "MpcSortition.sln")))
            {
                root = root.Parent;
            }

            Assert.True(root is not null, "cannot find the repository root above " + AppContext.BaseDirectory);
            string path = Path.Combine(root!.FullName, "samples", "MpcSortition.Cli", "bin", configuration, framework, "mpcsortition.dll");
            Assert.True(File.Exists(path), $"build the CLI first: {path} is missing");
            return path;
        }
    }
}
