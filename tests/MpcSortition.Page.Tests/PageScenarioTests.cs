using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Page.Tests;

/// <summary>The volunteer's scenarios in Debian chromium against three real provider services.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageScenarioTests(BrowserFixture browser)
{
    private static readonly string[] Ann = ["Ann Example", "ann@example.org"];

    [Fact]
    public async Task FillInAndSubmitShowsThreeSignedReceiptsAndSendsOnlyToTheProviders()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        string code = providers.Codes[0];
        await v.GotoAsync(providers.PageUrl(InvitationCode.Format(code)));

        // The code comes from the letter's URL, and the URL no longer shows it.
        Assert.Equal(InvitationCode.Format(code), await v.Page.InputValueAsync("#code"));
        Assert.DoesNotContain("code=", v.Page.Url, StringComparison.Ordinal);
        Assert.Equal(providers.Round.Title, await v.Page.TextContentAsync("h1"));
        Assert.Equal(3, await v.Page.Locator("fieldset legend").CountAsync() - 1); // three questions + the contact fieldset
        Assert.Contains("UTC", await v.Page.TextContentAsync("#deadline"), StringComparison.Ordinal);

        await v.FillAsync(providers.Round, [1, 2, 0], Ann);
        await v.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Paths.Artifacts, "signup-form.png"), FullPage = true });
        await v.SendAsync();
        Assert.Equal("Thank you: all three services received your answers", await v.OutcomeAsync());
        Assert.Equal(3, await v.Page.Locator("#providers li.ok").CountAsync());
        Assert.Equal(3, await v.Page.Locator("#providers li", new() { HasTextString = "Its receipt matches what this page sent." }).CountAsync());
        await v.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Paths.Artifacts, "signup-receipt.png"), FullPage = true });

        // The receipt shown to save or print: three receipts, each signed by its provider's key, one submission id.
        using JsonDocument doc = JsonDocument.Parse((await v.Page.TextContentAsync("#receipt"))!);
        JsonElement[] receipts = [.. doc.RootElement.GetProperty("receipts").EnumerateArray()];
        Assert.Equal(3, receipts.Length);
        for (int p = 0; p < 3; p++)
        {
            IntakeReceipt r = IntakeReceipt.Parse(Encoding.UTF8.GetBytes(receipts[p].GetRawText()));
            Assert.Equal(p, r.Party);
            Assert.Equal(providers.Hash(code), r.CodeHash);
            Assert.True(r.Verify(Providers.Certificate(p)), $"receipt {p} does not verify");
            Assert.False(r.Verify(Providers.Certificate((p + 1) % 3)));
        }

        Assert.Single(receipts.Select(r => r.GetProperty("submission").GetString()).Distinct());
        Assert.DoesNotContain(code, doc.RootElement.GetRawText(), StringComparison.Ordinal);

        // Save: a download of the same receipts.
        IDownload download = await v.Page.RunAndWaitForDownloadAsync(() => v.Page.ClickAsync("#save-receipt"));
        string saved = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal(doc.RootElement.GetProperty("receipts").GetRawText(), JsonDocument.Parse(saved).RootElement.GetProperty("receipts").GetRawText());

        Assert.Equal(new[] { 1, 1, 1 }, await providers.CountsAsync());
        var allowed = new HashSet<string>(providers.Urls.Select(u => u.GetLeftPart(UriPartial.Authority)), StringComparer.Ordinal);
        Assert.All(v.Requests, r => Assert.Contains(new Uri(r.Url).GetLeftPart(UriPartial.Authority), allowed));
        Assert.Equal(3, v.Posts("/api/v1/submissions"));

        var (pool, _) = await providers.ReconstructPoolAsync();
        Assert.Equal([0u, 1u, 0u, 0u, 1u, 1u, 0u], pool[providers.Hash(code)].Row);
        Assert.Equal(Ann, pool[providers.Hash(code)].Contact);
        await v.CloseAsync();
    }

    [Fact]
    public async Task KeyboardOnlyWithVisibleFocus()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        await v.GotoAsync(providers.PageUrl());
        IKeyboard k = v.Page.Keyboard;
        await k.PressAsync("Tab");
        Assert.Equal("Skip to the form", await v.Page.EvaluateAsync<string>("document.activeElement.textContent"));
        await k.PressAsync("Tab");
        Assert.Equal("code", await v.Page.EvaluateAsync<string>("document.activeElement.id"));
        Assert.NotEqual("none", await v.Page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle"));
        await k.TypeAsync(InvitationCode.Format(providers.Codes[1]).ToLowerInvariant());
        await k.PressAsync("Tab");       // first question: focus on its first answer
        await k.PressAsync("Space");     // Female
        await k.PressAsync("Tab");       // second question
        await k.PressAsync("ArrowDown"); // arrow keys move and choose: 35 to 59
        await k.PressAsync("Tab");
        await k.PressAsync("Space");     // In a town
        Assert.NotEqual("none", await v.Page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle"));
        await k.PressAsync("Tab");
        await k.TypeAsync("Kim Keyboard");
        await k.PressAsync("Tab");
        await k.TypeAsync("kim@example.org");
        await k.PressAsync("Enter");     // submits the form
        Assert.Equal("Thank you: all three services received your answers", await v.OutcomeAsync());
        Assert.Equal("outcome-title", await v.Page.EvaluateAsync<string>("document.activeElement.id"));
        var (pool, _) = await providers.ReconstructPoolAsync();
        Assert.Equal([1u, 0u, 0u, 1u, 0u, 1u, 0u], pool[providers.Hash(providers.Codes[1])].Row);
        Assert.Equal(["Kim Keyboard", "kim@example.org"], pool[providers.Hash(providers.Codes[1])].Contact);
        await v.CloseAsync();
    }

    [Fact]
    public async Task CorrectingTheAnswersMakesTheLaterAnswersTheOnesInTheFinalPool()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        string code = providers.Codes[2];
        await v.GotoAsync(providers.PageUrl(code));
        await v.FillAsync(providers.Round, [0, 0, 0], Ann);
        await v.SendAsync();
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        string first = JsonDocument.Parse((await v.Page.TextContentAsync("#receipt"))!).RootElement.GetProperty("receipts")[0].GetProperty("submission").GetString()!;

        await v.Page.ClickAsync("#change");
        Assert.True(await v.Page.IsVisibleAsync("#signup"));
        await v.FillAsync(providers.Round, [1, 2, 1], ["Ann Changed", "ann.changed@example.org"]);
        await v.SendAsync();
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        string second = JsonDocument.Parse((await v.Page.TextContentAsync("#receipt"))!).RootElement.GetProperty("receipts")[0].GetProperty("submission").GetString()!;
        Assert.NotEqual(first, second); // a correction is a new submission

        // A later visit with the letter's link: the correction replaces again.
        await v.GotoAsync(providers.PageUrl(code));
        await v.FillAsync(providers.Round, [1, 1, 1], ["Ann Final", "ann.final@example.org"]);
        await v.SendAsync();
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);

        Assert.Equal(new[] { 1, 1, 1 }, await providers.CountsAsync());
        var (pool, report) = await providers.ReconstructPoolAsync();
        Assert.Single(pool);
        Assert.Equal(2, report.GetProperty("superseded").GetInt32());
        Assert.Equal([0u, 1u, 0u, 1u, 0u, 0u, 1u], pool[providers.Hash(code)].Row);
        Assert.Equal(["Ann Final", "ann.final@example.org"], pool[providers.Hash(code)].Contact);
        await v.CloseAsync();
    }

    [Fact]
    public async Task AWrongCodeGetsAMessageAndNothingIsStored()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        await v.GotoAsync(providers.PageUrl());

        // A typing mistake (the check character catches it): refused in the page, nothing sent.
        string good = providers.Codes[0];
        string typo = (good[0] == 'A' ? 'B' : 'A') + good[1..];
        await v.FillAsync(providers.Round, [0, 1, 0], Ann, code: typo);
        await v.SendAsync();
        ILocator error = v.Page.Locator("#code-error");
        await Assertions.Expect(error).ToContainTextAsync("not valid", new() { Timeout = Volunteer.Timeout });
        Assert.Equal("true", await v.Page.GetAttributeAsync("#code", "aria-invalid"));
        Assert.Contains("code-error", (await v.Page.GetAttributeAsync("#code", "aria-describedby"))!, StringComparison.Ordinal);
        Assert.Equal(0, v.Posts("/api/v1/submissions"));

        // A well-formed code that was never issued: the providers refuse it, the page says so beside the code.
        string stranger = InvitationCode.Generate();
        await v.Page.FillAsync("#code", stranger);
        await v.SendAsync();
        await Assertions.Expect(error).ToContainTextAsync("not issued for this sign-up", new() { Timeout = Volunteer.Timeout });
        Assert.Equal(3, v.Posts("/api/v1/submissions"));
        Assert.True(await v.Page.IsVisibleAsync("#signup"));
        Assert.False(await v.Page.IsVisibleAsync("#receipt"));
        Assert.Equal(new[] { 0, 0, 0 }, await providers.CountsAsync());
        await v.CloseAsync();
    }

    [Fact]
    public async Task AMissingAnswerGetsAMessageBesideItAndNothingIsSent()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        await v.GotoAsync(providers.PageUrl(providers.Codes[0]));
        await v.FillAsync(providers.Round, [0, null, 1], ["Ann Example", "not-an-address"]);
        await v.SendAsync();

        await Assertions.Expect(v.Page.Locator("#q1-error")).ToHaveTextAsync("Choose an answer to: How old are you?", new() { Timeout = Volunteer.Timeout });
        Assert.Equal("true", await v.Page.GetAttributeAsync("#q1-0", "aria-invalid"));
        Assert.Equal("q1-error", await v.Page.GetAttributeAsync("#q1", "aria-describedby"));
        Assert.Contains("name@example.org", await v.Page.TextContentAsync("#c1-error"), StringComparison.Ordinal);
        Assert.Equal(string.Empty, await v.Page.TextContentAsync("#q0-error"));
        Assert.Null(await v.Page.GetAttributeAsync("#q0-0", "aria-invalid"));
        // The summary is announced (aria-live) and takes the focus; its links lead to the fields.
        Assert.Equal("assertive", await v.Page.GetAttributeAsync("#summary", "aria-live"));
        Assert.Equal("summary", await v.Page.EvaluateAsync<string>("document.activeElement.id"));
        Assert.Contains("2 problems", await v.Page.TextContentAsync("#summary h2"), StringComparison.Ordinal);
        await v.Page.ClickAsync("#summary a >> nth=0");
        Assert.Equal("q1-0", await v.Page.EvaluateAsync<string>("document.activeElement.id"));

        // A name too long for its field (40 bytes of UTF-8) is caught too.
        await v.Page.FillAsync("#c0", new string('é', 21));
        await v.Page.FillAsync("#c1", "ann@example.org");
        await v.Page.Locator("label[for='q1-0']").ClickAsync();
        await v.SendAsync();
        await Assertions.Expect(v.Page.Locator("#c0-error")).ToContainTextAsync("too long", new() { Timeout = Volunteer.Timeout });
        Assert.Equal(0, v.Posts("/api/v1/submissions"));
        Assert.Equal(new[] { 0, 0, 0 }, await providers.CountsAsync());
        await v.CloseAsync();
    }

    [Fact]
    public async Task AProviderThatIsDownIsNamedAndARetryAfterItComesBackSucceeds()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        string code = providers.Codes[3];
        await v.GotoAsync(providers.PageUrl(code));
        await providers.StopAsync(2);

        await v.FillAsync(providers.Round, [1, 0, 1], Ann);
        await v.SendAsync();
        Assert.Equal("Your sign-up is not complete yet", await v.OutcomeAsync());
        string name = $"Provider 2 ({providers.Urls[2].Authority})";
        Assert.Contains($"{name} did not answer", await v.Page.TextContentAsync("#providers"), StringComparison.Ordinal);
        Assert.Contains(name, await v.Page.TextContentAsync("#retry-note"), StringComparison.Ordinal);
        Assert.Equal(2, await v.Page.Locator("#providers li.ok").CountAsync());
        Assert.Equal($"Try again: send to {name}", await v.Page.TextContentAsync("#retry"));
        string[] firstIds = await SubmissionIds(v);

        await providers.StartAsync(2);
        await v.Page.ClickAsync("#retry");
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        Assert.Equal(3, await v.Page.Locator("#providers li.ok").CountAsync());
        string[] ids = await SubmissionIds(v);
        Assert.Single(ids.Distinct());
        Assert.Equal(firstIds[0], ids[0]); // the retry reused the submission id
        Assert.Equal(4, v.Posts("/api/v1/submissions")); // three, then one to provider 2 only

        var (pool, report) = await providers.ReconstructPoolAsync();
        Assert.Equal(0, report.GetProperty("dropped").GetInt32());
        Assert.Equal([0u, 1u, 1u, 0u, 0u, 0u, 1u], pool[providers.Hash(code)].Row);
        await v.CloseAsync();
    }

    [Fact]
    public async Task AfterTheDeadlineThePageSaysItIsClosed()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);

        // Open before the deadline, send after it: the providers refuse, the page says why and closes the form.
        await v.GotoAsync(providers.PageUrl(providers.Codes[0]));
        await v.FillAsync(providers.Round, [0, 0, 0], Ann);
        providers.Now = providers.Round.DeadlineUtc.AddSeconds(1);
        await v.SendAsync();
        ILocator closed = v.Page.Locator("#closed");
        await Assertions.Expect(closed).ToBeVisibleAsync(new() { Timeout = Volunteer.Timeout });
        Assert.StartsWith("Sign-up closed on", await closed.TextContentAsync(), StringComparison.Ordinal);
        Assert.False(await v.Page.IsVisibleAsync("#signup"));
        Assert.False(await v.Page.IsVisibleAsync("#withdraw"));

        // Opening the page after the deadline: closed straight away, nothing to fill in.
        await v.GotoAsync(providers.PageUrl(providers.Codes[0]));
        await Assertions.Expect(closed).ToBeVisibleAsync(new() { Timeout = Volunteer.Timeout });
        Assert.Contains("nothing can be submitted, changed or withdrawn", await closed.TextContentAsync(), StringComparison.Ordinal);
        Assert.False(await v.Page.IsVisibleAsync("#signup"));
        Assert.Equal(new[] { 0, 0, 0 }, await providers.CountsAsync());
        await v.CloseAsync();
    }

    [Fact]
    public async Task AfterTheCloseTheVolunteerChecksThatTheirSignUpIsUnderAllThreeRoots()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        for (int i = 0; i < 3; i++)
        {
            await v.GotoAsync(providers.PageUrl(providers.Codes[i]));
            await v.FillAsync(providers.Round, [i % 2, i % 3, 0], [$"Person {i}", $"p{i}@example.org"]);
            await v.SendAsync();
            Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        }

        // Before the close there is nothing to check; after it (close, reconcile: the roots are published) there is.
        Assert.False(await v.Page.IsVisibleAsync("#counted"));
        await providers.ReconstructPoolAsync();
        providers.Now = providers.Round.DeadlineUtc.AddSeconds(1);
        await v.GotoAsync(providers.PageUrl());
        await Assertions.Expect(v.Page.Locator("#counted")).ToBeVisibleAsync(new() { Timeout = Volunteer.Timeout });

        // A code that is not valid: a message beside the field, nothing sent.
        await v.Page.FillAsync("#counted-code", "ABCD");
        await v.Page.ClickAsync("#counted-check");
        Assert.Contains("not valid", await v.Page.TextContentAsync("#counted-code-error"), StringComparison.Ordinal);
        Assert.Equal(0, v.Posts("/api/v1/receipts"));

        // The volunteer's code: three proofs, each leading to its provider's published root, the three roots equal.
        await v.Page.FillAsync("#counted-code", InvitationCode.Format(providers.Codes[1]));
        int before;
        lock (v.Requests)
        {
            before = v.Requests.Count;
        }

        await v.Page.ClickAsync("#counted-check");
        ILocator result = v.Page.Locator("#counted-result h3");
        await Assertions.Expect(result).ToHaveTextAsync("Your sign-up was counted by all three services", new() { Timeout = Volunteer.Timeout });
        Assert.Equal(3, await v.Page.Locator("#counted-result li.ok").CountAsync());
        Assert.Equal(3, v.Posts("/api/v1/receipts"));
        lock (v.Requests)
        {
            var after = v.Requests.Skip(before).ToList();
            Assert.Equal(3, after.Count(r => r.Method == "GET" && new Uri(r.Url).AbsolutePath == "/api/v1/root")); // a proof and the root from each provider
            Assert.DoesNotContain(v.Requests.Skip(before), r => r.Url.Contains(providers.Codes[1], StringComparison.OrdinalIgnoreCase)); // never in an address
        }

        // A code that never signed up: each provider says it is not among the accepted sign-ups.
        await v.Page.FillAsync("#counted-code", InvitationCode.Format(providers.Codes[7]));
        await v.Page.ClickAsync("#counted-check");
        await Assertions.Expect(result).ToHaveTextAsync("Your sign-up could not be confirmed at all three services", new() { Timeout = Volunteer.Timeout });
        Assert.Equal(3, await v.Page.Locator("#counted-result li.failed").CountAsync());
        Assert.Contains("No accepted submission", await v.Page.TextContentAsync("#counted-result ul"), StringComparison.Ordinal);
        await v.CloseAsync();
    }

    [Fact]
    public async Task WithdrawingRemovesTheSignUpFromThePool()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        string stays = providers.Codes[4], leaves = providers.Codes[5];
        await v.GotoAsync(providers.PageUrl(stays));
        await v.FillAsync(providers.Round, [0, 0, 0], ["Stay Here", "stay@example.org"]);
        await v.SendAsync();
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        await v.GotoAsync(providers.PageUrl(leaves));
        await v.FillAsync(providers.Round, [1, 1, 1], ["Leave Soon", "leave@example.org"]);
        await v.SendAsync();
        Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
        Assert.Equal(new[] { 2, 2, 2 }, await providers.CountsAsync());

        // Later, with the letter's link: withdraw (asks to confirm first).
        await v.GotoAsync(providers.PageUrl(leaves));
        await v.Page.ClickAsync("#withdraw");
        Assert.True(await v.Page.IsVisibleAsync("#withdraw-confirm"));
        Assert.Equal(0, v.Posts("/api/v1/withdrawals"));
        await v.Page.ClickAsync("#withdraw-yes");
        Assert.Equal("You have withdrawn: all three services deleted your answers", await v.OutcomeAsync());
        Assert.Equal(3, v.Posts("/api/v1/withdrawals"));
        using JsonDocument doc = JsonDocument.Parse((await v.Page.TextContentAsync("#receipt"))!);
        for (int p = 0; p < 3; p++)
        {
            IntakeReceipt r = IntakeReceipt.Parse(Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("receipts")[p].GetRawText()));
            Assert.Equal("withdrawn", r.Action);
            Assert.True(r.Verify(Providers.Certificate(p)));
        }

        Assert.Equal(new[] { 1, 1, 1 }, await providers.CountsAsync());
        var (pool, _) = await providers.ReconstructPoolAsync();
        Assert.Equal([providers.Hash(stays)], pool.Keys);
        await v.CloseAsync();
    }

    private static async Task<string[]> SubmissionIds(Volunteer v)
    {
        using JsonDocument doc = JsonDocument.Parse((await v.Page.TextContentAsync("#receipt"))!);
        return [.. doc.RootElement.GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("submission").GetString()!)];
    }
}
