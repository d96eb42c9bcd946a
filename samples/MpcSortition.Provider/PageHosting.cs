using System.Text.Json;
using Microsoft.Extensions.FileProviders;

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
        string connect = string.Join(' ', providers.Select(p => p.Url.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal));
        string csp = $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        var files = new PhysicalFileProvider(root);
        app.Use(async (ctx, next) =>
        {
            PathString path = ctx.Request.Path;
            if (!path.StartsWithSegments("/api", StringComparison.Ordinal) && !path.StartsWithSegments("/operator", StringComparison.Ordinal))
            {
                ctx.Response.Headers.ContentSecurityPolicy = csp;
                ctx.Response.Headers.XContentTypeOptions = "nosniff";
                ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
                ctx.Response.Headers.CacheControl = "no-cache";
            }

            await next();
        });
        app.MapGet("/config.json", () => Results.Bytes(configJson, "application/json"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
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
