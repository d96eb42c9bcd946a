using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// kill -9 under load: the provider runs as its own process; concurrent clients post submissions over HTTPS; the process
/// is killed with SIGKILL while requests are in flight; after a restart every acknowledged submission is stored whole
/// (same digest, same bytes), nothing stored is half-written, and the service carries on.
/// </summary>
public sealed class DurabilityTests
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static readonly System.Text.StringBuilder Output = new();

    private static Process Start(string config)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "mpcsortition-provider.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => { lock (Output) { Output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (Output) { Output.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitUp(HttpClient client, Process p)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(p.HasExited, "the provider exited during start-up");
            try
            {
                if ((await client.GetAsync("/api/v1/status")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the provider did not start within 60 s");
    }

    [Fact]
    public async Task EveryAcknowledgedSubmissionSurvivesKillMinus9AndNothingIsHalfWritten()
    {
        string dir = Path.Combine(Path.GetTempPath(), "intake-kill-" + Guid.NewGuid().ToString("N")[..8]);
        int port = FreePort();
        Demo.Write(dir, 4000, DateTimeOffset.UtcNow.AddHours(1), [port, FreePort(), FreePort()], 100_000_000, null);
        string config = Path.Combine(dir, "provider-0.json");
        JsonNode node = JsonNode.Parse(File.ReadAllText(config))!;
        node["peers"] = new JsonArray();
        File.WriteAllText(config, node.ToJsonString());
        SignupRound round = SignupRound.Load(File.OpenRead(Path.Combine(dir, "round.json")));
        List<string> codes = Invitations.ReadCodes(Path.Combine(dir, "letters.csv"));
        string thumb = TlsCertificates.Thumbprint(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "party-0.cer")));
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && TlsCertificates.Thumbprint(c) == thumb } };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var parts = codes.Select((c, i) => IntakeContribution.Create(round, c, [i % 3, i % 6, i % 10, i % 5, i % 6], [$"Person {i}", $"p{i}@example.org", "+44 1234", "1 High Street"])[0]).ToArray();
        var byId = parts.ToDictionary(s => s.SubmissionId);
        var acked = new ConcurrentDictionary<string, string>();
        Process provider = Start(config);
        try
        {
            await WaitUp(client, provider);
            int next = -1;
            using var killed = new CancellationTokenSource();
            async Task Worker()
            {
                int i;
                while (!killed.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < parts.Length)
                {
                    try
                    {
                        var content = new ByteArrayContent(parts[i].ToJson());
                        content.Headers.ContentType = new("application/json");
                        HttpResponseMessage r = await client.PostAsync("/api/v1/submissions", content);
                        if (r.StatusCode == HttpStatusCode.Created)
                        {
                            using JsonDocument d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                            acked[parts[i].SubmissionId] = d.RootElement.GetProperty("receipt").GetProperty("storedSha256").GetString()!;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // The process was killed under this request: not acknowledged.
                    }
                }
            }

            Task[] workers = Enumerable.Range(0, 16).Select(_ => Task.Run(Worker)).ToArray();
            var clock = Stopwatch.StartNew();
            while (acked.Count < 600 && clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                await Task.Delay(5);
            }

            provider.Kill(); // SIGKILL on Unix: no shutdown code runs
            provider.WaitForExit();
            killed.Cancel();
            await Task.WhenAll(workers);
            Assert.True(acked.Count >= 600, $"only {acked.Count} acknowledged before the time limit");
            Assert.True(acked.Count < parts.Length, "the kill came after the last submission; nothing was in flight");

            provider = Start(config);
            await WaitUp(client, provider);

            using var db = new SqliteConnection($"Data Source={Path.Combine(dir, "provider-0", "intake.db")};Mode=ReadOnly;Pooling=False");
            db.Open();
            using SqliteCommand c = db.CreateCommand();
            c.CommandText = "SELECT code_hash, submission_id, row, contact, stored_sha256 FROM submissions";
            var stored = new Dictionary<string, string>();
            using (SqliteDataReader r = c.ExecuteReader())
            {
                while (r.Read())
                {
                    string id = r.GetString(1);
                    Submission original = byId[id];
                    Assert.Equal(original.RowBytes(), (byte[])r.GetValue(2));
                    Assert.Equal(original.Contact.ToArray(), (byte[])r.GetValue(3));
                    Assert.Equal(original.StoredDigest(r.GetString(0)), r.GetString(4));
                    stored[id] = r.GetString(4);
                }
            }

            foreach ((string id, string digest) in acked)
            {
                Assert.True(stored.TryGetValue(id, out string? s), $"acknowledged submission {id} was lost");
                Assert.Equal(digest, s);
            }

            using JsonDocument status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
            Assert.Equal(stored.Count, status.RootElement.GetProperty("submissions").GetInt32());

            // Nothing secret in the provider's output: no code, no submission body.
            string log;
            lock (Output)
            {
                log = Output.ToString();
            }

            Assert.Contains("listening on", log);
            Assert.DoesNotContain(codes.Take(1000), c => log.Contains(c, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain("\"row\"", log);

            // The service carries on: an acknowledged submission retried is recognised, a new one is stored.
            Submission again = byId[acked.Keys.First()];
            var retry = new ByteArrayContent(again.ToJson());
            retry.Headers.ContentType = new("application/json");
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/v1/submissions", retry)).StatusCode);
            Submission fresh = parts[^1];
            var post = new ByteArrayContent(fresh.ToJson());
            post.Headers.ContentType = new("application/json");
            Assert.Equal(stored.ContainsKey(fresh.SubmissionId) ? HttpStatusCode.OK : HttpStatusCode.Created, (await client.PostAsync("/api/v1/submissions", post)).StatusCode);
        }
        finally
        {
            if (!provider.HasExited)
            {
                provider.Kill();
                provider.WaitForExit();
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }
}
