using MpcSortition.Samples;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using MpcSortition.Protocols;
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
    private const string CorsPolicy = ServiceHttp.CorsPolicy;
    private const string SubmitLimiter = ServiceHttp.SubmitLimiter;
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
        ServiceHttp.ConfigureHost(builder, config.Listen, config.Certificate, bodyLimit, config.PageOrigin, config.SubmitPermitsPerMinute,
            http => WriteError(http, BallotError.RateLimited), message => new BallotFileException(message));
        customize?.Invoke(builder);

        BallotStore store = BallotStore.Open(config.DatabasePath, config.Round.Hash);
        var agreement = new PeerRoundAgreement(config.Party, config.Round.Hash, config.Peers.Select(p => new PeerRoundAgreement.Peer(p.Party, p.Url, () => p.Certificate)), TimeSpan.FromMilliseconds(500), "ballots");
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

        var op = ServiceHttp.OperatorGroup(app, config.OperatorTokenSha256, "counter", Json);
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

        int counting = 0;
        op.MapPost("/count", async () =>
        {
            if (IsOpen(config, store))
            {
                return Error(409, "still_open", $"Close the vote first (the deadline is {config.Round.DeadlineUtc:u}).");
            }

            if (config.MpcListen is null || config.Peers.Count != 2 || config.Peers.Any(p => p.Mpc is null))
            {
                return Error(409, "not_configured", "Counting needs \"mpc\" (this counter's listening address) and both peers' \"mpc\" addresses in the configuration.");
            }

            if (Interlocked.Exchange(ref counting, 1) == 1)
            {
                return Error(409, "count_running", "A count is already running at this counter.");
            }

            try
            {
                return Results.Json(await CountAsync(config, store, log, app.Lifetime.ApplicationStopping), Json);
            }
            catch (CountException e)
            {
                return Error(409, e.Code, e.Message);
            }
            catch (PeerException e)
            {
                return Error(502, "peer_failed", e.Message);
            }
            finally
            {
                Volatile.Write(ref counting, 0);
            }
        });

        agreement.Start(app.Lifetime.ApplicationStopping);
        return app;
    }

    /// <summary>The count at this counter: links to both peers over mutual TLS, <see cref="CounterSession.RunAsync"/>, the result written owner-only next to the database.</summary>
    private static async Task<object> CountAsync(BallotConfig config, BallotStore store, ILogger log, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var endpoints = new EndPoint[3];
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2[3];
        endpoints[config.Party] = config.MpcListen!;
        certificates[config.Party] = config.Certificate;
        foreach (PeerCounter p in config.Peers)
        {
            endpoints[p.Party] = p.Mpc!;
            certificates[p.Party] = p.Certificate;
        }

        int me = config.Party;
        CounterBallot[] mine = [.. (await store.ReadAllAsync()).Select(b => new CounterBallot(b.CodeHash, b.SubmissionId, b.CommitDigest, b.Sequence,
            b.Own with { Column = me }, b.Previous with { Column = (me + 2) % 3 }, b.Commitments))];
        log.LogInformation("Count: waiting up to {Seconds} s for the peers' MPC links.", (int)config.MpcConnectTimeout.TotalSeconds);
        ITransport transport = await TlsTransport.ConnectAsync(new TlsTransportOptions
        {
            PartyIndex = me,
            Endpoints = endpoints,
            ListenEndPoint = config.MpcListen,
            Certificate = config.Certificate,
            PeerCertificates = certificates,
            ConnectTimeout = config.MpcConnectTimeout,
            ConnectionRefused = r => log.LogWarning("Count: dropped a connection to the MPC port that is not a peer ({Refused}).", r.ToString()),
        }, ct);
        CounterResult r;
        try
        {
            r = await CounterSession.RunAsync(transport, me, config.Round, mine, config.Engine, ct: ct);
        }
        finally
        {
            // The count's black box disposes the links when it ends; a count refused before the black box exists (another
            // round or engine at a peer) closes them here instead of leaving them to the garbage collector.
            await transport.DisposeAsync();
        }

        TallyOutcome o = r.Outcome;
        var result = new
        {
            round = config.Round.RoundId,
            roundHash = config.Round.Hash,
            party = me,
            engine = EngineSetting.Name(config.Engine),
            pool = new { rows = r.Pool.Rows.Count, dropped = r.Pool.DroppedCodes, superseded = r.Pool.SupersededRows, partial = r.Pool.PartialRows },
            validBallots = o.CountedBallots,
            excluded = new { count = r.Valid.Count(v => !v), codeHashes = r.Rows.Where((_, i) => !r.Valid[i]).Select(b => b.CodeHash) },
            tally = o.Tally is null ? null : config.Round.Options.Select((opt, k) => new { option = opt.Name, label = opt.Label, votes = o.Tally[k] }),
            named = o.Named.Select(a => new { party = a.Party, reason = a.Reason }),
            notes = o.Notes,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
            traffic = new { rounds = r.Cost.Rounds, bytesSent = r.Cost.BytesSent, bytesReceived = r.Cost.BytesReceived },
        };
        string file = Path.Combine(Path.GetDirectoryName(config.DatabasePath)!, "count-result.json");
        Selection.Providers.OwnerOnlyFile.Write(file, s => JsonSerializer.Serialize(s, result, Json));
        log.LogInformation("Count: {Valid} valid ballots counted, {Excluded} excluded, {Named} counter(s) named, {Seconds:F2} s.", o.CountedBallots, r.Valid.Count(v => !v), o.NamedParties.Count, clock.Elapsed.TotalSeconds);
        return result;
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
        ServiceHttp.MapPage(app, root, pageConfig, origins);
    }

    private static bool IsOpen(BallotConfig config, BallotStore store) => !store.IsClosed && config.Clock() <= config.Round.DeadlineUtc;

    private static async Task<byte[]?> ReadBody(HttpContext ctx, long limit)
    {
        (byte[]? body, BodyProblem problem) = await ServiceHttp.ReadJsonBodyAsync(ctx, limit);
        if (problem != BodyProblem.None)
        {
            await WriteError(ctx, problem == BodyProblem.TooLarge ? BallotError.TooLarge(limit) : BallotError.UnsupportedMediaType);
        }

        return body;
    }

    private static IResult Error(int status, string code, string message) => ServiceHttp.ErrorResult(status, code, message, Json);

    private static Task WriteError(HttpContext ctx, BallotError error) => ServiceHttp.WriteErrorAsync(ctx, error.Status, error.Code, error.Message, Json);

    private static Task WriteReceipt(HttpContext ctx, byte[] receipt) => ServiceHttp.WriteReceiptAsync(ctx, receipt);
}
