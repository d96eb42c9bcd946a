using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Ballot.Tests;

/// <summary>The ballot page in chromium against three real counters, axe-core on every state, and the page's ballot.js under node against the C# side.</summary>
public sealed class PageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string Axe = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js"));

    [Fact]
    public async Task VoterCastsAndRecastsOneBallotAndOnlyTheLastCounts()
    {
        await using Counters c = await Counters.StartAsync(Counters.NewRound(m: 3), codes: 1, page: true);
        IBrowserContext context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true, // the counters' test certificates are self-signed
            BypassCSP = true,         // only to inject axe-core
        });
        context.SetDefaultTimeout(30_000);
        IPage page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => { lock (requests) { requests.Add(r.Url); } };
        var axe = new List<string>();

        await page.GotoAsync(c.PageUrl(InvitationCode.Format(c.Codes[0])));
        await page.Locator("#ballot").WaitForAsync();
        Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal); // the code left the address bar
        await CheckAxe(page, "form", axe);

        // No choice: a message beside the question, nothing sent.
        await page.ClickAsync("#cast");
        Assert.Equal("Choose one option.", await page.TextContentAsync("#options-error"));
        Assert.Equal("true", await page.GetAttributeAsync("#o0", "aria-invalid"));
        await CheckAxe(page, "form with an error", axe);
        Assert.DoesNotContain(requests, r => r.Contains("/api/v1/ballots", StringComparison.Ordinal));

        await page.ClickAsync("label[for='o0']");
        await page.ClickAsync("#cast");
        Assert.Equal("Your vote was received by all three counters", await page.Locator("#outcome-title").TextContentAsync());
        JsonElement receipts = JsonDocument.Parse(await page.TextContentAsync("#receipts") ?? "[]").RootElement;
        Assert.Equal(3, receipts.GetArrayLength());
        for (int p = 0; p < 3; p++)
        {
            IntakeReceipt receipt = IntakeReceipt.Parse(Encoding.UTF8.GetBytes(receipts[p].GetRawText()));
            Assert.Equal(p, receipt.Party);
            Assert.True(receipt.Verify(Counters.Certificate(p)));
        }

        await CheckAxe(page, "receipts", axe);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Paths.Artifacts, "ballot-receipt.png"), FullPage = true });

        // Re-cast: another option, a new ballot number.
        await page.ClickAsync("#change");
        await page.ClickAsync("label[for='o2']");
        await page.ClickAsync("#cast");
        await page.Locator("#outcome-title").WaitForAsync();
        Assert.Equal("Your vote was received by all three counters", await page.Locator("#outcome-title").TextContentAsync());
        JsonElement second = JsonDocument.Parse(await page.TextContentAsync("#receipts") ?? "[]").RootElement;
        Assert.NotEqual(receipts[0].GetProperty("submission").GetString(), second[0].GetProperty("submission").GetString());
        await CheckAxe(page, "receipts after re-casting", axe);
        await context.CloseAsync();

        File.WriteAllText(Path.Combine(Paths.Artifacts, "axe-report.txt"), string.Join('\n', axe) + "\n");
        Assert.All(axe, line => Assert.EndsWith(": 0 violations", line, StringComparison.Ordinal));
        string[] origins = [.. c.Urls.Select(u => u.GetLeftPart(UriPartial.Authority))];
        Assert.All(requests, r => Assert.Contains(new Uri(r).GetLeftPart(UriPartial.Authority), origins));
        Assert.Equal(6, requests.Count(r => r.EndsWith("/api/v1/ballots", StringComparison.Ordinal)));

        CounterData[] data = await c.CloseAndExportAsync();
        CountRun.Result result = await CountRun.RunInProcessAsync(c.Round, data);
        Assert.Single(result.Pool.Rows);
        Assert.Equal(1, result.Pool.SupersededRows);
        Assert.All(result.Outcomes, o => Assert.Equal(new uint[] { 0, 0, 1 }, o.Tally!));
    }

    [Fact]
    public async Task PageIsServedWithARestrictiveContentSecurityPolicy()
    {
        await using Counters c = await Counters.StartAsync(Counters.NewRound(), codes: 1, page: true);
        using HttpResponseMessage r = await c.Voters[0].GetAsync("/");
        r.EnsureSuccessStatusCode();
        string csp = string.Join(" ", r.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        foreach (Uri u in c.Urls)
        {
            Assert.Contains(u.GetLeftPart(UriPartial.Authority), csp, StringComparison.Ordinal);
        }

        using JsonDocument config = JsonDocument.Parse(await c.Voters[0].GetStringAsync("/config.json"));
        Assert.Equal(3, config.RootElement.GetProperty("counters").GetArrayLength());
    }

    [Fact]
    public async Task PageBallotJsMakesWhatTheCountersAcceptAndCommitsLikeCSharp()
    {
        BallotRound round = Counters.NewRound(m: 4);
        string code = InvitationCode.Generate();
        uint[] shares = [0xDEADBEEF, 1, 0, uint.MaxValue];
        byte[] nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)(7 * i + 3))];
        string input = JsonSerializer.Serialize(new
        {
            round = JsonDocument.Parse(round.ToJson()).RootElement,
            code = InvitationCode.Format(code).ToLowerInvariant(),
            option = 2,
            shares,
            nonce = Convert.ToHexStringLower(nonce),
        });
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Paths.Repo, "tests", "MpcSortition.Ballot.Tests", "js", "make-ballot.mjs"));
        info.ArgumentList.Add(Path.Combine(Paths.Page, "ballot.js"));
        using Process p = Process.Start(info) ?? throw new InvalidOperationException("node could not be started (apt-get install nodejs).");
        await p.StandardInput.WriteAsync(input);
        p.StandardInput.Close();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, stderr);
        using JsonDocument result = JsonDocument.Parse(stdout);
        Assert.Equal(ShareCommitment.ToHex(ShareCommitment.Commit(shares, nonce)), result.RootElement.GetProperty("commitment").GetString());
        Assert.Equal(code, result.RootElement.GetProperty("canonical").GetString());
        var parts = new BallotPart[3];
        for (int i = 0; i < 3; i++)
        {
            byte[] body = Encoding.UTF8.GetBytes(result.RootElement.GetProperty("bodies")[i].GetRawText());
            Assert.True(BallotPart.TryParse(body, round, i, out BallotPart? part, out BallotError? error), error?.Message);
            parts[i] = part;
        }

        for (int k = 0; k < 4; k++)
        {
            uint x = unchecked(parts[0].Own.Shares[k] + parts[1].Own.Shares[k] + parts[2].Own.Shares[k]);
            Assert.Equal(k == 2 ? 1u : 0u, x);
            Assert.Equal(parts[0].Own.Shares[k], parts[1].Previous.Shares[k]); // replicated: share 0 also at counter 1
        }
    }

    private static async Task CheckAxe(IPage page, string state, List<string> report)
    {
        if (!await page.EvaluateAsync<bool>("typeof window.axe !== 'undefined'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = Axe });
        }

        JsonElement result = await page.EvaluateAsync<JsonElement>(
            "async () => { const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });" +
            " return { passes: r.passes.length, violations: r.violations.map(x => x.id + ' (' + x.impact + '): ' + x.help + ' at ' + x.nodes.map(n => n.target.join(' ')).join(', ')) }; }");
        string[] violations = [.. result.GetProperty("violations").EnumerateArray().Select(x => x.GetString()!)];
        int passes = result.GetProperty("passes").GetInt32();
        Assert.True(passes > 5, "axe ran too few checks");
        report.Add($"{state} ({passes} rules passed){(violations.Length == 0 ? "" : " " + string.Join("; ", violations))}: {violations.Length} violations");
    }
}
