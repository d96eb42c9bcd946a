using System.Net;
using System.Text;
using System.Text.Json;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot.Tests;

/// <summary>The counters' intake over HTTPS: receipts, re-voting, withdrawal, refusals before anything is stored, file modes, operator access.</summary>
public sealed class IntakeTests
{
    [Fact]
    public async Task CastRetryRevoteAndWithdrawGiveSignedReceiptsAndTheLastBallotCounts()
    {
        await using Counters c = await Counters.StartAsync(Counters.NewRound(), codes: 3);
        BallotPart[] first = BallotContribution.Create(c.Round, c.Codes[0], 0);
        var receipts = new List<JsonElement>();
        foreach (BallotPart part in first)
        {
            (int status, JsonElement body) = await c.PostAsync(part.Party, "/api/v1/ballots", part.ToJson());
            Assert.Equal(201, status);
            IntakeReceipt receipt = IntakeReceipt.Parse(Encoding.UTF8.GetBytes(body.GetProperty("receipt").GetRawText()));
            string codeHash = InvitationCode.Hash(c.Round.CodeSalt, c.Codes[0]);
            Assert.Equal(("stored", part.Party, codeHash, part.SubmissionId, part.StoredDigest(codeHash)), (receipt.Action, receipt.Party, receipt.CodeHash, receipt.SubmissionId, receipt.StoredSha256));
            Assert.True(receipt.Verify(Counters.Certificate(part.Party)));
            Assert.False(receipt.Verify(Counters.Certificate((part.Party + 1) % 3)));
            receipts.Add(body);
        }

        // The page retries with the same body: the stored receipt comes back, nothing new is stored.
        for (int p = 0; p < 3; p++)
        {
            (int status, JsonElement body) = await c.PostAsync(p, "/api/v1/ballots", first[p].ToJson());
            Assert.Equal(200, status);
            Assert.Equal(receipts[p].GetRawText(), body.GetRawText());
        }

        // Same ballot number, other content: refused.
        BallotPart[] other = BallotContribution.Create(c.Round, c.Codes[0], 2, first[0].SubmissionId);
        Assert.Equal(new[] { 409, 409, 409 }, await c.CastAsync(other));

        // Re-vote (a new number), another voter votes, a third votes and withdraws.
        Assert.Equal(new[] { 201, 201, 201 }, await c.CastAsync(BallotContribution.Create(c.Round, c.Codes[0], 2)));
        Assert.Equal(new[] { 201, 201, 201 }, await c.CastAsync(BallotContribution.Create(c.Round, c.Codes[1], 1)));
        Assert.Equal(new[] { 201, 201, 201 }, await c.CastAsync(BallotContribution.Create(c.Round, c.Codes[2], 1)));
        Assert.Equal(new[] { 200, 200, 200 }, await c.WithdrawAsync(c.Codes[2]));
        Assert.Equal(new[] { 404, 404, 404 }, await c.WithdrawAsync(c.Codes[2]));

        // Past the deadline by the counters' clock (before any operator closes): refused everywhere, votes and withdrawals alike.
        c.Now = c.Round.DeadlineUtc.AddSeconds(1);
        Assert.Equal(new[] { 403, 403, 403 }, await c.CastAsync(BallotContribution.Create(c.Round, c.Codes[1], 0)));
        Assert.Equal(new[] { 403, 403, 403 }, await c.WithdrawAsync(c.Codes[1]));

        CounterData[] data = await c.CloseAndExportAsync();
        CountRun.Result r = await CountRun.RunInProcessAsync(c.Round, data);
        Assert.Equal(2, r.Pool.Rows.Count);
        Assert.Equal(1, r.Pool.SupersededRows);
        Assert.All(r.Outcomes, o => Assert.Equal(new uint[] { 0, 1, 1 }, o.Tally!));
        Assert.All(r.Outcomes, o => Assert.Empty(o.Named));

        // Closed: nothing is accepted any more, with the deadline's words.
        (int closed, JsonElement msg) = await c.PostAsync(0, "/api/v1/ballots", BallotContribution.Create(c.Round, c.Codes[1], 0)[0].ToJson());
        Assert.Equal(403, closed);
        Assert.StartsWith("Voting closed on", msg.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadBallots() => new()
    {
        { "tampered-share", "bad_commitment" },
        { "tampered-commitment", "bad_commitment" },
        { "wrong-party", "wrong_party" },
        { "wrong-columns", "bad_columns" },
        { "short-shares", "bad_share_length" },
        { "negative-share", "bad_share_value" },
        { "bad-nonce", "bad_nonce" },
        { "unknown-member", "malformed" },
        { "not-json", "malformed" },
        { "wrong-round", "wrong_round" },
        { "mistyped-code", "invalid_code" },
        { "unissued-code", "unknown_code" },
        { "bad-id", "bad_submission_id" },
        { "version-2", "unsupported_version" },
    };

    [Fact]
    public async Task BadBallotsAreRefusedWithAClearMessageBeforeAnythingIsStored()
    {
        await using Counters c = await Counters.StartAsync(Counters.NewRound(), codes: 2);
        foreach ((string what, string code) in BadBallots().Select(row => ((string)row[0], (string)row[1])))
        {
            BallotPart part = BallotContribution.Create(c.Round, c.Codes[0], 1)[1];
            string json = Encoding.UTF8.GetString(part.ToJson());
            string own = string.Join(",", part.Own.Shares);
            string bad = what switch
            {
                "tampered-share" => json.Replace($"[{own}]", $"[{string.Join(",", part.Own.Shares.Select((s, i) => i == 0 ? unchecked(s + 5) : s))}]", StringComparison.Ordinal),
                "tampered-commitment" => json.Replace(part.Commitments[1], ShareCommitment.ToHex(ShareCommitment.Commit([1, 0, 0], new byte[32])), StringComparison.Ordinal),
                "wrong-party" => json.Replace("\"party\":1", "\"party\":2", StringComparison.Ordinal),
                "wrong-columns" => json.Replace("\"column\":0", "\"column\":2", StringComparison.Ordinal),
                "short-shares" => json.Replace($"[{own}]", $"[{part.Own.Shares[0]}]", StringComparison.Ordinal),
                "negative-share" => json.Replace($"[{own}]", $"[-1,{part.Own.Shares[1]},{part.Own.Shares[2]}]", StringComparison.Ordinal),
                "bad-nonce" => json.Replace(Convert.ToHexStringLower(part.Own.Nonce), "zz", StringComparison.Ordinal),
                "unknown-member" => json.Replace("{\"format\":1", "{\"format\":1,\"vote\":\"park\"", StringComparison.Ordinal),
                "not-json" => json[..40],
                "wrong-round" => json.Replace(c.Round.RoundId, new string('a', 32), StringComparison.Ordinal),
                "mistyped-code" => json.Replace(part.Code, part.Code[..16] + (part.Code[16] == '0' ? '1' : '0'), StringComparison.Ordinal),
                "unissued-code" => Encoding.UTF8.GetString(BallotContribution.Create(c.Round, InvitationCode.Generate(), 1)[1].ToJson()),
                "bad-id" => json.Replace(part.SubmissionId, "XYZ", StringComparison.Ordinal),
                "version-2" => json.Replace("{\"format\":1", "{\"format\":2", StringComparison.Ordinal),
                _ => throw new InvalidOperationException(what),
            };
            Assert.NotEqual(json, bad);
            (int status, JsonElement body) = await c.PostAsync(1, "/api/v1/ballots", Encoding.UTF8.GetBytes(bad));
            Assert.True(status is >= 400 and < 500, $"{what}: status {status}");
            Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
            string message = body.GetProperty("error").GetProperty("message").GetString()!;
            Assert.True(message.Length > 30 && !message.Contains(part.Code, StringComparison.Ordinal), $"{what}: {message}");
        }

        using (var content = new StringContent("{}", Encoding.UTF8, "text/plain"))
        {
            HttpResponseMessage r = await c.Voters[0].PostAsync("/api/v1/ballots", content);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        }

        (int tooLarge, _) = await c.PostAsync(0, "/api/v1/ballots", Encoding.UTF8.GetBytes("{\"format\":1,\"pad\":\"" + new string('x', 20_000) + "\"}"));
        Assert.Equal(413, tooLarge);
        foreach (HttpClient v in c.Voters)
        {
            using JsonDocument s = JsonDocument.Parse(await v.GetStringAsync("/api/v1/status"));
            Assert.Equal(0, s.RootElement.GetProperty("ballots").GetInt32());
        }

        CounterData[] data = await c.CloseAndExportAsync();
        Assert.All(data, d => Assert.Empty(d.Ballots));
    }

    [Fact]
    public async Task DatabaseIsOwnerOnlyAndOperatorEndpointsNeedTheTokenAndNoOrigin()
    {
        await using Counters c = await Counters.StartAsync(Counters.NewRound(), codes: 1);
        Assert.Equal(new[] { 201, 201, 201 }, await c.CastAsync(BallotContribution.Create(c.Round, c.Codes[0], 0)));
        if (OperatingSystem.IsLinux())
        {
            foreach (BallotConfig config in c.Configs)
            {
                string[] files = [.. Directory.GetFiles(Path.GetDirectoryName(config.DatabasePath)!)];
                Assert.Contains(config.DatabasePath, files);
                Assert.Contains(config.DatabasePath + "-wal", files);
                foreach (string f in files)
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
                }
            }
        }

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/operator/export");
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.Voters[0].SendAsync(anonymous)).StatusCode);
        using var fromPage = new HttpRequestMessage(HttpMethod.Post, "/operator/close") { Content = new StringContent("{}") };
        fromPage.Headers.Add("Origin", c.Urls[0].GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Forbidden, (await c.Operators[0].SendAsync(fromPage)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await c.Operators[0].GetAsync("/operator/export")).StatusCode); // still open
    }

    [Fact]
    public async Task DatabaseOfAnotherRoundIsRefusedWithItsPath()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ballot-store-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)));
        string path = Path.Combine(dir, "ballots.db");
        try
        {
            BallotStore store = BallotStore.Open(path, Counters.NewRound().Hash);
            await store.DisposeAsync();
            BallotFileException e = Assert.Throws<BallotFileException>(() => BallotStore.Open(path, Counters.NewRound().Hash));
            Assert.StartsWith(path + ": this database belongs to another ballot round", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
