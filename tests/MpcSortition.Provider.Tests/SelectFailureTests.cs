using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// <c>POST /operator/select</c> when something is wrong: a peer that serves another round, a peer that never starts its
/// selection, a peer that goes away during the selection, a bad request. Each provider answers with a clear error in
/// bounded time; nothing is marked as selected, nothing hangs. The services run in this process (test server for HTTP,
/// real TLS for the MPC links).
/// </summary>
public sealed class SelectFailureTests(Xunit.Abstractions.ITestOutputHelper output)
{
    internal const string Token = "select-operator-token";

    internal sealed record Provider(WebApplication App, HttpClient Client, ProviderConfig Config) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    internal static async Task<Provider[]> StartAsync(string dir, SignupRound[] rounds, TimeSpan connectTimeout, Submission[][]? pool = null, Func<int, RecordsConfig?>? records = null, MpcSortition.Protocols.BlackBoxEngine[]? engines = null)
    {
        int[] mpc = [SelectProcessTests.FreePort(), SelectProcessTests.FreePort(), SelectProcessTests.FreePort()];
        for (int p = 0; p < 3; p++)
        {
            File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), TestRounds.Certificates[p].Export(X509ContentType.Cert));
        }

        var providers = new Provider[3];
        for (int p = 0; p < 3; p++)
        {
            SignupRound round = rounds[p];
            var config = new ProviderConfig
            {
                Party = p,
                Round = round,
                Listen = [new Uri("https://127.0.0.1:1")],
                Certificate = TestRounds.Certificates[p],
                Peers = Enumerable.Range(0, 3).Where(q => q != p)
                    .Select(q => new PeerConfig(q, new Uri("https://127.0.0.1:1"), Path.Combine(dir, $"party-{q}.cer"), new IPEndPoint(IPAddress.Loopback, mpc[q]))).ToArray(),
                DatabasePath = Path.Combine(dir, $"p{p}", "intake.db"),
                InvitationHashes = pool is null ? new HashSet<string>() : pool.Select(parts => InvitationCode.Hash(round.CodeSalt, parts[p].Code)).ToHashSet(),
                OperatorTokenSha256 = SHA256.HashData(Encoding.UTF8.GetBytes(Token)),
                MpcListen = new IPEndPoint(IPAddress.Loopback, mpc[p]),
                MpcConnectTimeout = connectTimeout,
                Clock = () => round.DeadlineUtc.AddMinutes(1), // after the deadline
                Records = records?.Invoke(p),
                Engine = engines?[p] ?? MpcSortition.Samples.EngineSetting.Default,
            };
            if (pool is not null)
            {
                // Stored before the deadline, as the intake would have.
                IntakeStore store = IntakeStore.Open(config.DatabasePath, round.Hash);
                foreach (Submission[] parts in pool)
                {
                    await store.SubmitAsync(parts[p], InvitationCode.Hash(round.CodeSalt, parts[p].Code), [], round.DeadlineUtc.AddMinutes(-5), round.DeadlineUtc);
                }

                await store.DisposeAsync();
            }

            WebApplication app = await ProviderApp.BuildAsync(config, b => b.WebHost.UseTestServer());
            await app.StartAsync();
            providers[p] = new Provider(app, app.GetTestClient(), config);
        }

        return providers;
    }

    internal static Task<HttpResponseMessage> Select(Provider p, string body = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/operator/select") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", Token);
        return p.Client.SendAsync(request);
    }

    internal static async Task<(HttpStatusCode Status, string Code, string Message)> Error(HttpResponseMessage r)
    {
        string text = await r.Content.ReadAsStringAsync();
        using JsonDocument d = JsonDocument.Parse(text);
        Assert.True(d.RootElement.TryGetProperty("error", out JsonElement e), $"{(int)r.StatusCode} without an error: {text}");
        return (r.StatusCode, e.GetProperty("code").GetString()!, e.GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task APeerWithAnotherRoundIsNamedAndNothingIsComputed()
    {
        string dir = Directory.CreateTempSubdirectory("intake-select-round-").FullName;
        SignupRound round = TestRounds.Small(DateTimeOffset.UtcNow.AddHours(-1) is var d ? TestRounds.Whole(d) : default);
        SignupRound other = TestRounds.Small(round.DeadlineUtc);
        Provider[] providers = await StartAsync(dir, [round, round, other], TimeSpan.FromSeconds(30));
        try
        {
            var clock = Stopwatch.StartNew();
            var errors = await Task.WhenAll(providers.Select(async p => await Error(await Select(p))));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
            output.WriteLine(string.Join("\n", errors.Select(e => e.Message)));
            Assert.All(errors, e => Assert.Equal((HttpStatusCode.Conflict, "peer_round"), (e.Status, e.Code)));
            Assert.Contains("Provider 2 serves another sign-up round", errors[0].Message);
            Assert.Contains("Provider 2 serves another sign-up round", errors[1].Message);
            Assert.Matches("Provider [01] serves another sign-up round", errors[2].Message);
            Assert.All(providers, p => Assert.False(File.Exists(Path.Combine(dir, $"p{p.Config.Party}", "selection-result.json"))));
        }
        finally
        {
            foreach (Provider p in providers)
            {
                await p.DisposeAsync();
            }

            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task APeerThatNeverComesOrGoesAwayGivesAClearErrorInBoundedTime()
    {
        string dir = Directory.CreateTempSubdirectory("intake-select-peer-").FullName;
        // k = 100 of 600, so that the selection runs for seconds (about 65 rounds per pick, 1.3 s for k = 20 here) and provider 2 can stop during it.
        const int K = 100;
        var round = new SignupRound(RandomNumberGenerator.GetBytes(16), "Long test round", TestRounds.Whole(DateTimeOffset.UtcNow.AddHours(-1)), K,
            [
                new SignupFeature("gender", "Gender?", [new("f", "Female", 0, K), new("m", "Male", 0, K)]),
                new SignupFeature("age", "Age?", [new("young", "Young", 0, K), new("mid", "Middle", 0, K), new("old", "Old", 0, K)]),
            ],
            [new ContactField("name", "Name", 16)],
            new byte[16], "https://signup.example.org/?code={code}");
        Submission[][] pool = Enumerable.Range(0, 600).Select(i => IntakeContribution.Create(round, InvitationCode.Generate(), [i % 2, i % 3], [$"P{i}"])).ToArray();
        Provider[] providers = await StartAsync(dir, [round, round, round], TimeSpan.FromSeconds(4), pool);
        try
        {
            // Bad requests are refused before anything happens.
            Assert.Equal("bad_request", (await Error(await Select(providers[0], "{\"seed\":1}"))).Code);
            var shortSeed = await Error(await Select(providers[0], "{\"testSeed\":\"00ff\"}"));
            Assert.Equal("bad_request", shortSeed.Code);
            Assert.Contains("is 2 bytes; a test seed is 16 bytes", shortSeed.Message);
            Assert.Equal("test_seed_refused", (await Error(await Select(providers[0], "{\"testSeed\":\"" + new string('0', 32) + "\"}"))).Code);

            // Provider 2's operator never starts the selection.
            var clock = Stopwatch.StartNew();
            var errors = await Task.WhenAll(providers.Take(2).Select(async p => await Error(await Select(p))));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"took {clock.Elapsed}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: " + string.Join("\n", errors.Select(e => e.Message)));
            Assert.All(errors, e => Assert.Equal((HttpStatusCode.BadGateway, "peer_failed"), (e.Status, e.Code)));
            Assert.All(errors, e => Assert.Contains("party 2", e.Message));

            // Provider 2 starts and its service stops during the selection (or before its links are up).
            Task<HttpResponseMessage>[] selects = providers.Select(p => Select(p)).ToArray();
            await Task.Delay(1000);
            await providers[2].App.StopAsync();
            var after = await Task.WhenAll(selects.Take(2).Select(async s => await Error(await s)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: " + string.Join("\n", after.Select(e => e.Message)));
            Assert.All(after, e => Assert.Equal((HttpStatusCode.BadGateway, "peer_failed"), (e.Status, e.Code)));
            Assert.All(after, e => Assert.Contains("party 2", e.Message));
            Assert.DoesNotContain("   at ", after[0].Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (Provider p in providers)
            {
                await p.DisposeAsync();
            }

            Directory.Delete(dir, true);
        }
    }
}
