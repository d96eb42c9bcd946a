using System.Security.Cryptography;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Page.Tests;

/// <summary>The provider serving the page (<c>serve --page DIR</c>): its files, the generated config.json and the headers.</summary>
public sealed class PageHostingTests
{
    [Fact]
    public async Task ServesThePageWithConfigAndAPolicyThatAllowsOnlyTheThreeProviders()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        HttpClient client = providers.Operators[0];
        using HttpResponseMessage page = await client.GetAsync("/");
        page.EnsureSuccessStatusCode();
        Assert.Contains("<script type=\"module\" src=\"app.js\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        string csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        string connect = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("connect-src", StringComparison.Ordinal));
        Assert.Equal($"connect-src 'self' {string.Join(' ', providers.Urls.Select(u => u.GetLeftPart(UriPartial.Authority)))}", connect);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());

        using JsonDocument config = JsonDocument.Parse(await client.GetStringAsync("/config.json"));
        string[] urls = [.. config.RootElement.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("url").GetString()!)];
        Assert.Equal(providers.Urls.Select(u => u.GetLeftPart(UriPartial.Authority)), urls);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/../MpcSortition.sln")).StatusCode);
        using HttpResponseMessage api = await client.GetAsync("/api/v1/status");
        Assert.False(api.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public void TheProvidersComeFromTheConfigInPartyOrderAndAMissingPeerIsNamed()
    {
        ProviderConfig Config(params int[] peers) => new()
        {
            Party = 1,
            Round = PageRounds.Create(),
            Listen = [new Uri("https://127.0.0.1:7444")],
            Certificate = TlsCertificates.CreateSelfSigned("hosting-test", TimeSpan.FromHours(1)),
            Peers = [.. peers.Select(p => new PeerConfig(p, new Uri($"https://10.0.0.{p}:7443"), "x.cer"))],
            DatabasePath = "unused.db",
            InvitationHashes = new HashSet<string>(),
            OperatorTokenSha256 = SHA256.HashData([1]),
        };

        IReadOnlyList<PageProvider> list = PageHosting.FromConfig(Config(2, 0));
        Assert.Equal(["https://10.0.0.0:7443/", "https://127.0.0.1:7444/", "https://10.0.0.2:7443/"], list.Select(p => p.Url.ToString()));
        Assert.Equal("Provider 1 (127.0.0.1:7444)", list[1].Name);
        ConfigException e = Assert.Throws<ConfigException>(() => PageHosting.FromConfig(Config(0)));
        Assert.Contains("provider 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderThatIsNotThePageIsRefused()
    {
        WebApplication app = WebApplication.CreateSlimBuilder().Build();
        string empty = Directory.CreateTempSubdirectory("not-a-page").FullName;
        ConfigException e = Assert.Throws<ConfigException>(() => PageHosting.Map(app, empty, []));
        Assert.Contains("index.html", e.Message, StringComparison.Ordinal);
        await app.DisposeAsync();
        Directory.Delete(empty);
    }
}
