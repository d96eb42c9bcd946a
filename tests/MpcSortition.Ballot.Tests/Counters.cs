using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot.Tests;

/// <summary>
/// Three counter services (Kestrel, HTTPS on 127.0.0.1, free ports, own databases, each pinning the other two) in this
/// process, counter 0 optionally serving the ballot page; everything any of them logs is kept in <see cref="Log"/>.
/// </summary>
internal sealed class Counters : IAsyncDisposable
{
    public const string Token = "ballot-test-operator-token";
    private static readonly Lazy<X509Certificate2[]> Certs = new(() =>
        [.. Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"ballot-test-counter-{p}", TimeSpan.FromHours(2)))]);

    private readonly WebApplication[] _apps = new WebApplication[3];

    private Counters(BallotRound round, List<string> codes, string dir, bool page, BlackBoxEngine[]? engines)
    {
        Round = round;
        Codes = codes;
        Directory = dir;
        int[] ports = FreePorts(6);
        Urls = [.. ports.Take(3).Select(p => new Uri($"https://127.0.0.1:{p}"))];
        IPEndPoint[] mpc = [.. ports.Skip(3).Select(p => new IPEndPoint(IPAddress.Loopback, p))];
        var hashes = codes.Select(c => InvitationCode.Hash(round.CodeSalt, c)).ToHashSet(StringComparer.Ordinal);
        Configs = [.. Enumerable.Range(0, 3).Select(p => new BallotConfig
        {
            Party = p,
            Round = round,
            Listen = [Urls[p]],
            Certificate = Certs.Value[p],
            Peers = [.. Enumerable.Range(0, 3).Where(q => q != p).Select(q => new PeerCounter(q, Urls[q], Certificate(q), mpc[q]))],
            MpcListen = mpc[p],
            MpcConnectTimeout = TimeSpan.FromSeconds(60),
            DatabasePath = Path.Combine(dir, $"counter-{p}", "ballots.db"),
            VoterCodeHashes = hashes,
            PageOrigin = Urls[0].GetLeftPart(UriPartial.Authority),
            PageDirectory = page && p == 0 ? Paths.Page : null,
            OperatorTokenSha256 = SHA256.HashData(Encoding.UTF8.GetBytes(Token)),
            SubmitPermitsPerMinute = 100_000,
            Engine = engines?[p] ?? MpcSortition.Samples.EngineSetting.Default,
            Clock = () => Now,
        })];
        Operators = [.. Enumerable.Range(0, 3).Select(p =>
        {
            HttpClient c = Pinned(p, Urls[p], TimeSpan.FromMinutes(5));
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            return c;
        })];
        Voters = [.. Enumerable.Range(0, 3).Select(p => Pinned(p, Urls[p]))];
    }

    public BallotRound Round { get; }

    public List<string> Codes { get; }

    public string Directory { get; }

    public Uri[] Urls { get; }

    public BallotConfig[] Configs { get; }

    public HttpClient[] Operators { get; }

    /// <summary>A voter's HTTPS client per counter (pinned certificate, no credential).</summary>
    public HttpClient[] Voters { get; }

    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Every line any counter logged (all levels the service emits).</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public string PageUrl(string code) => $"{Urls[0].GetLeftPart(UriPartial.Authority)}/?code={Uri.EscapeDataString(code)}";

    public static X509Certificate2 Certificate(int party) => X509CertificateLoader.LoadCertificate(Certs.Value[party].Export(X509ContentType.Cert));

    public static BallotRound NewRound(int m = 3, DateTimeOffset? deadline = null) => BallotRound.Create(
        "Town budget vote (test)", "Which project should the town fund first?",
        [.. new[] { ("park", "A new park"), ("library", "A longer-open library"), ("bikes", "Safe bicycle lanes"), ("pool", "A public pool") }.Take(m).Select(o => new BallotOption(o.Item1, o.Item2))],
        deadline ?? DateTimeOffset.UtcNow.AddHours(1), "https://vote.example.org/?code={code}");

    /// <param name="round">The ballot round.</param>
    /// <param name="codes">How many voter codes to issue.</param>
    /// <param name="page">Whether counter 0 serves the ballot page.</param>
    /// <param name="engines">Each counter's configured engine (null: the default at all three).</param>
    public static async Task<Counters> StartAsync(BallotRound round, int codes, bool page = false, BlackBoxEngine[]? engines = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ballot-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        var counters = new Counters(round, [.. Enumerable.Range(0, codes).Select(_ => InvitationCode.Generate())], dir, page, engines);
        for (int p = 0; p < 3; p++)
        {
            counters._apps[p] = BallotApp.Build(counters.Configs[p], b => b.Logging.AddProvider(new QueueLoggerProvider(counters.Log)));
            await counters._apps[p].StartAsync();
        }

        // Wait for the three to agree on the round (the pinned status check).
        for (int i = 0; i < 100; i++)
        {
            bool all = true;
            foreach (HttpClient v in counters.Voters)
            {
                using JsonDocument s = JsonDocument.Parse(await v.GetStringAsync("/api/v1/status"));
                all &= s.RootElement.GetProperty("peersAgree").GetBoolean();
            }

            if (all)
            {
                return counters;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The three counters did not agree on the round.");
    }

    /// <summary>Posts one part to its counter: status and body.</summary>
    public async Task<(int Status, JsonElement Body)> PostAsync(int party, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage r = await Voters[party].PostAsync(path, content);
        return ((int)r.StatusCode, JsonDocument.Parse(await r.Content.ReadAsByteArrayAsync()).RootElement.Clone());
    }

    /// <summary>Casts a ballot at all three counters; returns the three statuses.</summary>
    public async Task<int[]> CastAsync(BallotPart[] parts) =>
        await Task.WhenAll(parts.Select(async p => (await PostAsync(p.Party, "/api/v1/ballots", p.ToJson())).Status));

    public async Task<int[]> WithdrawAsync(string code) =>
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async p =>
            (await PostAsync(p, "/api/v1/withdrawals", Encoding.UTF8.GetBytes($"{{\"format\":1,\"round\":\"{Round.RoundId}\",\"code\":\"{code}\"}}"))).Status));

    /// <summary>Closes the vote at all three and reads the three exports through the operator endpoints.</summary>
    public async Task<CounterData[]> CloseAndExportAsync()
    {
        var data = new CounterData[3];
        for (int p = 0; p < 3; p++)
        {
            (await Operators[p].PostAsync("/operator/close", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            data[p] = CounterData.FromExport(await Operators[p].GetByteArrayAsync("/operator/export"));
        }

        return data;
    }

    /// <summary>Closes the vote and asks the three operators to count at once (POST /operator/count: mutual TLS between the counters); the three answers.</summary>
    public async Task<JsonElement[]> CountOverTlsAsync()
    {
        for (int p = 0; p < 3; p++)
        {
            (await Operators[p].PostAsync("/operator/close", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }

        return await Task.WhenAll(Operators.Select(async op =>
        {
            using HttpResponseMessage r = await op.PostAsync("/operator/count", new StringContent("{}", Encoding.UTF8, "application/json"));
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.IsSuccessStatusCode, body);
            return JsonDocument.Parse(body).RootElement.Clone();
        }));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (WebApplication app in _apps)
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        foreach (HttpClient c in Operators.Concat(Voters))
        {
            c.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static HttpClient Pinned(int party, Uri url, TimeSpan? timeout = null)
    {
        string expected = TlsCertificates.Thumbprint(Certs.Value[party]);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 32,
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected },
        };
        return new HttpClient(handler) { BaseAddress = url, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    private static int[] FreePorts(int n)
    {
        var listeners = Enumerable.Range(0, n).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> queue) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, queue);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<string> queue) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            queue.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

internal static class Paths
{
    public static string Repo { get; } = FindRepo();

    public static string Page => Path.Combine(Repo, "samples", "MpcSortition.Ballot", "wwwroot");

    public static string Artifacts
    {
        get
        {
            string d = Path.Combine(Repo, "artifacts", "ballot-tests");
            System.IO.Directory.CreateDirectory(d);
            return d;
        }
    }

    private static string FindRepo()
    {
        string? d = AppContext.BaseDirectory;
        while (d is not null && !File.Exists(Path.Combine(d, "MpcSortition.sln")))
        {
            d = Path.GetDirectoryName(d);
        }

        return d ?? throw new InvalidOperationException("MpcSortition.sln not found above the test binaries.");
    }
}
