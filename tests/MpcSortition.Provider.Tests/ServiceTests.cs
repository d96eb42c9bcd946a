using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

/// <summary>One provider (party 1) in memory (TestServer), with a settable clock and a temporary database.</summary>
internal sealed class TestProvider : IAsyncDisposable
{
    public const string Token = "operator-secret-token";
    private readonly WebApplication _app;
    private readonly string _dir;

    private TestProvider(WebApplication app, string dir, ProviderConfig config, List<string> codes)
    {
        _app = app;
        _dir = dir;
        Config = config;
        Codes = codes;
        Client = app.GetTestClient();
    }

    public ProviderConfig Config { get; }

    public List<string> Codes { get; }

    public HttpClient Client { get; }

    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public SignupRound Round => Config.Round;

    public string DatabasePath => Config.DatabasePath;

    public static async Task<TestProvider> StartAsync(int permits = 1000, int codes = 20, string? dir = null, SignupRound? round = null, int party = 1, List<string>? codeList = null)
    {
        dir ??= Path.Combine(Path.GetTempPath(), "intake-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(dir);
        round ??= TestRounds.Small();
        var list = codeList ?? Enumerable.Range(0, codes).Select(_ => InvitationCode.Generate()).ToList();
        TestProvider? self = null;
        var config = new ProviderConfig
        {
            Party = party,
            Round = round,
            Listen = [new Uri("https://127.0.0.1:1")],
            Certificate = TestRounds.Certificates[party],
            Peers = [],
            DatabasePath = Path.Combine(dir, "db", "intake.db"),
            InvitationHashes = list.Select(c => InvitationCode.Hash(round.CodeSalt, c)).ToHashSet(),
            PageOrigin = "https://page.example.org",
            OperatorTokenSha256 = SHA256.HashData(Encoding.UTF8.GetBytes(Token)),
            SubmitPermitsPerMinute = permits,
            Clock = () => self!.Now,
        };
        WebApplication app = await ProviderApp.BuildAsync(config, b => b.WebHost.UseTestServer());
        await app.StartAsync();
        self = new TestProvider(app, dir, config, list);
        return self;
    }

    public Submission Part(string code, int[] answers, string? id = null, string name = "Ann") =>
        IntakeContribution.Create(Round, code, answers, [name, "ann@example.org"], id)[1];

    public Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? origin = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> SubmitAsync(Submission s) => PostAsync("/api/v1/submissions", s.ToJson());

    public static async Task<string> ErrorCode(HttpResponseMessage r)
    {
        using JsonDocument d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return d.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }

    public static async Task<IntakeReceipt> Receipt(HttpResponseMessage r)
    {
        using JsonDocument d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return IntakeReceipt.Parse(Encoding.UTF8.GetBytes(d.RootElement.GetProperty("receipt").GetRawText()));
    }

    public async Task<int> StatusCount()
    {
        using JsonDocument d = JsonDocument.Parse(await Client.GetStringAsync("/api/v1/status"));
        return d.RootElement.GetProperty("submissions").GetInt32();
    }

    public long Rows(string where = "1=1")
    {
        using var db = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = "SELECT COUNT(*) FROM submissions WHERE " + where;
        return (long)c.ExecuteScalar()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class ServiceTests
{
    [Fact]
    public async Task AcceptedSubmissionGetsAVerifiableReceiptAndIsStoredWhole()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        Submission s = p.Part(p.Codes[0], [0, 1, 1]);
        HttpResponseMessage r = await p.SubmitAsync(s);
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        IntakeReceipt receipt = await TestProvider.Receipt(r);
        Assert.True(receipt.Verify(TestRounds.PublicOnly(TestRounds.Certificates[1])));
        Assert.False(receipt.Verify(TestRounds.PublicOnly(TestRounds.Certificates[0])));
        string codeHash = InvitationCode.Hash(p.Round.CodeSalt, s.Code);
        Assert.Equal(codeHash, receipt.CodeHash);
        Assert.Equal(s.StoredDigest(codeHash), receipt.StoredSha256);
        Assert.Equal(1, await p.StatusCount());
        Assert.Equal(1, p.Rows($"stored_sha256 = '{receipt.StoredSha256}' AND row = x'{Convert.ToHexString(s.RowBytes())}'"));
    }

    [Fact]
    public async Task RetryIsIdempotentAndResubmissionSupersedesKeepingHistory()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        Submission first = p.Part(p.Codes[0], [0, 1, 1]);
        IntakeReceipt r1 = await TestProvider.Receipt(await p.SubmitAsync(first));
        HttpResponseMessage retry = await p.SubmitAsync(first);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        IntakeReceipt r1again = await TestProvider.Receipt(retry);
        Assert.Equal(r1.SignedText, r1again.SignedText);
        Assert.Equal(1, await p.StatusCount());

        // Same submission id, other content: refused.
        Submission forged = p.Part(p.Codes[0], [1, 1, 1], first.SubmissionId);
        HttpResponseMessage conflict = await p.SubmitAsync(forged);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("submission_conflict", await TestProvider.ErrorCode(conflict));

        Submission second = p.Part(p.Codes[0], [1, 0, 0]);
        Assert.Equal(HttpStatusCode.Created, (await p.SubmitAsync(second)).StatusCode);
        Assert.Equal(1, await p.StatusCount());
        Assert.Equal(2, p.Rows());
        Assert.Equal(1, p.Rows($"current = 1 AND submission_id = '{second.SubmissionId}'"));
    }

    [Fact]
    public async Task WithdrawalDeletesEveryShareOfThatPersonOnly()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        await p.SubmitAsync(p.Part(p.Codes[0], [0, 1, 1]));
        await p.SubmitAsync(p.Part(p.Codes[0], [0, 2, 1]));
        await p.SubmitAsync(p.Part(p.Codes[1], [1, 2, 1]));
        byte[] body = Encoding.UTF8.GetBytes($"{{\"format\":1,\"round\":\"{p.Round.RoundId}\",\"code\":\"{InvitationCode.Format(p.Codes[0])}\"}}");
        HttpResponseMessage r = await p.PostAsync("/api/v1/withdrawals", body);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        IntakeReceipt receipt = await TestProvider.Receipt(r);
        Assert.Equal("withdrawn", receipt.Action);
        Assert.True(receipt.Verify(TestRounds.PublicOnly(TestRounds.Certificates[1])));
        Assert.Equal(1, p.Rows());
        Assert.Equal(0, p.Rows($"code_hash = '{InvitationCode.Hash(p.Round.CodeSalt, p.Codes[0])}'"));
        Assert.Equal(1, await p.StatusCount());
        HttpResponseMessage again = await p.PostAsync("/api/v1/withdrawals", body);
        Assert.Equal("nothing_stored", await TestProvider.ErrorCode(again));
    }

    [Fact]
    public async Task EveryRefusalOverHttpHasItsCodeAndStoresNothing()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        string code = p.Codes[0];
        Submission good = p.Part(code, [0, 0, 0]);
        string json = Encoding.UTF8.GetString(good.ToJson());
        var cases = new List<(byte[] Body, string Code, HttpStatusCode Status)>
        {
            (Encoding.UTF8.GetBytes("{"), "malformed", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace("\"format\":1", "\"format\":9")), "unsupported_version", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace(p.Round.RoundId, new string('0', 32))), "wrong_round", HttpStatusCode.BadRequest),
            (IntakeContribution.Create(p.Round, code, [0, 0, 0], ["A", "B"])[2].ToJson(), "wrong_party", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace(code, code[..16] + (code[16] == 'A' ? 'B' : 'A'))), "invalid_code", HttpStatusCode.BadRequest),
            (p.Part(InvitationCode.Generate(), [0, 0, 0]).ToJson(), "unknown_code", HttpStatusCode.Forbidden),
            (Encoding.UTF8.GetBytes(json.Replace(good.SubmissionId, "nothex")), "bad_submission_id", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace("\"row\":[", "\"row\":[5,")), "bad_row_length", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace("\"row\":[", "\"row\":[-1,")), "bad_row_value", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace("\"contact\":\"", "\"contact\":\"AAAA")), "bad_contact", HttpStatusCode.BadRequest),
            (Encoding.UTF8.GetBytes(json.Replace("\"contact\":\"", "\"padding\":\"" + new string('x', 100_000) + "\",\"contact\":\"")), "too_large", HttpStatusCode.RequestEntityTooLarge),
        };
        foreach ((byte[] body, string expected, HttpStatusCode status) in cases)
        {
            HttpResponseMessage r = await p.PostAsync("/api/v1/submissions", body);
            Assert.Equal(status, r.StatusCode);
            Assert.Equal(expected, await TestProvider.ErrorCode(r));
        }

        var plain = new HttpRequestMessage(HttpMethod.Post, "/api/v1/submissions") { Content = new ByteArrayContent(good.ToJson()) };
        plain.Content.Headers.ContentType = new("text/plain");
        HttpResponseMessage media = await p.Client.SendAsync(plain);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, media.StatusCode);
        Assert.Equal("unsupported_media_type", await TestProvider.ErrorCode(media));
        Assert.Equal(0, p.Rows());
    }

    [Fact]
    public async Task AfterTheDeadlineEverythingIsRefusedNamingTheDeadline()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await p.SubmitAsync(p.Part(p.Codes[0], [0, 0, 0]))).StatusCode);
        p.Now = p.Round.DeadlineUtc.AddSeconds(1);
        HttpResponseMessage r = await p.SubmitAsync(p.Part(p.Codes[1], [0, 0, 0]));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        string text = await r.Content.ReadAsStringAsync();
        Assert.Contains("\"closed\"", text);
        Assert.Contains(p.Round.DeadlineUtc.UtcDateTime.ToString("HH:mm"), text);
        Assert.Contains(p.Round.DeadlineUtc.UtcDateTime.Year.ToString(), text);
        byte[] withdraw = Encoding.UTF8.GetBytes($"{{\"format\":1,\"round\":\"{p.Round.RoundId}\",\"code\":\"{p.Codes[0]}\"}}");
        Assert.Equal("closed", await TestProvider.ErrorCode(await p.PostAsync("/api/v1/withdrawals", withdraw)));
        using JsonDocument status = JsonDocument.Parse(await p.Client.GetStringAsync("/api/v1/status"));
        Assert.False(status.RootElement.GetProperty("open").GetBoolean());
        Assert.Equal(1, status.RootElement.GetProperty("submissions").GetInt32());
        Assert.Equal(1, p.Rows());
    }

    [Fact]
    public async Task SubmitIsRateLimitedPerAddress()
    {
        await using TestProvider p = await TestProvider.StartAsync(permits: 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await p.SubmitAsync(p.Part(p.Codes[i], [0, 0, 0]))).StatusCode);
        }

        HttpResponseMessage r = await p.SubmitAsync(p.Part(p.Codes[3], [0, 0, 0]));
        Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
        Assert.Equal("rate_limited", await TestProvider.ErrorCode(r));
        Assert.Equal(HttpStatusCode.OK, (await p.Client.GetAsync("/api/v1/status")).StatusCode); // status is not limited
        Assert.Equal(3, p.Rows());
    }

    [Fact]
    public async Task OperatorEndpointsNeedTheCredentialAndRefuseThePagesOrigin()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        foreach (string path in new[] { "/operator/close", "/operator/reconcile", "/operator/select" })
        {
            HttpResponseMessage none = await p.PostAsync(path, "{}"u8.ToArray());
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            HttpResponseMessage wrong = await p.PostAsync(path, "{}"u8.ToArray(), token: "guess");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            HttpResponseMessage fromPage = await p.PostAsync(path, "{}"u8.ToArray(), origin: "https://page.example.org", token: TestProvider.Token);
            Assert.Equal(HttpStatusCode.Forbidden, fromPage.StatusCode);
            Assert.Equal("origin_refused", await TestProvider.ErrorCode(fromPage));
            Assert.False(fromPage.Headers.Contains("Access-Control-Allow-Origin"));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await p.Client.GetAsync("/operator/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await p.Client.GetAsync("/operator/history")).StatusCode);

        // A CORS preflight from the page is answered for the public endpoints only.
        async Task<bool> Preflight(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", "https://page.example.org");
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
            HttpResponseMessage r = await p.Client.SendAsync(request);
            return r.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) && v.Contains("https://page.example.org");
        }

        Assert.True(await Preflight("/api/v1/submissions"));
        Assert.False(await Preflight("/operator/close"));
        var evil = new HttpRequestMessage(HttpMethod.Options, "/api/v1/submissions");
        evil.Headers.Add("Origin", "https://evil.example.org");
        evil.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.False((await p.Client.SendAsync(evil)).Headers.Contains("Access-Control-Allow-Origin"));

        // With the credential: close, then no more submissions.
        Assert.Equal(HttpStatusCode.OK, (await p.PostAsync("/operator/close", [], token: TestProvider.Token)).StatusCode);
        Assert.Equal("closed", await TestProvider.ErrorCode(await p.SubmitAsync(p.Part(p.Codes[0], [0, 0, 0]))));
    }

    [Fact]
    public async Task CloseReconcileExportGivesTheLatestCommonRowInPoolOrder()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        Submission a1 = p.Part(p.Codes[0], [0, 0, 0]), a2 = p.Part(p.Codes[0], [1, 0, 0]), b1 = p.Part(p.Codes[1], [0, 1, 0]);
        foreach (Submission s in new[] { a1, a2, b1 })
        {
            await p.SubmitAsync(s);
        }

        var authed = new HttpRequestMessage(HttpMethod.Get, "/operator/history");
        authed.Headers.Authorization = new("Bearer", TestProvider.Token);
        string history = await (await p.Client.SendAsync(authed)).Content.ReadAsStringAsync();
        HttpResponseMessage early = await p.PostAsync("/operator/reconcile", Encoding.UTF8.GetBytes("{}"), token: TestProvider.Token);
        Assert.Equal("still_open", await TestProvider.ErrorCode(early));
        await p.PostAsync("/operator/close", [], token: TestProvider.Token);

        // Providers 0 and 2 lack a2 (say the page's requests to them failed): the pool takes a1 for code 0.
        using JsonDocument h = JsonDocument.Parse(history);
        string Without(int party, string id) => h.RootElement.GetRawText()
            .Replace("\"party\":1", $"\"party\":{party}")
            .Replace($"{{\"codeHash\":\"{InvitationCode.Hash(p.Round.CodeSalt, p.Codes[0])}\",\"submission\":\"{id}\",\"sequence\":2}},", "");
        string body = $"{{\"histories\":[{Without(0, a2.SubmissionId)},{history},{Without(2, a2.SubmissionId)}]}}";
        HttpResponseMessage rec = await p.PostAsync("/operator/reconcile", Encoding.UTF8.GetBytes(body), token: TestProvider.Token);
        string report = await rec.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, rec.StatusCode);
        using JsonDocument d = JsonDocument.Parse(report);
        Assert.Equal(2, d.RootElement.GetProperty("rows").GetInt32());
        Assert.Equal(1, d.RootElement.GetProperty("partial").GetInt32());
        Assert.Contains(a1.SubmissionId, report);
        Assert.DoesNotContain(a2.SubmissionId, report);

        var export = new HttpRequestMessage(HttpMethod.Get, "/operator/export");
        export.Headers.Authorization = new("Bearer", TestProvider.Token);
        using JsonDocument e = JsonDocument.Parse(await (await p.Client.SendAsync(export)).Content.ReadAsStringAsync());
        var rows = e.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length);
        Assert.True(string.CompareOrdinal(rows[0].GetProperty("codeHash").GetString(), rows[1].GetProperty("codeHash").GetString()) < 0);
        Assert.Contains(rows, r => r.GetProperty("row").GetString() == Convert.ToBase64String(a1.RowBytes()));
    }

    [Fact]
    public async Task DatabaseFilesAreOwnerOnlyAndHoldNoCode()
    {
        await using TestProvider p = await TestProvider.StartAsync();
        await p.SubmitAsync(p.Part(p.Codes[0], [0, 0, 0]));
        if (!OperatingSystem.IsWindows())
        {
            foreach (string f in Directory.GetFiles(Path.GetDirectoryName(p.DatabasePath)!))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            }
        }

        byte[] all = Directory.GetFiles(Path.GetDirectoryName(p.DatabasePath)!).SelectMany(f =>
        {
            using var fs = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var ms = new MemoryStream();
            fs.CopyTo(ms);
            return ms.ToArray();
        }).ToArray();
        Assert.Equal(-1, all.AsSpan().IndexOf(Encoding.ASCII.GetBytes(p.Codes[0])));
    }
}
