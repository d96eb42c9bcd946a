using System.Net;
using Microsoft.AspNetCore.Builder;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

/// <summary>Real Kestrel over HTTPS: a provider accepts submissions only once its peers serve the same round, with the pinned certificate.</summary>
public sealed class PeerAgreementTests
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static async Task<(WebApplication App, ProviderConfig Config)> Start(string dir, int party, SignupRound round, int port, IReadOnlyList<PeerConfig> peers, List<string> codes)
    {
        var config = new ProviderConfig
        {
            Party = party,
            Round = round,
            Listen = [new Uri($"https://127.0.0.1:{port}")],
            Certificate = TestRounds.Certificates[party],
            Peers = peers,
            DatabasePath = Path.Combine(dir, $"p{party}-{port}", "intake.db"),
            InvitationHashes = codes.Select(c => InvitationCode.Hash(round.CodeSalt, c)).ToHashSet(),
            OperatorTokenSha256 = SHA256.HashData("t"u8),
        };
        WebApplication app = await ProviderApp.BuildAsync(config);
        await app.StartAsync();
        return (app, config);
    }

    private static HttpClient Client(int port, int party)
    {
        string thumb = TlsCertificates.Thumbprint(TestRounds.Certificates[party]);
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && TlsCertificates.Thumbprint(c) == thumb } };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };
    }

    private static async Task<bool> Agrees(HttpClient client, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using JsonDocument d = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
            if (d.RootElement.GetProperty("peersAgree").GetBoolean())
            {
                return true;
            }

            if (clock.Elapsed > within)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task SubmissionsWaitUntilThePeerServesTheSameRoundWithThePinnedCertificate()
    {
        string dir = Directory.CreateTempSubdirectory("intake-peers-").FullName;
        var apps = new List<WebApplication>();
        try
        {
            SignupRound round = TestRounds.Small(id: RandomNumberGenerator.GetBytes(16));
            SignupRound other = TestRounds.Small(id: RandomNumberGenerator.GetBytes(16));
            var codes = new List<string> { InvitationCode.Generate() };
            for (int p = 0; p < 3; p++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), TestRounds.Certificates[p].Export(X509ContentType.Cert));
            }

            int portB = FreePort(), portOther = FreePort();
            apps.Add((await Start(dir, 1, round, portB, [], codes)).App);
            apps.Add((await Start(dir, 2, other, portOther, [], codes)).App);

            // Provider 0 with peer 1 (same round) and peer 2 (another round): not ready.
            int portA = FreePort();
            apps.Add((await Start(dir, 0, round, portA, [
                new PeerConfig(1, new Uri($"https://127.0.0.1:{portB}"), Path.Combine(dir, "party-1.cer")),
                new PeerConfig(2, new Uri($"https://127.0.0.1:{portOther}"), Path.Combine(dir, "party-2.cer"))], codes)).App);
            using HttpClient a = Client(portA, 0);
            Assert.False(await Agrees(a, TimeSpan.FromSeconds(3)));
            var content = new ByteArrayContent(IntakeContribution.Create(round, codes[0], [0, 0, 0], ["A", "B"])[0].ToJson());
            content.Headers.ContentType = new("application/json");
            HttpResponseMessage refused = await a.PostAsync("/api/v1/submissions", content);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("not_ready", await refused.Content.ReadAsStringAsync());

            // Provider 0' with peer 1 pinned to the wrong certificate: never agrees.
            int portC = FreePort();
            apps.Add((await Start(dir, 0, round, portC, [new PeerConfig(1, new Uri($"https://127.0.0.1:{portB}"), Path.Combine(dir, "party-2.cer"))], codes)).App);
            using HttpClient c = Client(portC, 0);
            Assert.False(await Agrees(c, TimeSpan.FromSeconds(3)));

            // Provider 0'' with peer 1 only, right certificate, same round: agrees and accepts over HTTPS.
            int portD = FreePort();
            apps.Add((await Start(dir, 0, round, portD, [new PeerConfig(1, new Uri($"https://127.0.0.1:{portB}"), Path.Combine(dir, "party-1.cer"))], codes)).App);
            using HttpClient d = Client(portD, 0);
            Assert.True(await Agrees(d, TimeSpan.FromSeconds(30)));
            var ok = new ByteArrayContent(IntakeContribution.Create(round, codes[0], [0, 0, 0], ["A", "B"])[0].ToJson());
            ok.Headers.ContentType = new("application/json");
            Assert.Equal(HttpStatusCode.Created, (await d.PostAsync("/api/v1/submissions", ok)).StatusCode);

            // Plain HTTP is not served.
            using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portD}") };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync("/api/v1/status"));
        }
        finally
        {
            foreach (WebApplication app in apps)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ConfigRefusesHttpListenUrlsAndMissingMembersNamingThem()
    {
        string dir = Directory.CreateTempSubdirectory("intake-config-").FullName;
        try
        {
            using (FileStream fs = File.Create(Path.Combine(dir, "round.json")))
            {
                TestRounds.Small().Save(fs);
            }

            File.WriteAllBytes(Path.Combine(dir, "p.pfx"), TestRounds.Certificates[0].Export(X509ContentType.Pkcs12));
            string config = Path.Combine(dir, "provider.json");
            string Write(string listen, string token) => $"{{\"party\":0,\"round\":\"round.json\",\"listen\":[\"{listen}\"],\"certificate\":\"p.pfx\",\"database\":\"db/intake.db\",\"operatorTokenSha256\":\"{token}\"}}";
            string okToken = new('a', 64);
            File.WriteAllText(config, Write("https://127.0.0.1:7443", okToken));
            Assert.Equal(0, ProviderConfig.Load(config).Party);
            File.WriteAllText(config, Write("http://127.0.0.1:7443", okToken));
            Assert.Contains("https://", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
            File.WriteAllText(config, Write("https://127.0.0.1:7443", "short"));
            Assert.Contains("operatorTokenSha256", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
            File.WriteAllText(config, "{\"party\":0}");
            Assert.Contains("\"round\"", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
