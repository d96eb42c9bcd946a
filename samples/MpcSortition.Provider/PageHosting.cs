using System.Text.Json;
using MpcSortition.Samples;

namespace MpcSortition.Provider;

/// <summary>One provider as the sign-up page names it: shown to volunteers, and the origin the page sends to.</summary>
internal sealed record PageProvider(string Name, Uri Url);

/// <summary>
/// Serves the static sign-up page (samples/MpcSortition.SignupPage) from a provider (<c>serve --page DIR</c> and the
/// <c>demo --page</c> quick start): the folder's files at <c>/</c>, and a generated <c>/config.json</c> naming the three
/// providers. The page's responses carry a Content-Security-Policy that lets the page load only its own files and
/// connect only to itself and the three providers (nothing third-party). The API and operator paths are unchanged.
/// </summary>
internal static class PageHosting
{
    public static void Map(WebApplication app, string directory, IReadOnlyList<PageProvider> providers)
    {
        string root = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(root, "index.html")) || !File.Exists(Path.Combine(root, "app.js")))
        {
            throw new ConfigException($"--page {directory}: not the sign-up page's folder (index.html and app.js are missing).");
        }

        if (providers.Count != 3)
        {
            throw new ConfigException("The sign-up page needs the URLs of all three providers (configure the two peers).");
        }

        byte[] configJson = JsonSerializer.SerializeToUtf8Bytes(new { providers = providers.Select(p => new { name = p.Name, url = p.Url.GetLeftPart(UriPartial.Authority) }) });
        ServiceHttp.MapPage(app, root, configJson, providers.Select(p => p.Url.GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>The three providers from a provider's own configuration: itself (its first listen URL) and its peers.</summary>
    public static IReadOnlyList<PageProvider> FromConfig(ProviderConfig config)
    {
        var urls = new Uri?[3];
        urls[config.Party] = config.Listen[0];
        foreach (PeerConfig peer in config.Peers)
        {
            urls[peer.Party] = peer.Url;
        }

        return urls.Select((u, p) => u is null
            ? throw new ConfigException($"The sign-up page needs all three providers: provider {p} is not among the peers.")
            : new PageProvider($"Provider {p} ({u.Authority})", u)).ToList();
    }
}
