using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.FileProviders;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot;

/// <summary>
/// One counter's web service (HTTPS only). Public (CORS for the page's origin): <c>GET /api/v1/round</c>,
/// <c>GET /api/v1/status</c>, <c>POST /api/v1/ballots</c>, <c>POST /api/v1/withdrawals</c>. Operator
/// (<c>Authorization: Bearer</c>, refused when an <c>Origin</c> header is present, no CORS): <c>POST /operator/close</c>,
/// <c>GET /operator/history</c> (public metadata), <c>GET /operator/export</c> (this counter's shares, for the count).
/// No request body, code, share or receipt is ever logged.
/// </summary>
internal static class BallotApp
{
    private const string CorsPolicy = "page";
    private const string SubmitLimiter = "submit";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Largest accepted body: two columns of m words, two nonces, three commitments, and room for the rest.</summary>
    public static long MaxBodyBytes(BallotRound round) => 1024 + 2 * 12L * round.M + 3 * (2 * ShareCommitment.Bytes + 4) + 2 * 80;

    public static WebApplication Build(BallotConfig config, Action<WebApplicationBuilder>? customize = null)
    {
        OwnerOnly.SetUmask();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("MpcSortition.Ballot", LogLevel.Information);
        long bodyLimit = MaxBodyBytes(config.Round);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = bodyLimit;
            foreach (Uri url in config.Listen)
            {
                if (url.Scheme != "https")
                {
                    throw new BallotFileException("listen: https:// only.");
                }

                IPAddress address = url.Host is "localhost" ? IPAddress.Loopback
                    : IPAddress.TryParse(url.Host, out IPAddress? ip) ? ip
                    : throw new BallotFileException($"listen: give an IP address, not a host name ({url.Host}).");
                k.Listen(address, url.Port, o => o.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = config.Certificate,
                    SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                }));
            }
        });
        builder.Services.AddCors(o => o.AddPolicy(CorsPolicy, p =>
        {
            if (config.PageOrigin is not null)
            {
                p.WithOrigins(config.PageOrigin).WithMethods("GET", "POST").WithHeaders("Content-Type");
            }
        }));
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            o.OnRejected = async (ctx, ct) => await WriteError(ctx.HttpContext, BallotError.RateLimited);
            o.AddPolicy(SubmitLimiter, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = config.SubmitPermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        customize?.Invoke(builder);

        BallotStore store = BallotStore.Open(config.DatabasePath, config.Round.Hash);
        var agreement = new PeerAgreement(config);
        WebApplication app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());
        ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MpcSortition.Ballot");
        if (config.PageDirectory is not null)
        {
            MapPage(app, config);
        }

        app.UseCors();
        app.UseRateLimiter();
        var api = app.MapGroup("/api/v1").RequireCors(CorsPolicy);
        byte[] roundJson = config.Round.ToJson(indented: false);
        api.MapGet("/round", () => Results.Bytes(roundJson, "application/json"));
        api.MapGet("/status", () => Results.Json(new
        {
            round = config.Round.RoundId, roundHash = config.Round.Hash, party = config.Party, open = IsOpen(config, store),
            deadlineUtc = config.Round.DeadlineUtc.UtcDateTime, ballots = store.CurrentCount, peersAgree = agreement.Agreed,
        }, Json));
        api.MapPost("/ballots", async (HttpContext ctx) =>
        {
            if (await ReadBody(ctx, bodyLimit) is not { } body)
            {
                return;
            }

            if (!BallotPart.TryParse(body, config.Round, config.Party, out BallotPart? part, out BallotError? error))
            {
                await WriteError(ctx, error);
                return;
            }

            string codeHash = InvitationCode.Hash(config.Round.CodeSalt, part.Code);
            if (!config.VoterCodeHashes.Contains(codeHash))
            {
                await WriteError(ctx, BallotError.UnknownCode);
                return;
            }

            if (!agreement.Agreed)
            {
                await WriteError(ctx, BallotError.NotReady);
                return;
            }

            DateTimeOffset now = config.Clock();
            if (store.IsClosed || now > config.Round.DeadlineUtc)
            {
                await WriteError(ctx, BallotError.Closed(config.Round.DeadlineUtc));
                return;
            }

            string stored = part.StoredDigest(codeHash);
            byte[] receipt = IntakeReceipt.SignStored(config.Certificate, config.Round.RoundId, config.Party, codeHash, part.SubmissionId, stored, now).ToJson();
            (StoreOutcome outcome, byte[]? kept) = await store.SubmitAsync(part, codeHash, stored, receipt, now, config.Round.DeadlineUtc);
            switch (outcome)
            {
                case StoreOutcome.Closed:
                    await WriteError(ctx, BallotError.Closed(config.Round.DeadlineUtc));
                    return;
                case StoreOutcome.Conflict:
                    await WriteError(ctx, BallotError.Conflict);
                    return;
                default:
                    ctx.Response.StatusCode = outcome == StoreOutcome.Stored ? 201 : 200;
                    await WriteReceipt(ctx, kept!);
                    return;
            }
        }).RequireRateLimiting(SubmitLimiter);
        api.MapPost("/withdrawals", async (HttpContext ctx) =>
        {
            if (await ReadBody(ctx, bodyLimit) is not { } body)
            {
                return;
            }

            if (!BallotPart.TryParseWithdrawal(body, config.Round, out string? code, out BallotError? error))
            {
                await WriteError(ctx, error);
                return;
            }

            string codeHash = InvitationCode.Hash(config.Round.CodeSalt, code);
            if (!config.VoterCodeHashes.Contains(codeHash))
            {
                await WriteError(ctx, BallotError.UnknownCode);
                return;
            }

            DateTimeOffset now = config.Clock();
            (StoreOutcome outcome, int deleted) = await store.WithdrawAsync(codeHash, now, config.Round.DeadlineUtc);
            if (outcome == StoreOutcome.Closed)
            {
                await WriteError(ctx, BallotError.Closed(config.Round.DeadlineUtc));
                return;
            }

            if (deleted == 0)
            {
                await WriteError(ctx, BallotError.NothingStored);
                return;
            }

            await WriteReceipt(ctx, IntakeReceipt.SignWithdrawn(config.Certificate, config.Round.RoundId, config.Party, codeHash, now).ToJson());
        }).RequireRateLimiting(SubmitLimiter);

        var op = app.MapGroup("/operator").AddEndpointFilter(async (ctx, next) =>
        {
            HttpContext http = ctx.HttpContext;
            if (http.Request.Headers.Origin.Count > 0)
            {
                return Error(403, "origin_refused", "Operator endpoints cannot be called from a web page.");
            }

            if (!Authorised(http, config.OperatorTokenSha256))
            {
                return Error(401, "operator_credential", "This needs the counter operator's credential (Authorization: Bearer <token>).");
            }

            return await next(ctx);
        });
        op.MapPost("/close", async () =>
        {
            await store.CloseAsync();
            log.LogInformation("Operator closed the vote with {Count} current ballots.", store.CurrentCount);
            return Results.Json(new { closed = true, ballots = store.CurrentCount }, Json);
        });
        op.MapGet("/history", async () => Results.Json(new
        {
            party = config.Party, round = config.Round.RoundId, roundHash = config.Round.Hash,
            entries = (await store.ReadAllAsync()).Select(b => new { codeHash = b.CodeHash, submission = b.SubmissionId, commitDigest = b.CommitDigest, sequence = b.Sequence }),
        }, Json));
        op.MapGet("/export", async () =>
        {
            if (IsOpen(config, store))
            {
                return Error(409, "still_open", $"Close the vote first (the deadline is {config.Round.DeadlineUtc:u}).");
            }

            List<StoredBallot> all = await store.ReadAllAsync();
            log.LogInformation("Operator exported {Count} ballot parts for the count.", all.Count);
            return Results.Json(new
            {
                party = config.Party, round = config.Round.RoundId, roundHash = config.Round.Hash,
                ballots = all.Select(b => new
                {
                    sequence = b.Sequence, codeHash = b.CodeHash, submission = b.SubmissionId, commitDigest = b.CommitDigest,
                    own = new { shares = b.Own.Shares, nonce = Convert.ToHexStringLower(b.Own.Nonce) },
                    previous = new { shares = b.Previous.Shares, nonce = Convert.ToHexStringLower(b.Previous.Nonce) },
                    commitments = b.Commitments,
                }),
            }, Json);
        });

        agreement.Start(app.Lifetime.ApplicationStopping);
        return app;
    }

    private static void MapPage(WebApplication app, BallotConfig config)
    {
        string root = config.PageDirectory!;
        if (!File.Exists(Path.Combine(root, "index.html")) || !File.Exists(Path.Combine(root, "ballot.js")))
        {
            throw new BallotFileException($"page {root}: not the ballot page's folder (index.html and ballot.js are missing).");
        }

        var urls = new Uri?[3];
        urls[config.Party] = config.Listen[0];
        foreach (PeerCounter p in config.Peers)
        {
            urls[p.Party] = p.Url;
        }

        if (urls.Any(u => u is null))
        {
            throw new BallotFileException("The ballot page needs all three counters: configure both peers.");
        }

        string[] origins = [.. urls.Select(u => u!.GetLeftPart(UriPartial.Authority))];
        byte[] pageConfig = JsonSerializer.SerializeToUtf8Bytes(new { counters = origins.Select((o, i) => new { name = $"Counter {i} ({new Uri(o).Authority})", url = o }) });
        string csp = $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' {string.Join(' ', origins.Distinct())}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        var files = new PhysicalFileProvider(root);
        app.Use(async (ctx, next) =>
        {
            if (!ctx.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) && !ctx.Request.Path.StartsWithSegments("/operator", StringComparison.Ordinal))
            {
                ctx.Response.Headers.ContentSecurityPolicy = csp;
                ctx.Response.Headers.XContentTypeOptions = "nosniff";
                ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
                ctx.Response.Headers.CacheControl = "no-cache";
            }

            await next();
        });
        app.MapGet("/config.json", () => Results.Bytes(pageConfig, "application/json"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }

    private static bool IsOpen(BallotConfig config, BallotStore store) => !store.IsClosed && config.Clock() <= config.Round.DeadlineUtc;

    private static bool Authorised(HttpContext http, byte[] tokenSha256)
    {
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, tokenSha256);
    }

    private static async Task<byte[]?> ReadBody(HttpContext ctx, long limit)
    {
        string? type = ctx.Request.ContentType;
        if (type is null || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await WriteError(ctx, BallotError.UnsupportedMediaType);
            return null;
        }

        if (ctx.Request.ContentLength > limit)
        {
            await WriteError(ctx, BallotError.TooLarge(limit));
            return null;
        }

        var buffer = new MemoryStream();
        try
        {
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            await WriteError(ctx, BallotError.TooLarge(limit));
            return null;
        }

        return buffer.ToArray();
    }

    private static IResult Error(int status, string code, string message) => Results.Json(new { error = new { code, message } }, Json, statusCode: status);

    private static async Task WriteError(HttpContext ctx, BallotError error)
    {
        ctx.Response.StatusCode = error.Status;
        await ctx.Response.WriteAsJsonAsync(new { error = new { code = error.Code, message = error.Message } }, Json);
    }

    private static async Task WriteReceipt(HttpContext ctx, byte[] receipt)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync("{\"receipt\":"u8.ToArray());
        await ctx.Response.Body.WriteAsync(receipt);
        await ctx.Response.Body.WriteAsync("}"u8.ToArray());
    }
}
