using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace MpcSortition.Samples;

/// <summary>What <see cref="ServiceHttp.ReadJsonBodyAsync"/> found wrong with a request body.</summary>
internal enum BodyProblem
{
    /// <summary>The body was read.</summary>
    None,

    /// <summary>The body is not declared as JSON.</summary>
    UnsupportedMediaType,

    /// <summary>The body is larger than the endpoint allows.</summary>
    TooLarge,
}

/// <summary>
/// The HTTP plumbing both sample services share (compiled into the provider and the ballot counter): the operator's
/// endpoint group and bearer token, the static page with its security headers, a size-bounded JSON body, the error shape <c>{"error":{"code","message"}}</c> and the receipt shape.
/// </summary>
internal static class ServiceHttp
{
    /// <summary>The CORS policy that admits the page's origin (and no other) on the public endpoints.</summary>
    public const string CorsPolicy = "page";

    /// <summary>The per-address rate limiter of the submission endpoints.</summary>
    public const string SubmitLimiter = "submit";

    /// <summary>Kestrel on the listen addresses with HTTPS only (TLS 1.2/1.3 with this certificate), the body and header
    /// limits, CORS for the page's origin only (<see cref="CorsPolicy"/>), and a per-address fixed window of
    /// <paramref name="permitsPerMinute"/> requests (<see cref="SubmitLimiter"/>) whose refusals
    /// <paramref name="onRejected"/> answers.</summary>
    /// <param name="configError">Makes the configuration error thrown for an address that is not https:// or not an IP.</param>
    public static void ConfigureHost(WebApplicationBuilder builder, IEnumerable<Uri> listen, X509Certificate2 certificate, long bodyLimit,
        string? pageOrigin, int permitsPerMinute, Func<HttpContext, Task> onRejected, Func<string, Exception> configError)
    {
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = bodyLimit;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            foreach (Uri url in listen)
            {
                if (url.Scheme != "https")
                {
                    throw configError("listen: https:// only.");
                }

                IPAddress address = url.Host is "localhost" ? IPAddress.Loopback
                    : IPAddress.TryParse(url.Host, out IPAddress? ip) ? ip
                    : throw configError($"listen: give an IP address, not a host name ({url.Host}).");
                k.Listen(address, url.Port, o => o.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                }));
            }
        });
        builder.Services.AddCors(o => o.AddPolicy(CorsPolicy, p =>
        {
            if (pageOrigin is not null)
            {
                p.WithOrigins(pageOrigin).WithMethods("GET", "POST").WithHeaders("Content-Type");
            }
        }));
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            o.OnRejected = async (ctx, ct) => await onRejected(ctx.HttpContext);
            o.AddPolicy(SubmitLimiter, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
    }

    /// <summary>The <c>/operator</c> group: every endpoint in it refuses a request that carries an <c>Origin</c> header
    /// (403 <c>origin_refused</c>: a browser page cannot reach it) and then one without the operator's bearer token
    /// (401 <c>operator_credential</c>, naming whose credential: "provider", "counter").</summary>
    public static RouteGroupBuilder OperatorGroup(IEndpointRouteBuilder app, byte[] tokenSha256, string operatorOf, JsonSerializerOptions json) =>
        app.MapGroup("/operator").AddEndpointFilter(async (ctx, next) =>
        {
            HttpContext http = ctx.HttpContext;
            if (http.Request.Headers.Origin.Count > 0)
            {
                return ErrorResult(403, "origin_refused", "Operator endpoints cannot be called from a web page.", json);
            }

            if (!Authorised(http, tokenSha256))
            {
                return ErrorResult(401, "operator_credential", $"This needs the {operatorOf} operator's credential (Authorization: Bearer <token>).", json);
            }

            return await next(ctx);
        });

    /// <summary>The result <c>{"error":{"code","message"}}</c> with the status.</summary>
    public static IResult ErrorResult(int status, string code, string message, JsonSerializerOptions json) =>
        Results.Json(new { error = new { code, message } }, json, statusCode: status);

    /// <summary>Serves a static page from <paramref name="root"/> at <c>/</c> with the generated <c>/config.json</c>
    /// (<paramref name="configJson"/>), and on every response outside <c>/api</c> and <c>/operator</c> a
    /// Content-Security-Policy that lets the page load only its own files and connect only to itself and
    /// <paramref name="connectOrigins"/> (nothing third-party), <c>nosniff</c>, <c>no-referrer</c> and <c>no-cache</c>.</summary>
    public static void MapPage(WebApplication app, string root, byte[] configJson, IEnumerable<string> connectOrigins)
    {
        string connect = string.Join(' ', connectOrigins.Distinct(StringComparer.Ordinal));
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

    /// <summary>Whether the request carries the operator's bearer token: its SHA-256 compared in constant time with the
    /// configured hash (the token itself is never stored).</summary>
    public static bool Authorised(HttpContext http, byte[] tokenSha256)
    {
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, tokenSha256);
    }

    /// <summary>Reads a JSON body of at most <paramref name="limit"/> bytes, whether or not the client declared its
    /// length; a body over the limit is refused without being kept.</summary>
    public static async Task<(byte[]? Body, BodyProblem Problem)> ReadJsonBodyAsync(HttpContext ctx, long limit)
    {
        string? type = ctx.Request.ContentType;
        if (type is null || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, BodyProblem.UnsupportedMediaType);
        }

        if (ctx.Request.ContentLength > limit)
        {
            return (null, BodyProblem.TooLarge);
        }

        var buffer = new MemoryStream();
        try
        {
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return (null, BodyProblem.TooLarge);
        }

        return buffer.Length > limit ? (null, BodyProblem.TooLarge) : (buffer.ToArray(), BodyProblem.None);
    }

    /// <summary>Writes <c>{"error":{"code","message"}}</c> with the status.</summary>
    public static async Task WriteErrorAsync(HttpContext ctx, int status, string code, string message, JsonSerializerOptions json)
    {
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new { error = new { code, message } }, json);
    }

    /// <summary>Writes <c>{"receipt": …}</c> around the signed receipt's JSON bytes.</summary>
    public static async Task WriteReceiptAsync(HttpContext ctx, byte[] receipt)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync("{\"receipt\":"u8.ToArray());
        await ctx.Response.Body.WriteAsync(receipt);
        await ctx.Response.Body.WriteAsync("}"u8.ToArray());
    }
}
