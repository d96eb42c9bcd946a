using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using Xunit.Abstractions;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// Issue 11 end to end with three provider processes (the <c>serve</c> verb on <c>demo</c>-generated configurations):
/// a pool signs up over HTTPS with shares made by <see cref="IntakeContribution"/> (corrections, withdrawals, a page that
/// reached two providers, hand-crafted malformed rows, posts after the deadline); the round closes; each operator starts
/// the selection, which reconciles, checks under MPC, selects with the round's committed public test tape and opens the
/// panel's contacts to the analyser.
/// </summary>
public sealed class SelectProcessTests(ITestOutputHelper output)
{
    private static readonly string[] Names = ["Ada", "Bo", "Cyd", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"];

    [Fact]
    public async Task ThreeProcessesReconcileCheckSelectAndOpenOnlyThePanelsContactsToTheAnalyser()
    {
        var total = Stopwatch.StartNew();
        string dir = Directory.CreateTempSubdirectory("intake-select-").FullName;
        int[] ports = [FreePort(), FreePort(), FreePort()];
        int[] mpcPorts = [FreePort(), FreePort(), FreePort()];
        byte[] seed = RandomNumberGenerator.GetBytes(16);
        const int K = 6;
        DateTimeOffset deadline = TestRounds.Whole(DateTimeOffset.UtcNow.AddSeconds(55));
        string token = Demo.Write(dir, 60, deadline, ports, 1_000_000, null, mpcPorts, K, seed);
        for (int p = 0; p < 3; p++)
        {
            string path = Path.Combine(dir, $"provider-{p}.json");
            JsonNode node = JsonNode.Parse(File.ReadAllText(path))!;
            node["mpcConnectTimeoutSeconds"] = 60;
            File.WriteAllText(path, node.ToJsonString());
        }

        SignupRound round;
        using (FileStream f = File.OpenRead(Path.Combine(dir, "round.json")))
        {
            round = SignupRound.Load(f);
        }

        Assert.NotNull(round.TestSeedCommitment);
        List<string> codes = Invitations.ReadCodes(Path.Combine(dir, "letters.csv")).Select(c => InvitationCode.TryNormalize(c, out string? canonical) ? canonical : throw new InvalidDataException("letters.csv")).ToList();
        string Hash(int i) => InvitationCode.Hash(round.CodeSalt, codes[i]);
        var outputs = new StringBuilder[3];
        var processes = new Process[3];
        var clients = new HttpClient[3];
        try
        {
            for (int p = 0; p < 3; p++)
            {
                outputs[p] = new StringBuilder();
                processes[p] = Start(Path.Combine(dir, $"provider-{p}.json"), outputs[p]);
                string thumb = TlsCertificates.Thumbprint(X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, $"party-{p}.cer")));
                var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && TlsCertificates.Thumbprint(c) == thumb } };
                clients[p] = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{ports[p]}"), Timeout = TimeSpan.FromSeconds(150) };
            }

            for (int p = 0; p < 3; p++)
            {
                await WaitAgreed(clients[p], processes[p], p);
            }

            output.WriteLine($"three providers up and agreed after {total.Elapsed.TotalSeconds:F1} s");

            // The pool. Every person's contact details are distinctive, so the outputs can be searched for them.
            var final = new Dictionary<int, (int[] Answers, string[] Contact)>();
            int[] Answers(int i, int salt) => [(i + salt) % 3, (i * 7 + salt) % 6, (i * 3 + salt) % 10, (i + 2 * salt) % 5, (i * 5 + salt) % 6];
            string[] Contact(int i, int version) => [$"{Names[i % Names.Length]} Testperson{i}x{version}", $"person{i}v{version}@example.org", $"+44 20 7946 {i:D4}", $"{i} Acacia Avenue, Testtown"];
            async Task SignUp(int i, int[] answers, string[] contact, bool[]? reach = null, Func<Submission, Submission>? tamper0 = null)
            {
                Submission[] parts = IntakeContribution.Create(round, codes[i], answers, contact);
                if (tamper0 is not null)
                {
                    parts[0] = tamper0(parts[0]);
                }

                for (int p = 0; p < 3; p++)
                {
                    if (reach is null || reach[p])
                    {
                        HttpResponseMessage r = await Post(clients[p], "/api/v1/submissions", parts[p].ToJson());
                        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
                    }
                }
            }

            for (int i = 0; i < 40; i++)
            {
                final[i] = (Answers(i, 0), Contact(i, 0));
                await SignUp(i, final[i].Answers, final[i].Contact);
            }

            for (int i = 0; i < 5; i++)
            {
                final[i] = (Answers(i, 1), Contact(i, 1)); // corrections: the later submission counts
                await SignUp(i, final[i].Answers, final[i].Contact);
            }

            foreach (int i in new[] { 5, 6 })
            {
                foreach (HttpClient c in clients)
                {
                    Assert.Equal(HttpStatusCode.OK, (await Post(c, "/api/v1/withdrawals", Encoding.UTF8.GetBytes($"{{\"format\":1,\"round\":\"{round.RoundId}\",\"code\":\"{codes[i]}\"}}"))).StatusCode);
                }

                final.Remove(i);
            }

            await SignUp(40, Answers(40, 0), Contact(40, 0), reach: [true, true, false]); // dropped at reconciliation

            // Hand-crafted rows that bypass the page: an entry 2; two answers to the first question; an entry 2^31 + 1.
            await SignUp(41, Answers(41, 0), Contact(41, 0), tamper0: s => Add(s, Array.IndexOf(Expand(round, Answers(41, 0)), 1u), 1));
            await SignUp(42, Answers(42, 0), Contact(42, 0), tamper0: s => Add(s, Array.IndexOf(Expand(round, Answers(42, 0)), 0u), 1));
            await SignUp(43, Answers(43, 0), Contact(43, 0), tamper0: s => Add(s, 4, 1u << 31));
            string[] malformed = [Hash(41), Hash(42), Hash(43)];
            output.WriteLine($"sign-ups done after {total.Elapsed.TotalSeconds:F1} s; deadline in {(deadline - DateTimeOffset.UtcNow).TotalSeconds:F0} s");
            Assert.True(DateTimeOffset.UtcNow < deadline, "the sign-ups took longer than the deadline allowed (machine overloaded?)");

            // A selection before the deadline is refused.
            Assert.Equal("still_open", await ErrorCode(await Post(clients[0], "/operator/select", [], token)));

            while (DateTimeOffset.UtcNow <= deadline.AddSeconds(1))
            {
                await Task.Delay(200);
            }

            // After the deadline: refused everywhere with the deadline named.
            Submission[] late = IntakeContribution.Create(round, codes[44], Answers(44, 0), Contact(44, 0));
            for (int p = 0; p < 3; p++)
            {
                HttpResponseMessage r = await Post(clients[p], "/api/v1/submissions", late[p].ToJson());
                Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
                Assert.Contains("Sign-up closed on", await r.Content.ReadAsStringAsync());
            }

            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Post(clients[p], "/operator/close", [], token)).StatusCode);
            }

            // The selection: each operator starts it at its own provider.
            byte[] body = Encoding.UTF8.GetBytes($"{{\"testSeed\":\"{Convert.ToHexStringLower(seed)}\"}}");
            var selectClock = Stopwatch.StartNew();
            HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(p => Post(clients[p], "/operator/select", body, token)));
            TimeSpan selectTime = selectClock.Elapsed;
            var results = new JsonElement[3];
            for (int p = 0; p < 3; p++)
            {
                string text = await answers[p].Content.ReadAsStringAsync();
                Assert.True(answers[p].StatusCode == HttpStatusCode.OK, $"provider {p}: {(int)answers[p].StatusCode} {text}");
                results[p] = JsonDocument.Parse(text).RootElement;
            }

            output.WriteLine($"select took {selectTime.TotalSeconds:F1} s wall-clock; provider 0 reports {results[0].GetProperty("seconds")}, traffic {results[0].GetProperty("traffic")}, attempt {results[0].GetProperty("attempts")}");

            // Reconciliation and the MPC check: the same at every provider.
            foreach (JsonElement r in results)
            {
                Assert.Equal(final.Count + malformed.Length, r.GetProperty("pool").GetProperty("rows").GetInt32());
                Assert.Equal(1, r.GetProperty("pool").GetProperty("dropped").GetInt32()); // code 40
                Assert.Equal(5, r.GetProperty("pool").GetProperty("superseded").GetInt32());
                Assert.Equal(malformed.Order(), r.GetProperty("excluded").GetProperty("codeHashes").EnumerateArray().Select(e => e.GetString()!).Order());
                Assert.Equal(final.Count, r.GetProperty("candidates").GetInt32());
                Assert.Equal("public-test", r.GetProperty("tape").GetString());
            }

            // The plaintext reference on the final answers of the well-formed rows, in pool order (by code hash).
            var byHash = final.ToDictionary(kv => Hash(kv.Key), kv => kv.Value);
            string[] pool = byHash.Keys.Order(StringComparer.Ordinal).ToArray();
            var problem = new SelectionProblem(round.ToFeatures(), pool.Select(h => new Candidate(h, byHash[h].Answers.Select((a, f) => round.Features[f].Values[a].Name))), round.PanelSize);
            SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);
            string[] expected = reference.Panel.Select(i => pool[i]).Order().ToArray();

            // The analyser: the panel with the members' contact details, nobody else's.
            JsonElement[] panel = results[0].GetProperty("panel").EnumerateArray().ToArray();
            Assert.Equal(expected, panel.Select(m => m.GetProperty("codeHash").GetString()!).Order());
            foreach (JsonElement m in panel)
            {
                string[] contact = byHash[m.GetProperty("codeHash").GetString()!].Contact;
                Assert.Equal(contact, round.ContactFields.Select(f => m.GetProperty(f.Name).GetString()!));
            }

            Assert.Equal(reference.Attempts, results[0].GetProperty("attempts").GetInt32());
            Assert.Equal(round.ValueCount, results[0].GetProperty("quotas").GetArrayLength());
            string analyserFiles = File.ReadAllText(Path.Combine(dir, "provider-0", "selection-result.json")) + File.ReadAllText(Path.Combine(dir, "provider-0", "panel.csv"));
            Assert.Equal(K + 1, File.ReadAllLines(Path.Combine(dir, "provider-0", "panel.csv")).Length);
            var everybody = Enumerable.Range(0, 44).Select(i => (Hash: Hash(i), Versions: new[] { Contact(i, 0), Contact(i, 1) })).ToArray();
            foreach ((string hash, string[][] versions) in everybody)
            {
                bool member = expected.Contains(hash);
                foreach (string[] version in versions)
                {
                    bool current = member && byHash[hash].Contact.SequenceEqual(version);
                    Assert.Equal(current, analyserFiles.Contains(version[1], StringComparison.Ordinal)); // the e-mail address
                    Assert.Equal(current, results[0].GetRawText().Contains(version[0], StringComparison.Ordinal));
                }
            }

            // Providers 1 and 2: no panel, no contact at all.
            for (int p = 1; p < 3; p++)
            {
                Assert.Equal(JsonValueKind.Null, results[p].GetProperty("panel").ValueKind);
                Assert.False(File.Exists(Path.Combine(dir, $"provider-{p}", "panel.csv")));
                string files = string.Join("\n", Directory.GetFiles(Path.Combine(dir, $"provider-{p}"), "*.json").Select(File.ReadAllText)) + results[p].GetRawText();
                Assert.DoesNotContain("Testperson", files, StringComparison.Ordinal);
                Assert.DoesNotContain("example.org", files, StringComparison.Ordinal);
            }

            // Owner-only result files; the stored result is served again; one round, one draw.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "provider-0", "selection-result.json")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "provider-0", "panel.csv")));
            }

            Assert.Equal(results[0].GetRawText(), JsonDocument.Parse(await Get(clients[0], "/operator/result", token)).RootElement.GetRawText());
            Assert.Equal("already_run", await ErrorCode(await Post(clients[1], "/operator/select", body, token)));

            // The signed root of the accepted submissions: the same at the three processes, each signed by its provider.
            var roots = new List<MpcSortition.Selection.Verification.SignedRoot>();
            for (int p = 0; p < 3; p++)
            {
                var root = MpcSortition.Selection.Verification.SignedRoot.Parse(await clients[p].GetStringAsync("/api/v1/root"));
                Assert.True(root.Verify(X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, $"party-{p}.cer"))));
                Assert.Equal(results[p].GetProperty("pool").GetProperty("rows").GetInt32(), root.TreeSize);
                roots.Add(root);
            }

            Assert.Single(roots.Select(r => r.Root).Distinct());

            // No process logged a code, a name, an e-mail address or a phone number.
            for (int p = 0; p < 3; p++)
            {
                string log;
                lock (outputs[p])
                {
                    log = outputs[p].ToString();
                }

                Assert.Contains("Selected:", log);
                Assert.DoesNotContain(codes, c => log.Contains(c, StringComparison.OrdinalIgnoreCase) || log.Contains(InvitationCode.Format(c), StringComparison.OrdinalIgnoreCase));
                Assert.DoesNotContain("Testperson", log, StringComparison.Ordinal);
                Assert.DoesNotContain("example.org", log, StringComparison.Ordinal);
                Assert.DoesNotContain("7946", log, StringComparison.Ordinal);
            }

            output.WriteLine($"whole test {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            foreach (Process? p in processes)
            {
                if (p is not null && !p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit();
                }
            }

            foreach (HttpClient? c in clients)
            {
                c?.Dispose();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    private static uint[] Expand(SignupRound round, int[] answers)
    {
        var row = new uint[round.ValueCount];
        int offset = 0;
        for (int f = 0; f < answers.Length; f++)
        {
            row[offset + answers[f]] = 1;
            offset += round.Features[f].Values.Count;
        }

        return row;
    }

    private static Submission Add(Submission s, int entry, uint add)
    {
        uint[] row = s.Row.ToArray();
        row[entry] += add;
        return new Submission(s.RoundId, s.Party, s.Code, s.SubmissionId, row, s.Contact);
    }

    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static Process Start(string config, StringBuilder sink)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "mpcsortition-provider.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => { lock (sink) { sink.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (sink) { sink.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitAgreed(HttpClient client, Process p, int party)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(p.HasExited, $"provider {party} exited during start-up");
            try
            {
                using JsonDocument d = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
                if (d.RootElement.GetProperty("peersAgree").GetBoolean())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        Assert.Fail($"provider {party} did not start and agree with its peers within 30 s");
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string path, byte[] body, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        return client.SendAsync(request);
    }

    private static async Task<string> Get(HttpClient client, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        HttpResponseMessage r = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return await r.Content.ReadAsStringAsync();
    }

    private static async Task<string> ErrorCode(HttpResponseMessage r)
    {
        using JsonDocument d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return d.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }
}
