using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Page.Tests;

/// <summary>
/// Three real provider services (Kestrel over HTTPS on 127.0.0.1, in this process) for one test, with the sign-up page
/// served by provider 0 from samples/MpcSortition.SignupPage, their clocks settable, and any one of them stoppable and
/// restartable on the same port and database.
/// </summary>
internal sealed class Providers : IAsyncDisposable
{
    public const string Token = "page-test-operator-token";
    private static readonly Lazy<X509Certificate2[]> Certs = new(() =>
        [.. Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"page-test-provider-{p}", TimeSpan.FromHours(2)))]);

    private readonly ProviderConfig[] _configs;
    private readonly WebApplication?[] _apps = new WebApplication?[3];
    private readonly IReadOnlyList<PageProvider> _page;
    private readonly string _dir;

    private Providers(SignupRound round, List<string> codes, string dir, bool mpc)
    {
        Round = round;
        Codes = codes;
        _dir = dir;
        int[] ports = FreePorts(3);
        Urls = [.. ports.Select(p => new Uri($"https://127.0.0.1:{p}"))];
        _page = [.. Enumerable.Range(0, 3).Select(p => new PageProvider($"Provider {p} ({Urls[p].Authority})", Urls[p]))];
        var hashes = codes.Select(c => InvitationCode.Hash(round.CodeSalt, c)).ToHashSet(StringComparer.Ordinal);
        // With MPC links the three are each other's peers (pinned certificates, an MPC port each), so that the
        // selection runs through their own POST /operator/select.
        int[] mpcPorts = mpc ? FreePorts(3) : [];
        if (mpc)
        {
            Directory.CreateDirectory(dir);
            for (int p = 0; p < 3; p++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), Certs.Value[p].Export(X509ContentType.Cert));
            }
        }

        _configs = [.. Enumerable.Range(0, 3).Select(p => new ProviderConfig
        {
            Party = p,
            Round = round,
            Listen = [Urls[p]],
            Certificate = Certs.Value[p],
            Peers = mpc
                ? [.. Enumerable.Range(0, 3).Where(q => q != p).Select(q => new PeerConfig(q, Urls[q], Path.Combine(dir, $"party-{q}.cer"), new IPEndPoint(IPAddress.Loopback, mpcPorts[q])))]
                : [],
            MpcListen = mpc ? new IPEndPoint(IPAddress.Loopback, mpcPorts[p]) : null,
            MpcConnectTimeout = TimeSpan.FromSeconds(60),
            DatabasePath = Path.Combine(dir, $"provider-{p}", "intake.db"),
            InvitationHashes = hashes,
            PageOrigin = PageOrigin,
            OperatorTokenSha256 = SHA256.HashData(Encoding.UTF8.GetBytes(Token)),
            SubmitPermitsPerMinute = 10_000,
            Clock = () => Now,
        })];
        Operators = [.. _configs.Select(c => DemoPage.Pinned(c, Token))];
    }

    public SignupRound Round { get; }

    public List<string> Codes { get; }

    public Uri[] Urls { get; }

    public string PageOrigin => Urls[0].GetLeftPart(UriPartial.Authority);

    public string PageUrl(string? code = null) => code is null ? PageOrigin + "/" : $"{PageOrigin}/?code={Uri.EscapeDataString(code)}";

    public IReadOnlyList<HttpClient> Operators { get; }

    /// <summary>The providers' clock.</summary>
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public static X509Certificate2 Certificate(int party) => X509CertificateLoader.LoadCertificate(Certs.Value[party].Export(X509ContentType.Cert));

    /// <summary>Starts three providers; with <paramref name="mpc"/> they are each other's peers with MPC links (and agree
    /// on the round before this returns), so that they can select through <c>POST /operator/select</c>.</summary>
    public static async Task<Providers> StartAsync(SignupRound round, int codes = 10, bool mpc = false)
    {
        string dir = Path.Combine(Path.GetTempPath(), "page-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        var list = Enumerable.Range(0, codes).Select(_ => InvitationCode.Generate()).ToList();
        var providers = new Providers(round, list, dir, mpc);
        for (int p = 0; p < 3; p++)
        {
            await providers.StartAsync(p);
        }

        if (mpc)
        {
            await providers.WaitAgreedAsync();
        }

        return providers;
    }

    private async Task WaitAgreedAsync()
    {
        for (int i = 0; i < 200; i++)
        {
            bool all = true;
            foreach (HttpClient op in Operators)
            {
                using JsonDocument s = JsonDocument.Parse(await op.GetStringAsync("/api/v1/status"));
                all &= s.RootElement.GetProperty("peersAgree").GetBoolean();
            }

            if (all)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The three providers did not agree on the round within 20 s.");
    }

    public async Task StartAsync(int party)
    {
        WebApplication app = await ProviderApp.BuildAsync(_configs[party]);
        if (party == 0)
        {
            PageHosting.Map(app, Paths.Page, _page);
        }

        await app.StartAsync();
        _apps[party] = app;
    }

    public async Task StopAsync(int party)
    {
        WebApplication app = _apps[party] ?? throw new InvalidOperationException("not running");
        _apps[party] = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>The number of current submissions (one per code) each provider holds, from its public status.</summary>
    public async Task<int[]> CountsAsync()
    {
        var counts = new int[3];
        for (int p = 0; p < 3; p++)
        {
            using JsonDocument s = JsonDocument.Parse(await Operators[p].GetStringAsync("/api/v1/status"));
            counts[p] = s.RootElement.GetProperty("submissions").GetInt32();
        }

        return counts;
    }

    /// <summary>
    /// Closes the round, reconciles through the operator endpoints, exports each provider's shares and puts them back
    /// together (test only: no provider ever does this): the final pool as code hash → (one-hot row, contact texts).
    /// </summary>
    public async Task<(Dictionary<string, (uint[] Row, string[] Contact)> Pool, JsonElement Report)> ReconstructPoolAsync()
    {
        var histories = new List<string>();
        foreach (HttpClient op in Operators)
        {
            (await op.PostAsync("/operator/close", Json("{}"))).EnsureSuccessStatusCode();
            histories.Add(await op.GetStringAsync("/operator/history"));
        }

        JsonElement report = default;
        foreach (HttpClient op in Operators)
        {
            HttpResponseMessage r = await op.PostAsync("/operator/reconcile", Json($"{{\"histories\":[{string.Join(",", histories)}]}}"));
            r.EnsureSuccessStatusCode();
            report = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        }

        var rows = new Dictionary<string, (uint[] Row, string[] Contact)>(StringComparer.Ordinal);
        var parts = new List<JsonElement[]>();
        foreach (HttpClient op in Operators)
        {
            parts.Add([.. JsonDocument.Parse(await op.GetStringAsync("/operator/export")).RootElement.GetProperty("rows").EnumerateArray()]);
        }

        for (int i = 0; i < parts[0].Length; i++)
        {
            string hash = parts[0][i].GetProperty("codeHash").GetString()!;
            var row = new uint[Round.ValueCount];
            var block = new byte[Round.ContactBlockLength];
            foreach (JsonElement[] part in parts)
            {
                Assert.Equal(hash, part[i].GetProperty("codeHash").GetString());
                byte[] words = Convert.FromBase64String(part[i].GetProperty("row").GetString()!);
                for (int v = 0; v < row.Length; v++)
                {
                    row[v] += BitConverter.ToUInt32(words, 4 * v);
                }

                byte[] contact = Convert.FromBase64String(part[i].GetProperty("contact").GetString()!);
                for (int b = 0; b < block.Length; b++)
                {
                    block[b] ^= contact[b];
                }
            }

            rows[hash] = (row, ContactBlock.Decode(Round, block));
        }

        return (rows, report);
    }

    public string Hash(string code) => InvitationCode.Hash(Round.CodeSalt, code);

    public async ValueTask DisposeAsync()
    {
        for (int p = 0; p < 3; p++)
        {
            if (_apps[p] is not null)
            {
                await StopAsync(p);
            }
        }

        foreach (HttpClient c in Operators)
        {
            c.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static StringContent Json(string s) => new(s, Encoding.UTF8, "application/json");

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

/// <summary>Where things are: the page's folder and the artefacts folder of the repository this test was built from.</summary>
internal static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string Page => Path.Combine(Root, "samples", "MpcSortition.SignupPage");

    public static string Artifacts
    {
        get
        {
            string dir = Path.Combine(Root, "artifacts", "page-tests");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MpcSortition.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("MpcSortition.sln not found above " + AppContext.BaseDirectory);
    }
}
