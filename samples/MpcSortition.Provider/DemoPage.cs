using System.Security.Cryptography;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>
/// The second quick start (<c>demo --out DIR --page DIR</c>): writes a demo set-up, runs the three providers in this
/// process on 127.0.0.1 with the sign-up page served by provider 0, signs up some synthetic volunteers, prints the page's
/// URL with an invitation code, and on Enter closes the round, has the three services select through their own
/// <c>POST /operator/select</c> (<see cref="DemoDraw"/>) and writes the analyser's report.
/// </summary>
internal static class DemoPage
{
    public static async Task<int> RunAsync(string dir, string pageDir, int[] ports, int[]? mpcPorts, int codes, int volunteers, int deadlineMinutes)
    {
        DateTimeOffset d = DateTimeOffset.UtcNow.AddMinutes(deadlineMinutes);
        string origin = $"https://127.0.0.1:{ports[0]}";
        // The demo's draw uses a public test tape, which the round commits to before anyone signs up.
        byte[] seed = RandomNumberGenerator.GetBytes(16);
        string token = Demo.Write(dir, Math.Max(codes, volunteers + 5), new DateTimeOffset(d.UtcDateTime.Ticks - d.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero),
            ports, 10_000, origin, mpcPorts, testSeed: seed);
        var configs = Enumerable.Range(0, 3).Select(p => ProviderConfig.Load(Path.Combine(dir, $"provider-{p}.json"))).ToArray();
        var apps = new List<WebApplication>();
        var operators = new List<HttpClient>();
        try
        {
            foreach (ProviderConfig config in configs)
            {
                WebApplication app = await ProviderApp.BuildAsync(config);
                if (config.Party == 0)
                {
                    PageHosting.Map(app, pageDir, PageHosting.FromConfig(config));
                }

                await app.StartAsync();
                apps.Add(app);
                operators.Add(Pinned(config, token));
            }

            await WaitForAgreement(operators);
            SignupRound round = configs[0].Round;
            List<string> letters = Invitations.ReadCodes(Path.Combine(dir, "letters.csv"));
            await SignUpSynthetic(round, letters.Skip(5).Take(volunteers).ToList(), operators);
            string yours = letters[0].Replace("-", "", StringComparison.Ordinal);
            Console.WriteLine($"""

                Three providers are running on 127.0.0.1:{ports[0]}, :{ports[1]} and :{ports[2]} with a demo round ({volunteers} synthetic volunteers signed up).
                Your browser will warn that the demo certificates are self-signed. Accept them once for each provider:
                  https://127.0.0.1:{ports[1]}/api/v1/status
                  https://127.0.0.1:{ports[2]}/api/v1/status
                then open the sign-up page with the first invitation code of {Path.Combine(dir, "letters.csv")}:

                  {origin}/?code={InvitationCode.Format(yours)}

                Sign up (and correct or withdraw, if you like), then press Enter here to close the sign-up, select the panel and write the analyser's report.
                """);
            if (Console.ReadLine() is null)
            {
                // No terminal: serve until stopped.
                await apps[0].WaitForShutdownAsync();
                return 0;
            }

            DrawOutcome outcome = await DemoDraw.RunAsync(round, operators, seed);
            string report = Path.Combine(dir, "report.html");
            await File.WriteAllTextAsync(report, DemoDraw.ReportHtml(round, outcome));
            Console.WriteLine($"Selected {outcome.PanelHashes.Length} of {outcome.PoolHashes.Length} volunteers ({outcome.Malformed.Length} malformed rows excluded).");
            Console.WriteLine($"The analyser's report (panel, contacts and quotas): {Path.GetFullPath(report)}");
            Console.WriteLine($"Each provider's data directory (provider-0 … provider-2 under {Path.GetFullPath(dir)}) holds its signed submission root, its run log and the run's evidence (evidence-run-1.json, round-run-1.json) for mpcsortition audit.");
            Console.WriteLine(outcome.PanelContacts.Any(c => !c[0].StartsWith("Volunteer ", StringComparison.Ordinal))
                ? "Somebody who signed up through the page is on the panel: see the report." : "Nobody who signed up through the page was selected this time.");
            return 0;
        }
        finally
        {
            foreach (HttpClient c in operators)
            {
                c.Dispose();
            }

            foreach (WebApplication app in apps)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>An operator's client for one provider: its certificate pinned, the operator token as the credential.</summary>
    public static HttpClient Pinned(ProviderConfig config, string token)
    {
        string expected = TlsCertificates.Thumbprint(config.Certificate);
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected },
        };
        var client = new HttpClient(handler) { BaseAddress = config.Listen[0], Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private static async Task WaitForAgreement(List<HttpClient> clients)
    {
        for (int i = 0; i < 120; i++)
        {
            bool all = true;
            foreach (HttpClient c in clients)
            {
                string status = await c.GetStringAsync("/api/v1/status");
                all &= status.Contains("\"peersAgree\":true", StringComparison.Ordinal);
            }

            if (all)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new ConfigException("The three demo providers did not agree on the round within 30 s.");
    }

    private static async Task SignUpSynthetic(SignupRound round, List<string> codes, List<HttpClient> clients)
    {
        for (int i = 0; i < codes.Count; i++)
        {
            int[] answers = [.. round.Features.Select(f => RandomNumberGenerator.GetInt32(f.Values.Count))];
            string[] contact = [.. round.ContactFields.Select(f => f.Name switch
            {
                "name" => $"Volunteer {i + 1}",
                "email" => $"volunteer{i + 1}@example.org",
                _ => "-",
            })];
            Submission[] parts = IntakeContribution.Create(round, InvitationCode.TryNormalize(codes[i], out string? c) ? c : codes[i], answers, contact);
            for (int p = 0; p < 3; p++)
            {
                using var content = new ByteArrayContent(parts[p].ToJson());
                content.Headers.ContentType = new("application/json");
                using HttpResponseMessage r = await clients[p].PostAsync("/api/v1/submissions", content);
                r.EnsureSuccessStatusCode();
            }
        }
    }
}
