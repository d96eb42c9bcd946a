using System.Security.Cryptography.X509Certificates;
using MpcSortition.Samples;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Provider;

/// <summary>
/// The provider's web service. Public endpoints (CORS for the page's origin only): <c>GET /api/v1/round</c>,
/// <c>GET /api/v1/status</c>, <c>POST /api/v1/submissions</c>, <c>POST /api/v1/withdrawals</c>,
/// <c>GET /api/v1/root</c> (the signed root of the accepted submissions), <c>GET /api/v1/receipts/{submissionId}</c> and
/// <c>POST /api/v1/receipts</c> (by code, in the body: a volunteer's inclusion proof). Operator endpoints
/// (<c>/operator/…</c>): need <c>Authorization: Bearer &lt;token&gt;</c>, have no CORS, and refuse any request that
/// carries an <c>Origin</c> header (a browser page cannot reach them). HTTPS only; no request body, code or share is
/// ever logged.
/// </summary>
internal static class ProviderApp
{
    private const string CorsPolicy = ServiceHttp.CorsPolicy;
    private const string SubmitLimiter = ServiceHttp.SubmitLimiter;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<WebApplication> BuildAsync(ProviderConfig config, Action<WebApplicationBuilder>? customize = null)
    {
        FileModes.OwnerOnly();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("MpcSortition.Provider", LogLevel.Information);
        long bodyLimit = MaxBodyBytes(config.Round);
        ServiceHttp.ConfigureHost(builder, config.Listen, config.Certificate, bodyLimit, config.PageOrigin, config.SubmitPermitsPerMinute,
            http => WriteError(http, IntakeError.RateLimited), message => new ConfigException(message));
        customize?.Invoke(builder);

        IntakeStore store = IntakeStore.Open(config.DatabasePath, config.Round.Hash);
        var agreement = new PeerRoundAgreement(config.Party, config.Round.Hash, config.Peers.Select(p => new PeerRoundAgreement.Peer(p.Party, p.Url, () => X509CertificateLoader.LoadCertificateFromFile(p.CertificatePath))), TimeSpan.FromSeconds(2), "submissions");
        var roots = new SubmissionRoots(config, store);
        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());
        ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MpcSortition.Provider");
        app.UseCors();
        app.UseRateLimiter();

        var api = app.MapGroup("/api/v1").RequireCors(CorsPolicy);
        byte[] roundJson = RoundJson(config.Round);
        api.MapGet("/round", () => Results.Bytes(roundJson, "application/json"));
        api.MapGet("/status", () => Results.Json(new StatusBody(config.Round.RoundId, config.Round.Hash, config.Party, IsOpen(config, store),
            config.Round.DeadlineUtc.UtcDateTime, store.CurrentCount, agreement.Agreed), Json));
        api.MapPost("/submissions", async (HttpContext ctx) =>
        {
            if (await ReadBody(ctx, bodyLimit) is not { } body)
            {
                return;
            }

            if (!Submission.TryParse(body, config.Round, config.Party, out Submission? s, out IntakeError? error))
            {
                await WriteError(ctx, error);
                return;
            }

            string codeHash = InvitationCode.Hash(config.Round.CodeSalt, s.Code);
            if (!config.InvitationHashes.Contains(codeHash))
            {
                await WriteError(ctx, IntakeError.UnknownCode);
                return;
            }

            if (!agreement.Agreed)
            {
                await ServiceHttp.WriteErrorAsync(ctx, 503, "not_ready", "This service is still checking with the other two services that all three run the same sign-up. Please try again in a minute.", Json);
                return;
            }

            DateTimeOffset now = config.Clock();
            if (store.IsClosed || now > config.Round.DeadlineUtc)
            {
                await WriteError(ctx, IntakeError.Closed(config.Round.DeadlineUtc));
                return;
            }

            byte[] signed = IntakeReceipt.SignStored(config.Certificate, s, codeHash, now).ToJson();
            (StoreOutcome outcome, byte[]? receipt) = await store.SubmitAsync(s, codeHash, signed, now, config.Round.DeadlineUtc);
            switch (outcome)
            {
                case StoreOutcome.Closed:
                    await WriteError(ctx, IntakeError.Closed(config.Round.DeadlineUtc));
                    return;
                case StoreOutcome.Conflict:
                    await WriteError(ctx, IntakeError.SubmissionConflict);
                    return;
                default:
                    ctx.Response.StatusCode = outcome == StoreOutcome.Stored ? 201 : 200;
                    await WriteReceipt(ctx, receipt!);
                    return;
            }
        }).RequireRateLimiting(SubmitLimiter);
        api.MapGet("/root", async () => await roots.GetAsync() is { } published
            ? Results.Text(published.Root.ToJson(), "application/json")
            : Error(404, "no_root", "The accepted submissions have no published root yet: it is signed when the providers reconcile their submissions after the close (at the selection)."));
        api.MapGet("/receipts/{submissionId}", async (string submissionId) =>
        {
            // A submission id is 32 hex digits. Never an invitation code in a web address (it would end up in histories
            // and logs): a code is refused with a message, and neither is ever logged.
            if (InvitationCode.TryNormalize(submissionId, out _))
            {
                return Error(400, "code_in_address", "That looks like an invitation code. Never put your code in a web address: ask with the submission id on your receipt, or send the code in the body of POST /api/v1/receipts.");
            }

            if (submissionId.Length != 32 || !submissionId.All(char.IsAsciiHexDigit))
            {
                return Error(400, "bad_submission_id", "A submission id is 32 hex digits (it is on your receipt).");
            }

            return await InclusionProof(roots, "this id", l => string.Equals(l.SubmissionId, submissionId, StringComparison.OrdinalIgnoreCase));
        }).RequireRateLimiting(SubmitLimiter);
        // A body naming one invitation code, as a withdrawal does: the code's hash, or null once the refusal is written.
        async Task<string?> ReadKnownCodeHashAsync(HttpContext ctx)
        {
            if (await ReadBody(ctx, bodyLimit) is not { } body)
            {
                return null;
            }

            if (!Submission.TryParseWithdrawal(body, config.Round, out string? code, out IntakeError? error))
            {
                await WriteError(ctx, error);
                return null;
            }

            string codeHash = InvitationCode.Hash(config.Round.CodeSalt, code);
            if (!config.InvitationHashes.Contains(codeHash))
            {
                await WriteError(ctx, IntakeError.UnknownCode);
                return null;
            }

            return codeHash;
        }

        api.MapPost("/receipts", async (HttpContext ctx) =>
        {
            // By code (in the body, as a withdrawal is): the receipt of this code's accepted submission.
            if (await ReadKnownCodeHashAsync(ctx) is not { } codeHash)
            {
                return;
            }

            IResult result = await InclusionProof(roots, "this code", l => string.Equals(l.CodeHash, codeHash, StringComparison.OrdinalIgnoreCase));
            await result.ExecuteAsync(ctx);
        }).RequireRateLimiting(SubmitLimiter);
        api.MapPost("/withdrawals", async (HttpContext ctx) =>
        {
            if (await ReadKnownCodeHashAsync(ctx) is not { } codeHash)
            {
                return;
            }

            (StoreOutcome outcome, int deleted) = await store.WithdrawAsync(codeHash, config.Clock, config.Round.DeadlineUtc);
            if (outcome == StoreOutcome.Closed)
            {
                await WriteError(ctx, IntakeError.Closed(config.Round.DeadlineUtc));
                return;
            }

            if (deleted == 0)
            {
                await WriteError(ctx, IntakeError.NothingStored);
                return;
            }

            await WriteReceipt(ctx, IntakeReceipt.SignWithdrawn(config.Certificate, config.Round.RoundId, config.Party, codeHash, config.Clock()).ToJson());
        }).RequireRateLimiting(SubmitLimiter);

        var op = ServiceHttp.OperatorGroup(app, config.OperatorTokenSha256, "provider", Json);
        op.MapPost("/close", async () =>
        {
            await store.CloseAsync();
            log.LogInformation("Operator closed the sign-up with {Count} current submissions.", store.CurrentCount);
            return Results.Json(new { closed = true, submissions = store.CurrentCount }, Json);
        });
        op.MapGet("/history", async () => Results.Json(new { party = config.Party, round = config.Round.RoundId, roundHash = config.Round.Hash,
            entries = (await store.HistoryAsync()).Select(e => new { codeHash = e.CodeHash, submission = e.SubmissionId, sequence = e.Sequence }) }, Json));
        op.MapPost("/reconcile", async (HttpContext ctx) =>
        {
            if (IsOpen(config, store))
            {
                return Error(409, "still_open", $"Close the sign-up first (the deadline is {config.Round.DeadlineUtc:u}).");
            }

            // The three histories of a whole round are far larger than a submission: lift Kestrel's body limit (sized
            // for submissions) for this authenticated operator request only.
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = MaxHistoriesBytes;
            }

            List<HistoryEntry>[]? histories;
            try
            {
                histories = await ReadHistories(ctx, config);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                return Error(400, "bad_histories", "Send {\"histories\":[h0,h1,h2]}, each as returned by GET /operator/history of provider 0, 1 and 2: " + e.Message);
            }

            ReconciledPool pool = Reconciliation.Reconcile(histories!);
            SignedRoot published;
            try
            {
                published = await roots.PublishAsync(pool.Rows);
            }
            catch (SelectException e)
            {
                return Error(e.Status, e.Code, e.Message);
            }

            await store.SavePoolAsync(pool.Rows);
            log.LogInformation("Reconciled: {Rows} rows, {Dropped} codes dropped, {Superseded} superseded, {Partial} partial.", pool.Rows.Count, pool.DroppedCodes, pool.SupersededRows, pool.PartialRows);
            return Results.Json(new { rows = pool.Rows.Count, dropped = pool.DroppedCodes, superseded = pool.SupersededRows, partial = pool.PartialRows,
                submissionRoot = JsonDocument.Parse(published.ToJson()).RootElement,
                pool = pool.Rows.Select(r => new { codeHash = r.CodeHash, submission = r.SubmissionId }) }, Json);
        });
        op.MapGet("/export", async () =>
        {
            var rows = await store.PoolSharesAsync();
            JsonElement? root = await roots.GetAsync() is { } published ? JsonDocument.Parse(published.Root.ToJson()).RootElement : null;
            return Results.Json(new { party = config.Party, round = config.Round.RoundId, valueCount = config.Round.ValueCount, contactBytes = config.Round.ContactBlockLength,
                submissionRoot = root,
                rows = rows.Select(r => new { codeHash = r.CodeHash, submission = r.SubmissionId, row = Convert.ToBase64String(r.Row), contact = Convert.ToBase64String(r.Contact) }) }, Json);
        });
        SelectEndpoints.Map(op, new ProviderSelection(config, store, roots, log), log, app.Lifetime.ApplicationStopping);

        agreement.Start(app.Lifetime.ApplicationStopping);
        await Task.CompletedTask;
        return app;
    }

    /// <summary>Upper bound on a reconcile request (three histories of about 150 bytes per submission).</summary>
    internal const long MaxHistoriesBytes = 1L << 30;

    internal static long MaxBodyBytes(SignupRound round) => 1024 + 12L * round.ValueCount + (round.ContactBlockLength + 2) / 3 * 4;

    private static bool IsOpen(ProviderConfig config, IntakeStore store) => !store.IsClosed && config.Clock() <= config.Round.DeadlineUtc;

    private static async Task<byte[]?> ReadBody(HttpContext ctx, long limit)
    {
        (byte[]? body, BodyProblem problem) = await ServiceHttp.ReadJsonBodyAsync(ctx, limit);
        if (problem != BodyProblem.None)
        {
            await WriteError(ctx, problem == BodyProblem.TooLarge ? IntakeError.TooLarge(limit) : IntakeError.UnsupportedMediaType);
        }

        return body;
    }

    private static async Task<List<HistoryEntry>[]> ReadHistories(HttpContext ctx, ProviderConfig config)
    {
        using JsonDocument doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        if (!doc.RootElement.TryGetProperty("histories", out JsonElement hs) || hs.ValueKind != JsonValueKind.Array || hs.GetArrayLength() != 3)
        {
            throw new InvalidDataException("\"histories\" must list three histories.");
        }

        var result = new List<HistoryEntry>[3];
        int p = 0;
        foreach (JsonElement h in hs.EnumerateArray())
        {
            if (!h.TryGetProperty("party", out JsonElement party) || party.GetInt32() != p || !h.TryGetProperty("roundHash", out JsonElement rh) || rh.GetString() != config.Round.Hash)
            {
                throw new InvalidDataException($"history {p} is not provider {p}'s history of this round.");
            }

            result[p] = h.GetProperty("entries").EnumerateArray()
                .Select(e => new HistoryEntry(e.GetProperty("codeHash").GetString()!, e.GetProperty("submission").GetString()!, e.GetProperty("sequence").GetInt64())).ToList();
            p++;
        }

        return result;
    }

    private static byte[] RoundJson(SignupRound round)
    {
        var ms = new MemoryStream();
        round.Save(ms);
        return ms.ToArray();
    }

    /// <summary>The inclusion proof (<see cref="SubmissionReceipt"/> JSON) of the accepted submission that
    /// <paramref name="match"/> finds under the published root. It reveals the submission's own leaf and sibling hashes
    /// only (each a hash of a code hash and a submission id), never another volunteer's id or code hash.</summary>
    private static async Task<IResult> InclusionProof(SubmissionRoots roots, string asked, Func<SubmissionLeaf, bool> match)
    {
        if (await roots.GetAsync() is not { } published)
        {
            return Error(404, "no_root", "The accepted submissions have no published root yet: it is signed when the providers reconcile their submissions after the close (at the selection). Please ask again later.");
        }

        SubmissionLeaf? leaf = published.Tree.Leaves.FirstOrDefault(match);
        return leaf is null
            ? Error(404, "not_accepted", $"No accepted submission under the published root has {asked}: the submission was replaced by a later correction, withdrawn, never sent, or did not reach all three providers (only submissions held by all three count). A correction has its own submission id.")
            : Results.Text(published.Tree.Receipt(leaf.SubmissionId).ToJson(), "application/json");
    }

    private static IResult Error(int status, string code, string message) => ServiceHttp.ErrorResult(status, code, message, Json);

    internal static Task WriteError(HttpContext ctx, IntakeError error) => ServiceHttp.WriteErrorAsync(ctx, error.Status, error.Code, error.Message, Json);

    private static Task WriteReceipt(HttpContext ctx, byte[] receipt) => ServiceHttp.WriteReceiptAsync(ctx, receipt);

    private sealed record StatusBody(string Round, string RoundHash, int Party, bool Open, DateTime DeadlineUtc, int Submissions, bool PeersAgree);
}
