using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot.Tests;

/// <summary>The program as a process: <c>invite</c>, <c>token</c>, <c>serve</c> with a configuration file, its output grepped for secrets, and configuration errors.</summary>
public sealed class VerbTests
{
    private const string PasswordVariable = "COUNTER_PFX_PASSWORD";
    private const string Password = "verb-test-pfx-password";

    private static (int Exit, string Output) Run(params string[] args)
    {
        using Process p = Start(args);
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "the program did not finish within 60 s");
        return (p.ExitCode, output);
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mpcsortition-ballot.dll"));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment[PasswordVariable] = Password;
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started");
    }

    [Fact]
    public async Task ServeAsAProcessTakesBallotsAndItsOutputHoldsNoCodeShareOrNonce()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ballot-verb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(dir);
        try
        {
            BallotRound round = Counters.NewRound();
            round.Save(Path.Combine(dir, "round.json"));
            (int exit, string output) = Run("invite", "--round", Path.Combine(dir, "round.json"), "--count", "5", "--letters", Path.Combine(dir, "letters.csv"), "--hashes", Path.Combine(dir, "code-hashes.txt"));
            Assert.True(exit == 0, output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Mode(Path.Combine(dir, "letters.csv")));
            string[] codes = [.. File.ReadAllLines(Path.Combine(dir, "letters.csv")).Skip(1).Select(l => l.Split(',')[0])];
            Assert.Equal(5, codes.Length);
            Assert.Equal(codes.Select(c => { InvitationCode.TryNormalize(c, out string? k); return InvitationCode.Hash(round.CodeSalt, k!); }),
                File.ReadAllLines(Path.Combine(dir, "code-hashes.txt")));

            (exit, output) = Run("token");
            Assert.Equal(0, exit);
            string token = output.Split('\n')[0]["token: ".Length..].Trim();
            string tokenSha = output.Split('\n')[1]["operatorTokenSha256: ".Length..].Trim();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), tokenSha);

            using X509Certificate2 cert = TlsCertificates.CreateSelfSigned("verb-test-counter-0", TimeSpan.FromHours(1));
            File.WriteAllBytes(Path.Combine(dir, "counter-0.pfx"), cert.Export(X509ContentType.Pfx, Password));
            int port = FreePort();
            File.WriteAllText(Path.Combine(dir, "counter-0.json"), $$"""
                { "party": 0, "round": "round.json", "listen": ["https://127.0.0.1:{{port}}"], "certificate": "counter-0.pfx",
                  "certificatePasswordEnv": "{{PasswordVariable}}", "database": "data/ballots.db", "voterCodes": "code-hashes.txt",
                  "operatorTokenSha256": "{{tokenSha}}", "submitPermitsPerMinute": 1000 }
                """);
            using Process serve = Start(["serve", "--config", Path.Combine(dir, "counter-0.json")]);
            var log = new StringBuilder();
            serve.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            serve.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            serve.BeginOutputReadLine();
            serve.BeginErrorReadLine();
            try
            {
                string thumb = TlsCertificates.Thumbprint(cert);
                using var client = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && TlsCertificates.Thumbprint(c) == thumb } })
                {
                    BaseAddress = new Uri($"https://127.0.0.1:{port}"),
                };
                for (int i = 0; ; i++)
                {
                    try
                    {
                        await client.GetStringAsync("/api/v1/status");
                        break;
                    }
                    catch (HttpRequestException) when (i < 300 && !serve.HasExited)
                    {
                        await Task.Delay(200);
                    }
                }

                var secrets = new List<string>();
                foreach (string code in codes)
                {
                    BallotPart part = BallotContribution.Create(round, code, 1)[0];
                    secrets.Add(part.Own.Shares[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
                    secrets.Add(Convert.ToHexStringLower(part.Own.Nonce));
                    using var content = new ByteArrayContent(part.ToJson());
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/ballots", content)).StatusCode);
                }

                using (var bad = new StringContent("{\"format\":1,\"code\":\"" + codes[0] + "\"}", Encoding.UTF8, "application/json"))
                {
                    Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/ballots", bad)).StatusCode);
                }

                using var close = new HttpRequestMessage(HttpMethod.Post, "/operator/close") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                close.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(close)).StatusCode);
                using var count = new HttpRequestMessage(HttpMethod.Post, "/operator/count") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                count.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                HttpResponseMessage notConfigured = await client.SendAsync(count);
                Assert.Equal(HttpStatusCode.Conflict, notConfigured.StatusCode);
                Assert.Contains("not_configured", await notConfigured.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Mode(Path.Combine(dir, "data", "ballots.db")));
            }
            finally
            {
                serve.Kill(entireProcessTree: true);
                await serve.WaitForExitAsync();
            }

            string all;
            lock (log)
            {
                all = log.ToString();
            }

            Assert.Contains($"Counter 0 serves ballot round {round.RoundId}", all, StringComparison.Ordinal);
            Assert.Contains("Operator closed the vote with 5 current ballots.", all, StringComparison.Ordinal);
            foreach (string code in codes)
            {
                InvitationCode.TryNormalize(code, out string? canonical);
                Assert.DoesNotContain(code, all, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(canonical!, all, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain(token, all, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfigurationMistakesStopWithExitCode2AndNameTheMember()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ballot-verb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(dir);
        try
        {
            BallotRound round = Counters.NewRound();
            round.Save(Path.Combine(dir, "round.json"));
            File.WriteAllText(Path.Combine(dir, "plain.json"), """{ "party": 0, "round": "round.json", "listen": ["http://127.0.0.1:8080"] }""");
            (int exit, string output) = Run("serve", "--config", Path.Combine(dir, "plain.json"));
            Assert.Equal(2, exit);
            Assert.Contains("\"listen\": every address must be https://", output, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "round.json"), Encoding.UTF8.GetString(round.ToJson()).Replace("\"format\": 1", "\"format\": 2", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(dir, "party.json"), """{ "party": 0, "round": "round.json" }""");
            (exit, output) = Run("serve", "--config", Path.Combine(dir, "party.json"));
            Assert.Equal(2, exit);
            Assert.Contains("round.json: format: must be 1.", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static UnixFileMode? Mode(string file) => OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(file);

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
